// @ts-check
// Run by `npm run build` after tsc: writes the schema validator as standalone code beside
// dist/config/schema-file.js, so a run does not load ajv and compile the schema (most of a cold start).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { PREBUILT_VALIDATOR, compileSchema, schemaSha256 } from '../dist/config/schema-file.js';

const { ajv, validate } = compileSchema(true);
const code = `${standaloneCode.default(ajv, validate)}\nmodule.exports.schemaSha256 = ${JSON.stringify(schemaSha256())};\n`;
writeFileSync(fileURLToPath(new URL(`../dist/config/${PREBUILT_VALIDATOR}`, import.meta.url)), code);
