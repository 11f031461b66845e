// @ts-check
// Run by `npm run build` after tsc: bundles the CLI (dist/cli/main.js and what it imports, dependencies
// included) into dist/cli-bundle/, so `regstate` loads a few files instead of resolving some two hundred
// modules at every start. Each command's dynamic import stays a chunk of its own, loaded when it runs.
// The library entry (dist/index.js) is not bundled. Writes dist/cli-bundle.meta.json, esbuild's list of
// which source modules each output file holds (test/cli/cold-start-imports.test.ts reads it).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('../', import.meta.url));
const dist = path.join(root, 'dist');
const OUT_DIR = path.join(dist, 'cli-bundle');
const META = path.join(dist, 'cli-bundle.meta.json');

// A bundled module keeps its own URL: dist/assets.js finds the package files one level above it, and
// the schema's prebuilt validator is required from beside dist/config/schema-file.js, as unbundled.
// Every output file sits in OUT_DIR, so the module's URL is its path relative to there.
function keepModuleUrlsPlugin() {
  return {
    name: 'keep-module-urls',
    /** @param {import('esbuild').PluginBuild} b */
    setup(b) {
      b.onLoad({ filter: /[\\/]dist[\\/].*\.js$/ }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        if (!text.includes('import.meta.url')) return undefined;
        const relative = path.relative(OUT_DIR, args.path).split(path.sep).join('/');
        return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(relative)}, import.meta.url).href`), loader: 'js' };
      });
    },
  };
}

rmSync(OUT_DIR, { recursive: true, force: true });
const result = await build({
  entryPoints: { regstate: path.join(dist, 'cli', 'main.js') },
  absWorkingDir: root,
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outdir: OUT_DIR,
  chunkNames: '[name]-[hash]',
  // ajv is required (CommonJS) only by the prebuilt validators beside dist/config/ and by the schema
  // compiler a run uses when no prebuilt validator matches: node resolves it from the package.
  external: ['ajv', 'ajv/*'],
  // The CommonJS dependencies (commander, ajv's loader) call require; an ES module has none of its own.
  banner: { js: "import { createRequire as __regstateCreateRequire } from 'node:module';\nconst require = __regstateCreateRequire(import.meta.url);" },
  plugins: [keepModuleUrlsPlugin()],
  metafile: true,
  logLevel: 'warning',
  legalComments: 'none',
});
if (result.errors.length > 0) throw new Error('bundling the CLI failed');
writeFileSync(META, `${JSON.stringify(result.metafile)}\n`);
