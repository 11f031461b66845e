#!/usr/bin/env node
// The CLI as bundled by `npm run build` (scripts/build-cli.js): a few files instead of a module graph.
import { main } from '../dist/cli-bundle/regstate.js';

main();
