import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Ajv2020, Options, ValidateFunction } from 'ajv/dist/2020.js';
import { type AssetName, assetPath, readAsset } from '../assets.js';

/** The validator's ajv options; verbose keeps parentSchema on errors, which the messages use to suggest property names. */
export const VALIDATOR_OPTIONS: Options = { allErrors: true, strict: true, verbose: true };

/**
 * The gate's ajv options: a yes-or-no answer, no error objects. It stops at the first failure, and
 * `anyOf` stops at the first branch that holds (see compileSchema), so a valid document costs no
 * error object at all: with allErrors every failing branch of every value's data built one
 * (about 120 MB for 100,000 values) only to drop it.
 */
export const GATE_OPTIONS: Options = { allErrors: false, strict: true, verbose: false };

/** File name of the validator compiled at build time, beside the compiled schema-file module. */
export const PREBUILT_VALIDATOR = 'schema-validator.cjs';

/** File name of the desired-state schema's gate compiled at build time (see GATE_OPTIONS). */
export const PREBUILT_GATE = 'schema-gate.cjs';

/** A JSON Schema regstate ships, and the file its validator compiled at build time is written to. */
export interface SchemaFile {
  asset: AssetName;
  prebuilt: string;
  /** The file its gate (valid or not, nothing more) compiled at build time is written to, for a schema that has one. */
  prebuiltGate?: string;
}

/** The desired-state schema. */
export const CONFIG_SCHEMA: SchemaFile = { asset: 'configs/regstate.schema.json', prebuilt: PREBUILT_VALIDATOR, prebuiltGate: PREBUILT_GATE };

/** The inventory schema (fleet runs). */
export const INVENTORY_SCHEMA: SchemaFile = { asset: 'configs/regstate-inventory.schema.json', prebuilt: 'inventory-schema-validator.cjs' };

/** Every schema with a validator compiled at build time. */
export const SCHEMA_FILES: readonly SchemaFile[] = [CONFIG_SCHEMA, INVENTORY_SCHEMA];

/**
 * Absolute path of the desired-state JSON Schema, `<package root>/configs/regstate.schema.json`
 * (in the single executable the schema is embedded and this names no file).
 */
export const SCHEMA_PATH = assetPath('configs/regstate.schema.json');

/** A JSON Schema's text (default: the desired-state schema). */
export function readSchemaText(schema: SchemaFile = CONFIG_SCHEMA): string {
  return readAsset(schema.asset);
}

/** A JSON Schema as an object, read fresh (default: the desired-state schema). */
export function loadSchema(schema: SchemaFile = CONFIG_SCHEMA): Record<string, unknown> {
  return JSON.parse(readSchemaText(schema)) as Record<string, unknown>;
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

/** The sha256 of the schema file's text, which a prebuilt validator records to prove it was built from it. */
export function schemaSha256(text: string = readSchemaText()): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Keywords whose answer depends on what other subschemas evaluated, or that refer dynamically: the
 * gate is compiled without that bookkeeping (see compileSchema), so a schema using one gets no gate.
 */
export const EVALUATION_KEYWORDS: readonly string[] = ['unevaluatedProperties', 'unevaluatedItems', '$dynamicRef', '$dynamicAnchor', '$recursiveRef', '$recursiveAnchor'];

/**
 * Whether a schema holds one of EVALUATION_KEYWORDS at any depth (a property of that name under
 * `properties` counts too: the error is loud at build time, never a wrong answer).
 */
export function usesEvaluationKeywords(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(usesEvaluationKeywords);
  if (typeof node !== 'object' || node === null) return false;
  return Object.entries(node).some(([key, value]) => EVALUATION_KEYWORDS.includes(key) || usesEvaluationKeywords(value));
}

/**
 * A compiler for a schema, with ajv's source code kept when `withSource` (for a standalone module).
 * `kind: 'gate'` compiles the yes-or-no validator (GATE_OPTIONS). Ajv2020 always tracks which
 * properties each subschema evaluated (for unevaluatedProperties), and to track them it runs every
 * branch of an `anyOf` even once one holds, building an error object for each that fails; the schema
 * uses no such keyword (the schema tests hold it to that), so the gate turns the tracking off.
 * The gate keeps the schema's references as written: it stops at its first error, so the quadratic
 * error concatenation inlineLocalRefs avoids cannot happen, and ajv then compiles a key's and a
 * value's rules into functions of their own, which V8 optimizes sooner than one function of 60 KB
 * (the first check of 100,000 values took 74-81 ms instead of 113-135 ms).
 */
export function compileSchema(withSource = false, schema: SchemaFile = CONFIG_SCHEMA, kind: 'validator' | 'gate' = 'validator'): { ajv: Ajv2020; validate: ValidateFunction } {
  // ajv's compiler is loaded only here: a run with the prebuilt validator never pays for it. The single
  // executable's bundle (CommonJS, no module URL) has `require`, and bundles what the literal names.
  const { Ajv2020: Compiler } = (
    typeof require === 'function' ? require('ajv/dist/2020.js') : createRequire(import.meta.url)('ajv/dist/2020.js')
  ) as typeof import('ajv/dist/2020.js');
  const ajv = new Compiler({ ...(kind === 'gate' ? GATE_OPTIONS : VALIDATOR_OPTIONS), ...(withSource ? { code: { source: true } } : {}) });
  const document = kind === 'gate' ? loadSchema(schema) : inlineLocalRefs(loadSchema(schema));
  if (kind === 'gate') {
    if (usesEvaluationKeywords(document)) throw new Error(`${schema.asset} uses a keyword that needs evaluation tracking: no gate without it`);
    // Ajv2020's constructor sets this option whatever it is given; it is read only when compiling
    (ajv.opts as { unevaluated?: boolean }).unevaluated = false;
  }
  return { ajv, validate: ajv.compile(document) };
}

/** The validator (or gate) compiled at build time, when there is one built from the schema as it is now. */
function loadPrebuilt(schema: SchemaFile, file: string): ValidateFunction | undefined {
  let module: { default?: ValidateFunction; schemaSha256?: string };
  try {
    // In the single executable's bundle there is no module URL and no file beside it: compiled at first use instead.
    module = createRequire(import.meta.url)(`./${file}`) as typeof module;
  } catch {
    return undefined;
  }
  return module.default && module.schemaSha256 === schemaSha256(readSchemaText(schema)) ? module.default : undefined;
}

const validators = new Map<SchemaFile, ValidateFunction>();

/**
 * A schema's validator (default: the desired-state schema), built once per process: the one compiled
 * at build time, else compiled now (it costs far more than validating).
 */
export function getSchemaValidator(schema: SchemaFile = CONFIG_SCHEMA): ValidateFunction {
  let validator = validators.get(schema);
  if (!validator) {
    validator = loadPrebuilt(schema, schema.prebuilt) ?? compileSchema(false, schema).validate;
    validators.set(schema, validator);
  }
  return validator;
}

let gate: ValidateFunction | undefined;

/**
 * The desired-state schema's gate: whether a document is valid, with no errors to say why (GATE_OPTIONS).
 * Its answer is the validator's; a file it refuses is validated again by the validator, which names each problem.
 * Without a gate built from the schema as it is (the single executable), the validator serves: compiling
 * a second one would cost more than the gate saves.
 */
export function getSchemaGate(): ValidateFunction {
  gate ??= loadPrebuilt(CONFIG_SCHEMA, PREBUILT_GATE) ?? getSchemaValidator();
  return gate;
}
