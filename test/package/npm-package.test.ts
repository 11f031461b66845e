// The npm package as a user gets it: `npm pack`, then `npm install -g` of the tarball, offline.
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { agpmConfig, agpmSnapshot, repoRoot } from '../cli/cli-harness.js';

const pkg = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string>; devDependencies: Record<string, string> };

interface PackResult {
  filename: string;
  files: { path: string }[];
}

describe('the npm package', () => {
  let tmp: string;
  let packed: PackResult;
  let prefix: string;

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'regstate-package-'));
    // dist/ is built by `npm test` (and by the prepare script); scripts off so nothing rebuilds it under other tests.
    const pack = await execa('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], { cwd: repoRoot });
    packed = (JSON.parse(pack.stdout) as PackResult[])[0]!;
    prefix = join(tmp, 'prefix');
    // --offline: the runtime dependencies travel inside the tarball (bundleDependencies).
    await execa('npm', ['install', '-g', '--offline', '--no-audit', '--no-fund', '--prefix', prefix, join(tmp, packed.filename)], { cwd: tmp, env: { npm_config_cache: join(tmp, 'empty-cache') } });
  }, 300_000);
  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  test('holds the built CLI, the schema and the agent scripts, and no sources, tests or build output of other kinds', () => {
    const paths = packed.files.map((f) => f.path);
    for (const needed of ['package.json', 'bin/regstate.js', 'dist/cli-bundle/regstate.js', 'dist/cli/main.js', 'dist/index.js', 'dist/index.d.ts', 'dist/assets.js', 'configs/regstate.schema.json', 'src/registry/powershell/agent.ps1', 'src/registry/powershell/simulated-hive.ps1', 'src/registry/powershell/agent.cs', 'src/registry/powershell/simulated-hive.cs', 'src/registry/powershell/user-hives.cs', 'src/fleet/remoting.ps1', 'configs/regstate-inventory.schema.json']) {
      expect(paths).toContain(needed);
    }
    expect(paths).toContain('scripts/Register-RegstateTask.ps1');
    // the bundle's metafile is for the build's own tests
    expect(paths).not.toContain('dist/cli-bundle.meta.json');
    expect(paths.filter((p) => /^(test|dist-exe|\.tools)\//.test(p) || /^scripts\/.*\.js$/.test(p) || /^src\/.*\.ts$/.test(p))).toEqual([]);
  });

  test('bundles only runtime dependencies', () => {
    const bundled = new Set(packed.files.map((f) => /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f.path)?.[1]).filter((name) => name !== undefined));
    for (const name of Object.keys(pkg.dependencies)) expect(bundled).toContain(name);
    for (const name of Object.keys(pkg.devDependencies)) expect(bundled).not.toContain(name);
    const installed = readdirSync(join(prefix, 'lib', 'node_modules', 'regstate', 'node_modules'));
    for (const name of ['jest', 'typescript', 'esbuild', 'postject', 'ts-jest', 'fast-check']) expect(installed).not.toContain(name);
  });

  test('installed with an empty npm cache and no network, `regstate` runs: --version and a plan', async () => {
    const regstate = join(prefix, 'bin', 'regstate');
    expect(existsSync(regstate)).toBe(true);
    const version = await execa(regstate, ['--version'], { cwd: tmp });
    expect(version.stdout).toBe(`regstate ${pkg.version} (Node.js ${process.versions.node}, ${process.platform}-${process.arch})`);
    const plan = await execa(regstate, ['plan', agpmConfig, '--registry', agpmSnapshot, '--format', 'json', '--detailed-exitcode'], { cwd: tmp, reject: false, env: { NO_COLOR: '1' } });
    expect(plan.exitCode).toBe(2);
    expect(JSON.parse(plan.stdout).summary).toEqual({ create: 1, update: 1, delete: 0, unchanged: 0 });
    const schema = await execa(regstate, ['schema'], { cwd: tmp });
    expect(`${schema.stdout}\n`).toBe(await readFile(join(repoRoot, 'configs', 'regstate.schema.json'), 'utf8'));
  });
});
