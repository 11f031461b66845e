import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

/**
 * Absolute path of the desired-state JSON Schema, `<package root>/configs/regstate.schema.json`.
 * Sources (src/config) and compiled code (dist/config) both sit two levels below the root.
 */
export const SCHEMA_PATH = fileURLToPath(new URL('../../configs/regstate.schema.json', import.meta.url));

/** The desired-state JSON Schema as an object, read fresh from SCHEMA_PATH. */
export function loadSchema(): Record<string, unknown> {
  return JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as Record<string, unknown>;
}

let validator: ValidateFunction | undefined;

/** The compiled validator, built once per process: compiling costs far more than validating. */
export function getSchemaValidator(): ValidateFunction {
  if (!validator) {
    // verbose keeps parentSchema on errors, which the messages use to suggest property names
    const ajv = new Ajv2020({ allErrors: true, strict: true, verbose: true });
    validator = ajv.compile(loadSchema());
  }
  return validator;
}
