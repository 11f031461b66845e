import { RegstateError } from '../errors.js';
import { type KeyRef, splitKeyPath } from '../model/key-ref.js';
import type { RegistryValue } from '../model/registry-value.js';
import type { SourcePos } from '../model/source-pos.js';
import { valueFromJson } from '../model/value-json.js';
import { type Change, type ChangeAction, type KeyContents, type Plan, type PlanSummary, summarizePlan } from './plan.js';
import { PLAN_FORMAT_VERSION } from './render-json.js';

type Json = Record<string, unknown>;

const ACTIONS: readonly ChangeAction[] = ['create-key', 'create', 'update', 'delete', 'delete-key'];

/** Reads a plan JSON document back, checking every field; see parsePlanJson. */
export function parsePlanJsonDocument(text: string, fileName: string): { plan: Plan; extra: Json } {
  const fail = (field: string, problem: string): never => {
    throw new RegstateError('PLAN_FILE', field ? `${fileName}: ${field} ${problem}` : `${fileName} ${problem}`);
  };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return fail('', `is not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(doc)) return fail('', 'is not a plan: the document must be a JSON object');
  const { formatVersion, changes, summary, ...extra } = doc;
  if (formatVersion !== PLAN_FORMAT_VERSION) fail('formatVersion', `must be ${PLAN_FORMAT_VERSION}, found ${show(formatVersion)}`);
  if (!Array.isArray(changes)) return fail('changes', 'must be a list');
  const plan: Plan = { changes: changes.map((c, i) => parseChange(c, `changes[${i}]`, fail)), unchanged: 0 };
  if (!isObject(summary)) return fail('summary', 'must be an object');
  const counted = summarizePlan(plan);
  for (const field of ['create', 'update', 'delete', 'unchanged'] as const) {
    const n = summary[field];
    if (!isCount(n)) fail(`summary.${field}`, `must be a whole number ≥ 0, found ${show(n)}`);
    if (field !== 'unchanged' && n !== counted[field]) fail(`summary.${field}`, `is ${show(n)} but the changes hold ${counted[field]}`);
  }
  plan.unchanged = (summary as unknown as PlanSummary).unchanged;
  return { plan, extra };
}

/**
 * Reads a plan written by renderPlanJson (a saved plan). Throws a PLAN_FILE error naming the file
 * and the field at fault. Extra top-level fields are allowed and ignored.
 */
export function parsePlanJson(text: string, fileName: string): Plan {
  return parsePlanJsonDocument(text, fileName).plan;
}

function parseChange(json: unknown, at: string, fail: (field: string, problem: string) => never): Change {
  if (!isObject(json)) return fail(at, 'must be an object');
  const { action } = json;
  if (typeof action !== 'string' || !(ACTIONS as readonly string[]).includes(action)) return fail(`${at}.action`, `must be one of ${ACTIONS.join(', ')}, found ${show(action)}`);
  const key = parseKey(json, at, fail);
  const source = parseSource(json.source, `${at}.source`, fail);
  const value = (field: 'before' | 'after', present: boolean): RegistryValue | null => {
    const v = json[field];
    if (!present) return v === null ? null : fail(`${at}.${field}`, `must be null for ${action}`);
    if (v === null || v === undefined) return fail(`${at}.${field}`, `is required for ${action}`);
    try {
      return valueFromJson(v);
    } catch (e) {
      return fail(`${at}.${field}`, (e as Error).message.replace(/^invalid value in JSON: /, 'is not a valid value: '));
    }
  };
  if (action === 'create-key' || action === 'delete-key') {
    if (json.name !== null) fail(`${at}.name`, `must be null for ${action}`);
    value('before', false);
    value('after', false);
    if (action === 'create-key') return { action, key, before: null, after: null, source };
    return { action, key, before: null, after: null, contents: parseContents(json.contents, `${at}.contents`, fail), source };
  }
  const name = json.name;
  if (typeof name !== 'string') return fail(`${at}.name`, `must be a string for ${action}, found ${show(name)}`);
  if (action === 'create') return { action, key, name, before: value('before', false) as null, after: value('after', true) as RegistryValue, source };
  if (action === 'delete') return { action, key, name, before: value('before', true) as RegistryValue, after: value('after', false) as null, source };
  return { action: 'update', key, name, before: value('before', true) as RegistryValue, after: value('after', true) as RegistryValue, source };
}

function parseKey(json: Json, at: string, fail: (field: string, problem: string) => never): KeyRef {
  const { key, view } = json;
  const split = typeof key === 'string' ? splitKeyPath(key) : undefined;
  if (!split) return fail(`${at}.key`, `must be a key path starting with a hive (HKLM\\...), found ${show(key)}`);
  if (split.path !== '' && split.path.split('\\').some((part) => part === '')) fail(`${at}.key`, `has an empty component: ${show(key)}`);
  if (view !== 32 && view !== 64) return fail(`${at}.view`, `must be 32 or 64, found ${show(view)}`);
  return { hive: split.hive, path: split.path, view };
}

function parseSource(json: unknown, at: string, fail: (field: string, problem: string) => never): SourcePos {
  if (!isObject(json)) return fail(at, 'must be an object {file, line, column}');
  const { file, line, column } = json;
  if (typeof file !== 'string') fail(`${at}.file`, `must be a string, found ${show(file)}`);
  if (!isCount(line) || line < 1) fail(`${at}.line`, `must be a whole number ≥ 1, found ${show(line)}`);
  if (!isCount(column) || column < 1) fail(`${at}.column`, `must be a whole number ≥ 1, found ${show(column)}`);
  return { file: file as string, line: line as number, column: column as number };
}

function parseContents(json: unknown, at: string, fail: (field: string, problem: string) => never): KeyContents {
  if (!isObject(json)) return fail(at, 'must be an object {values, subkeys}');
  const { values, subkeys } = json;
  if (!isCount(values)) fail(`${at}.values`, `must be a whole number ≥ 0, found ${show(values)}`);
  if (!isCount(subkeys)) fail(`${at}.subkeys`, `must be a whole number ≥ 0, found ${show(subkeys)}`);
  return { values: values as number, subkeys: subkeys as number };
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const text = JSON.stringify(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
