import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { assetPath, readAsset } from '../assets.js';

/**
 * Absolute path of the desired-state JSON Schema, `<package root>/configs/regstate.schema.json`
 * (in the single executable the schema is embedded and this names no file).
 */
export const SCHEMA_PATH = assetPath('configs/regstate.schema.json');

/** The desired-state JSON Schema's text. */
export function readSchemaText(): string {
  return readAsset('configs/regstate.schema.json');
}

/** The desired-state JSON Schema as an object, read fresh. */
export function loadSchema(): Record<string, unknown> {
  return JSON.parse(readSchemaText()) as Record<string, unknown>;
}

/**
 * The schema with every local `#/$defs/...` reference replaced by its target (the schema has no
 * recursion). ajv compiles a referenced schema that itself holds references into a function of its
 * own, and with allErrors it concatenates that function's errors onto all errors so far at every
 * call: quadratic when thousands of values are wrong. Inlined, errors are appended in place.
 */
export function inlineLocalRefs(schema: Record<string, unknown>): Record<string, unknown> {
  const defs = (schema.$defs ?? {}) as Record<string, unknown>;
  const inline = (node: unknown, depth: number): unknown => {
    if (depth > 64) throw new Error('schema references nest too deeply (a cycle?)');
    if (Array.isArray(node)) return node.map((item) => inline(item, depth));
    if (typeof node !== 'object' || node === null) return node;
    const { $ref, ...rest } = node as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    if (typeof $ref === 'string') {
      const name = /^#\/\$defs\/([^/]+)$/.exec($ref)?.[1];
      if (name === undefined || !(name in defs)) throw new Error(`unsupported schema reference ${$ref}`);
      Object.assign(out, inline(defs[name], depth + 1));
    }
    for (const [key, value] of Object.entries(rest)) if (key !== '$defs') out[key] = inline(value, depth);
    return out;
  };
  return inline(schema, 0) as Record<string, unknown>;
}

let validator: ValidateFunction | undefined;

/** The compiled validator, built once per process: compiling costs far more than validating. */
export function getSchemaValidator(): ValidateFunction {
  if (!validator) {
    // verbose keeps parentSchema on errors, which the messages use to suggest property names
    const ajv = new Ajv2020({ allErrors: true, strict: true, verbose: true });
    validator = ajv.compile(inlineLocalRefs(loadSchema()));
  }
  return validator;
}
