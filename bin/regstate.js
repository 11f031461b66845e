#!/usr/bin/env node
// The CLI as bundled by `npm run build` (scripts/build-cli.js): a few files instead of a module graph.
// Node 22 and later keep its compiled code between runs (in the temporary directory; NODE_DISABLE_COMPILE_CACHE=1
// turns that off); Node 20 has no such cache for ES modules. Imported after, so the cache serves the bundle.
import module from 'node:module';

module.enableCompileCache?.();
const { main } = await import('../dist/cli-bundle/regstate.js');
main();
