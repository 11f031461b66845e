import fc from 'fast-check';

// Edits of a JSON document, as a hand edit, a cut-short write or an attacker makes them: for the
// properties that read saved plans and journals (plan-mutation, journal-mutation).

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every path to a node of the document (object keys and array indexes), the root excluded. */
function paths(node: Json, prefix: (string | number)[] = []): (string | number)[][] {
  if (node === null || typeof node !== 'object') return [];
  const entries: [string | number, Json][] = Array.isArray(node) ? node.map((v, i) => [i, v]) : Object.entries(node);
  return entries.flatMap(([k, v]) => [[...prefix, k], ...paths(v, [...prefix, k])]);
}

const hostileKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty');

export interface JsonEdit {
  kind: 'replace' | 'delete' | 'duplicate' | 'add-key';
  pick: number;
  value: Json;
  key: string;
}

/**
 * One edit at any node: replace it, delete it, duplicate an array item, or add a key (a prototype's
 * name among them) to an object. Replacements are any string or one of `strings` (the format's own
 * words and their near misses), any JSON, one of `values`, or an object under a prototype's name.
 */
export function jsonEdit(strings: readonly string[], values: readonly Json[]): fc.Arbitrary<JsonEdit> {
  const hostileString = fc.oneof(fc.string(), fc.constantFrom(...strings));
  const replacement: fc.Arbitrary<Json> = fc.oneof(
    { weight: 3, arbitrary: hostileString },
    { weight: 2, arbitrary: fc.jsonValue() as fc.Arbitrary<Json> },
    { weight: 1, arbitrary: fc.constantFrom<Json>(...values) },
    { weight: 1, arbitrary: fc.tuple(hostileKey, fc.jsonValue()).map(([k, v]) => ({ [k]: v }) as Json) },
  );
  return fc.record({
    kind: fc.constantFrom('replace', 'delete', 'duplicate', 'add-key'),
    pick: fc.nat(),
    value: replacement,
    key: fc.oneof(hostileKey, fc.string({ maxLength: 8 })),
  });
}

/** `doc` with the edit made in place (and returned). */
export function applyJsonEdit(doc: Json, edit: JsonEdit): Json {
  // A copy of the value for each edit: constantFrom hands out the same object every time, and a
  // later edit inside it would change every document it was put in (a cycle once it is put in itself).
  const e = { ...edit, value: JSON.parse(JSON.stringify(edit.value)) as Json };
  const all = paths(doc);
  const path = all[e.pick % all.length] as (string | number)[];
  const parent = path.slice(0, -1).reduce<Json>((node, k) => (node as Record<string, Json>)[k as string] as Json, doc) as Record<string, Json> | Json[];
  const last = path[path.length - 1] as string | number;
  if (e.kind === 'replace') (parent as Record<string, Json>)[last as string] = e.value;
  else if (e.kind === 'delete') Array.isArray(parent) ? parent.splice(last as number, 1) : delete parent[last as string];
  else if (e.kind === 'duplicate' && Array.isArray(parent)) parent.push(JSON.parse(JSON.stringify(parent[last as number])) as Json);
  else if (e.kind === 'add-key' && !Array.isArray(parent)) {
    const target = parent[last as string];
    if (target !== null && typeof target === 'object' && !Array.isArray(target)) Object.defineProperty(target, e.key, { value: e.value, enumerable: true, writable: true, configurable: true });
  }
  return doc;
}
