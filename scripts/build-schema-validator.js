// @ts-check
// Run by `npm run build` after tsc: writes the schema validator as standalone code beside
// dist/config/schema-file.js, so a run does not load ajv and compile the schema (most of a cold start).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { SCHEMA_FILES, compileSchema, readSchemaText, schemaSha256 } from '../dist/config/schema-file.js';

// one validator a schema: desired-state files and inventories
for (const schema of SCHEMA_FILES) {
  const { ajv, validate } = compileSchema(true, schema);
  const code = `${standaloneCode.default(ajv, validate)}\nmodule.exports.schemaSha256 = ${JSON.stringify(schemaSha256(readSchemaText(schema)))};\n`;
  writeFileSync(fileURLToPath(new URL(`../dist/config/${schema.prebuilt}`, import.meta.url)), code);
}
