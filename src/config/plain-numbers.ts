// Shared by both load paths, without importing either parser.

/** Alias expansions allowed while loading one file: far above any real config, far below an alias bomb. */
export const MAX_ALIAS_COUNT = 1000;

/**
 * Loaded YAML with every bigint turned into a number, copied into arrays and objects without a
 * prototype: a `__proto__` key stays an own key (which the schema rejects) and nothing a document
 * says can reach Object.prototype downstream (aliased parts stay shared).
 */
export function toPlainNumbers(value: unknown, seen = new Map<object, unknown>()): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value !== 'object' || value === null) return value;
  const done = seen.get(value);
  if (done !== undefined) return done;
  // a circular part refers to itself through the copy
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    seen.set(value, out);
    for (const item of value) out.push(toPlainNumbers(item, seen));
    return out;
  }
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  seen.set(value, out);
  for (const [k, v] of Object.entries(value)) out[k] = toPlainNumbers(v, seen);
  return out;
}

/**
 * The document with every bigint turned into a number, sharing every part that holds none: with
 * integers up to 2^53 loaded as numbers, that is nearly all of it, and no second copy of a large
 * file is made. A copied part has no prototype (as toPlainNumbers). `seen` keeps aliased parts shared
 * (and a circular part as it is); null for a document without aliases, a tree, which needs none.
 * `holders`, when given, lists every array and object that holds a bigint at any depth (the fast
 * parser records them as it loads): the walk skips the rest of the document.
 */
export function shareNumbers(value: unknown, seen: Map<object, unknown> | null = new Map(), holders?: ReadonlySet<object>): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value !== 'object' || value === null) return value;
  if (holders && !holders.has(value)) return value;
  if (seen) {
    if (seen.has(value)) return seen.get(value);
    seen.set(value, value);
  }
  let out: unknown = value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const plain = shareNumbers(item, seen, holders);
      if (plain === item) continue;
      if (out === value) out = value.slice();
      (out as unknown[])[i] = plain;
    }
  } else {
    for (const key in value) {
      if (!Object.hasOwn(value, key)) continue;
      const item = (value as Record<string, unknown>)[key];
      const plain = shareNumbers(item, seen, holders);
      if (plain === item) continue;
      if (out === value) out = Object.assign(Object.create(null) as object, value);
      (out as Record<string, unknown>)[key] = plain;
    }
  }
  seen?.set(value, out);
  return out;
}
