import { MAX_VALUE_NAME } from '../model/check-value.js';
import { parseKeyPath } from '../config/parse-key-path.js';
import { formatKey, type KeyRef } from '../model/key-ref.js';
import type { SourcePos } from '../model/source-pos.js';
import { type ValueJson, valueFromJson, valueToJson } from '../model/value-json.js';
import type { ExclusiveKey, Plan, UndeclaredAtKey, UndeclaredValue } from './plan.js';
import type { PlanProblem } from './plan-json-tree.js';

/** One managed key's undeclared values in the plan JSON (`undeclared`): each with its data, or why it cannot be read. */
export interface UndeclaredJson {
  key: string;
  view: 32 | 64;
  values: ({ name: string; value: ValueJson } | { name: string; unreadable: { code: string; message: string } })[];
  subkeys: string[];
  source: SourcePos;
}

/** One exclusive key in the plan JSON (`exclusiveKeys`): the names it held when planned. */
export interface ExclusiveKeyJson {
  key: string;
  view: 32 | 64;
  mode: 'values' | 'subkeys';
  values: string[];
  subkeys: string[];
  source: SourcePos;
}

const copySource = (s: SourcePos): SourcePos => ({ file: s.file, line: s.line, column: s.column });

/** The plan's `undeclared` and `exclusiveKeys` fields, each only when the plan has any (older plans read the same). */
export function undeclaredToJson(plan: Plan): { undeclared?: UndeclaredJson[]; exclusiveKeys?: ExclusiveKeyJson[] } {
  const out: { undeclared?: UndeclaredJson[]; exclusiveKeys?: ExclusiveKeyJson[] } = {};
  if (plan.undeclared?.length) {
    out.undeclared = plan.undeclared.map((u) => ({
      key: formatKey(u.key),
      view: u.key.view,
      values: u.values.map((v) => ('value' in v ? { name: v.name, value: valueToJson(v.value) } : { name: v.name, unreadable: { code: v.unreadable.code, message: v.unreadable.message } })),
      subkeys: [...u.subkeys],
      source: copySource(u.source),
    }));
  }
  if (plan.exclusive?.length) {
    out.exclusiveKeys = plan.exclusive.map((e) => ({ key: formatKey(e.key), view: e.key.view, mode: e.mode, values: [...e.values], subkeys: [...e.subkeys], source: copySource(e.source) }));
  }
  return out;
}

type Fields = { [field: string]: unknown };

class Fault {
  constructor(readonly problem: PlanProblem) {}
}

function fail(path: string[], message: string, code: PlanProblem['code'] = 'PLAN_FILE'): never {
  throw new Fault({ code, path, message });
}

