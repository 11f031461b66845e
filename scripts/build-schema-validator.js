// @ts-check
// Run by `npm run build` after tsc: writes the schema validators as standalone code beside
// dist/config/schema-file.js, so a run does not load ajv and compile the schema (most of a cold start).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { SCHEMA_FILES, compileSchema, readSchemaText, schemaSha256 } from '../dist/config/schema-file.js';

// one validator a schema (desired-state files and inventories), and the gate of a schema that has one
for (const schema of SCHEMA_FILES) {
  const sha256 = JSON.stringify(schemaSha256(readSchemaText(schema)));
  const builds = /** @type {const} */ ([['validator', schema.prebuilt], ['gate', schema.prebuiltGate]]);
  for (const [kind, file] of builds) {
    if (file === undefined) continue;
    const { ajv, validate } = compileSchema(true, schema, kind);
    const code = `${standaloneCode.default(ajv, validate)}\nmodule.exports.schemaSha256 = ${sha256};\n`;
    writeFileSync(fileURLToPath(new URL(`../dist/config/${file}`, import.meta.url)), code);
  }
}
