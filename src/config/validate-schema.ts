import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import type { Diagnostic } from '../errors.js';
import { formatDataPath, pointerSegments } from './data-path.js';
import { checksDataSemantically } from './declared-value.js';
import { describeSchemaError, unknownProperty } from './describe-schema-error.js';
import { getSchemaValidator } from './schema-file.js';
import { type YamlSource, childNode, findNode, nodePos } from './yaml-nodes.js';

const DATA_PATH = /^\/keys\/(\d+)\/values\/(\d+)\/data(?:\/|$)/;

/** Data that the semantic check will report more precisely (by type) needs no schema error of its own. */
function reportedSemantically(plain: unknown, pointer: string): boolean {
  const m = DATA_PATH.exec(pointer);
  if (!m) return false;
  const keys = (plain as { keys?: unknown }).keys;
  const key = Array.isArray(keys) ? (keys[Number(m[1])] as { values?: unknown } | undefined) : undefined;
  const values = key?.values;
  return Array.isArray(values) && checksDataSemantically(values[Number(m[2])]);
}

/** Keeps the errors a person needs: no `if` bookkeeping, no branch noise under anyOf, no duplicate of a typo'd name. */
function selectErrors(errors: ErrorObject[], plain: unknown): ErrorObject[] {
  let kept = errors.filter((e) => e.keyword !== 'if' && !reportedSemantically(plain, e.instancePath));
  const falsePaths = new Set(kept.filter((e) => e.keyword === 'false schema').map((e) => e.instancePath));
  kept = kept.filter((e) => e.keyword === 'false schema' || !falsePaths.has(e.instancePath));
  // the errors of each branch share the instance path of their anyOf/oneOf error; keep only that one
  const branchRoots = new Map<string, string[]>();
  for (const e of kept) {
    if (e.keyword === 'anyOf' || e.keyword === 'oneOf') branchRoots.set(e.instancePath, [...(branchRoots.get(e.instancePath) ?? []), `${e.schemaPath}/`]);
  }
  kept = kept.filter((e) => !(branchRoots.get(e.instancePath) ?? []).some((root) => e.schemaPath.startsWith(root)));
  const typos = new Set(
    kept.filter((e) => e.keyword === 'additionalProperties').map((e) => `${e.instancePath}\u0000${unknownProperty(e).suggestion ?? ''}`),
  );
  return kept.filter(
    (e) => e.keyword !== 'required' || !typos.has(`${e.instancePath}\u0000${String((e.params as { missingProperty?: unknown }).missingProperty)}`),
  );
}

/** Validates one loaded file against a JSON Schema (default: the desired-state schema's); each error placed at its YAML node. */
export function validateSchema(source: YamlSource, plain: unknown, validate: ValidateFunction = getSchemaValidator()): Diagnostic[] {
  if (validate(plain)) return [];
  const diagnostics: Diagnostic[] = [];
  for (const error of selectErrors(validate.errors ?? [], plain)) {
    const segments = pointerSegments(error.instancePath);
    const found = findNode(source, segments);
    let at = found;
    // a property that may not be there at all is pointed at by its key
    if ((error.keyword === 'false schema' || error.keyword === 'not' || error.keyword === 'maxItems') && found.keyNode && found.depth === segments.length) {
      at = { node: found.keyNode, depth: found.depth };
    } else if (error.keyword === 'additionalProperties') {
      const name = unknownProperty(error).name;
      const child = childNode(source, found.node, name);
      if (child?.keyNode) at = { node: child.keyNode, depth: found.depth };
    }
    const label = formatDataPath(segments);
    const text = describeSchemaError(error, segments[segments.length - 1]);
    diagnostics.push({ code: 'SCHEMA', message: label === '' ? text : `${label}: ${text}`, source: nodePos(source, at) });
  }
  return diagnostics;
}