function isObject(v: unknown): v is Fields {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function only(json: Fields, fields: string[], at: string[]): void {
  for (const field of Object.keys(json)) if (!fields.includes(field)) fail([...at, field], 'is not a field here');
}

function keyOf(json: Fields, at: string[]): KeyRef {
  if (typeof json.key !== 'string') return fail([...at, 'key'], 'must be a key path (HKLM\\...)');
  const parsed = parseKeyPath(json.key);
  if (!parsed.ok) return fail([...at, 'key'], parsed.message, 'KEY_PATH');
  if (json.view !== 32 && json.view !== 64) return fail([...at, 'view'], 'must be 32 or 64');
  return { hive: parsed.hive, path: parsed.path, view: json.view };
}

function nameOf(v: unknown, at: string[]): string {
  if (typeof v !== 'string') return fail(at, 'must be a string');
  if (v.length > MAX_VALUE_NAME) fail(at, `value name is ${v.length} characters long; at most ${MAX_VALUE_NAME} are allowed`, 'VALUE_NAME');
  return v;
}

function namesOf(v: unknown, at: string[]): string[] {
  if (!Array.isArray(v)) return fail(at, 'must be a list of names');
  return v.map((n, i) => nameOf(n, [...at, String(i)]));
}

function sourceOf(v: unknown, at: string[]): SourcePos {
  const ok = isObject(v) && typeof v.file === 'string' && Number.isSafeInteger(v.line) && (v.line as number) >= 1 && Number.isSafeInteger(v.column) && (v.column as number) >= 1;
  if (!ok) return fail(at, 'must be an object {file, line, column}');
  return { file: v.file as string, line: v.line as number, column: v.column as number };
}

function undeclaredValueOf(v: unknown, at: string[]): UndeclaredValue {
  if (!isObject(v)) return fail(at, 'must be an object {name, value} or {name, unreadable}');
  const name = nameOf(v.name, [...at, 'name']);
  if ('unreadable' in v) {
    only(v, ['name', 'unreadable'], at);
    const u = v.unreadable;
    if (!isObject(u) || typeof u.code !== 'string' || typeof u.message !== 'string') return fail([...at, 'unreadable'], 'must be an object {code, message}');
    return { name, unreadable: { code: u.code, message: u.message } };
  }
  only(v, ['name', 'value'], at);
  try {
    return { name, value: valueFromJson(v.value) };
  } catch (e) {
    return fail([...at, 'value'], (e as Error).message.replace(/^invalid value in JSON: /, 'is not a valid value: '));
  }
}

function each<T>(json: unknown, at: string[], problems: PlanProblem[], parse: (item: unknown, at: string[]) => T): T[] | undefined {
  if (json === undefined) return undefined;
  if (!Array.isArray(json)) {
    problems.push({ code: 'PLAN_FILE', path: at, message: 'must be a list' });
    return undefined;
  }
  const out: T[] = [];
  json.forEach((item, i) => {
    try {
      out.push(parse(item, [...at, String(i)]));
    } catch (e) {
      if (!(e instanceof Fault)) throw e;
      problems.push(e.problem);
    }
  });
  return out;
}

/**
 * Reads `undeclared` and `exclusiveKeys` of a plan JSON document back, as strictly as its changes
 * (key paths, names, values, sources), adding every problem to `problems`.
 */
export function parseUndeclaredJson(doc: Fields, problems: PlanProblem[]): Pick<Plan, 'undeclared' | 'exclusive'> {
  const undeclared = each(doc.undeclared, ['undeclared'], problems, (item, at): UndeclaredAtKey => {
    if (!isObject(item)) return fail(at, 'must be an object {key, view, values, subkeys, source}');
    only(item, ['key', 'view', 'values', 'subkeys', 'source'], at);
    const key = keyOf(item, at);
    if (!Array.isArray(item.values)) return fail([...at, 'values'], 'must be a list');
    const values = item.values.map((v, i) => undeclaredValueOf(v, [...at, 'values', String(i)]));
    return { key, values, subkeys: namesOf(item.subkeys, [...at, 'subkeys']), source: sourceOf(item.source, [...at, 'source']) };
  });
  const exclusive = each(doc.exclusiveKeys, ['exclusiveKeys'], problems, (item, at): ExclusiveKey => {
    if (!isObject(item)) return fail(at, 'must be an object {key, view, mode, values, subkeys, source}');
    only(item, ['key', 'view', 'mode', 'values', 'subkeys', 'source'], at);
    const key = keyOf(item, at);
    if (item.mode !== 'values' && item.mode !== 'subkeys') return fail([...at, 'mode'], 'must be "values" or "subkeys"');
    return { key, mode: item.mode, values: namesOf(item.values, [...at, 'values']), subkeys: namesOf(item.subkeys, [...at, 'subkeys']), source: sourceOf(item.source, [...at, 'source']) };
  });
  const out: Pick<Plan, 'undeclared' | 'exclusive'> = {};
  if (undeclared?.length) out.undeclared = undeclared;
  if (exclusive?.length) out.exclusive = exclusive;
  return out;
}
