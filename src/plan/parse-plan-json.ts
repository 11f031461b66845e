import { foldName } from '../model/fold-name.js';
import { MAX_VALUE_NAME } from '../config/collect-declarations.js';
import { parseKeyPath } from '../config/parse-key-path.js';
import { parseValueData } from '../config/parse-value-data.js';
import { RegstateError } from '../errors.js';
import type { KeyRef } from '../model/key-ref.js';
import type { LiveValue } from '../model/live-state.js';
import { type RegistryValue, isValueKind } from '../model/registry-value.js';
import type { SourcePos } from '../model/source-pos.js';
import { valueFromJson } from '../model/value-json.js';
import { findPlanContradictions } from './find-plan-contradictions.js';
import { type SubtreeKey, countSubtree } from './key-subtree.js';
import { type Change, type ChangeAction, type KeyContents, type Plan, summarizePlan } from './plan.js';
import { type JsonObject, type PlanProblem, locateProblems, parseJsonTree } from './plan-json-tree.js';
import { PLAN_FORMAT_VERSION, PLAN_FORMAT_VERSION_UNDECLARED } from './render-json.js';
import { parseUndeclaredJson } from './undeclared-json.js';
import { parseUsersJson } from './users-json.js';

const ACTIONS: readonly ChangeAction[] = ['create-key', 'create', 'update', 'delete', 'delete-key'];
const CHANGE_FIELDS = new Set(['action', 'key', 'view', 'name', 'before', 'after', 'source', 'contents', 'subtree']);

// Thrown inside one change's check; caught per change so every bad change is reported.
class Fault {
  constructor(readonly problem: PlanProblem) {}
}

type Check = (path: string[], message: string, code?: PlanProblem['code']) => never;
const fault: Check = (path, message, code = 'PLAN_FILE') => {
  throw new Fault({ code, path, message });
};

/**
 * Reads a plan JSON document back as strictly as a config is read: key paths, value names and
 * data by the config's own rules (same codes), delete-key contents against the recorded subtree,
 * no change contradicting another, no field that could reach a prototype. Every problem is
 * reported with the file, its JSON path and line:column. `checkExtra` checks the other top-level
 * fields (a saved plan's target, configs), adding its problems to the same report.
 */
export function parsePlanJsonDocument(text: string, fileName: string, checkExtra?: (extra: JsonObject, problems: PlanProblem[]) => void): { plan: Plan; extra: JsonObject } {
  const tree = parseJsonTree(text, fileName);
  if (!tree.ok) throw RegstateError.fromDiagnostics([tree.diagnostic]);
  const problems = [...tree.problems];
  const refuse = (): never => {
    throw RegstateError.fromDiagnostics(locateProblems(text, fileName, problems));
  };
  const doc = tree.value;
  if (!isObject(doc)) {
    problems.push({ code: 'PLAN_FILE', path: [], message: 'is not a plan: the document must be a JSON object' });
    return refuse();
  }
  const { formatVersion, changes, summary, undeclared, exclusiveKeys, users, ...rest } = doc;
  const extra = Object.assign(Object.create(null) as JsonObject, rest);
  if (formatVersion !== PLAN_FORMAT_VERSION && formatVersion !== PLAN_FORMAT_VERSION_UNDECLARED) {
    const hint = typeof formatVersion === 'number' && formatVersion < PLAN_FORMAT_VERSION ? ' (written by an older regstate; plan again)' : typeof formatVersion === 'number' ? ' (written by a newer regstate)' : '';
    problems.push({ code: 'PLAN_FILE', path: ['formatVersion'], message: `must be ${PLAN_FORMAT_VERSION} or ${PLAN_FORMAT_VERSION_UNDECLARED}, found ${show(formatVersion)}${hint}` });
    return refuse();
  }
  // A version 2 plan is one an older regstate applies without the exclusive re-checks: it cannot carry them.
  if (formatVersion === PLAN_FORMAT_VERSION) {
    for (const [field, value] of [['undeclared', undeclared], ['exclusiveKeys', exclusiveKeys]] as const) {
      if (value === undefined) continue;
      problems.push({ code: 'PLAN_FILE', path: [field], message: `a plan of formatVersion ${PLAN_FORMAT_VERSION} cannot carry ${field}: regstate writes a plan with undeclared values or exclusive keys as formatVersion ${PLAN_FORMAT_VERSION_UNDECLARED} (plan again)` });
    }
  }
  if (!Array.isArray(changes)) {
    problems.push({ code: 'PLAN_FILE', path: ['changes'], message: 'must be a list' });
    return refuse();
  }
  const each = changes.map((c, i): Change | undefined => {
    try {
      return parseChange(c, ['changes', String(i)]);
    } catch (e) {
      if (!(e instanceof Fault)) throw e;
      problems.push(e.problem);
      return undefined;
    }
  });
  const parsed = each.filter((c): c is Change => c !== undefined);
  const plan: Plan = { changes: parsed, unchanged: 0, ...parseUndeclaredJson({ undeclared, exclusiveKeys }, problems), ...parseUsersJson(users, problems) };
  for (const problem of findPlanContradictions(each)) problems.push(problem);
  // Reported in the order of the document.
  problems.sort((a, b) => comparePaths(a.path, b.path));
  if (!isObject(summary)) problems.push({ code: 'PLAN_FILE', path: ['summary'], message: 'must be an object' });
  else {
    const counted = summarizePlan(plan);
    for (const field of ['create', 'update', 'delete', 'unchanged'] as const) {
      const n = summary[field];
      if (!isCount(n)) problems.push({ code: 'PLAN_FILE', path: ['summary', field], message: `must be a whole number ≥ 0, found ${show(n)}` });
      else if (field !== 'unchanged' && n !== counted[field] && parsed.length === changes.length) {
        problems.push({ code: 'PLAN_FILE', path: ['summary', field], message: `is ${n} but the changes hold ${counted[field]}` });
      }
    }
    if (isCount(summary.unchanged)) plan.unchanged = summary.unchanged;
  }
  checkExtra?.(extra, problems);
  if (problems.length > 0) refuse();
  return { plan, extra };
}

/**
 * Reads a plan written by renderPlanJson (a saved plan). Throws a RegstateError naming the file,
 * the JSON path and line:column of every problem. Extra top-level fields are allowed and ignored.
 */
export function parsePlanJson(text: string, fileName: string): Plan {
  return parsePlanJsonDocument(text, fileName).plan;
}

function parseChange(json: unknown, at: string[]): Change {
  if (!isObject(json)) return fault(at, 'must be an object');
  for (const field of Object.keys(json)) if (!CHANGE_FIELDS.has(field)) fault([...at, field], 'is not a field of a change');
  const { action } = json;
  if (typeof action !== 'string' || !(ACTIONS as readonly string[]).includes(action)) return fault([...at, 'action'], `must be one of ${ACTIONS.join(', ')}, found ${show(action)}`);
  const key = parseKey(json, at);
  const source = parseSource(json.source, [...at, 'source']);
  const nullFor = (field: 'before' | 'after' | 'name') => {
    if (json[field] !== null) fault([...at, field], `must be null for ${action}`);
  };
  if (action !== 'delete-key') {
    if (json.contents !== undefined) fault([...at, 'contents'], `is only for delete-key`);
    if (json.subtree !== undefined) fault([...at, 'subtree'], `is only for delete-key`);
  }
  if (action === 'create-key' || action === 'delete-key') {
    nullFor('name');
    nullFor('before');
    nullFor('after');
    if (action === 'create-key') return { action, key, before: null, after: null, source };
    const subtree = parseSubtree(json.subtree, key, [...at, 'subtree']);
    const contents = parseContents(json.contents, subtree, [...at, 'contents']);
    return { action, key, before: null, after: null, contents, subtree, source };
  }
  const name = parseName(json.name, [...at, 'name']);
  const before = () => parseBefore(json.before, [...at, 'before'], action);
  const after = () => parseAfter(json.after, [...at, 'after'], action);
  if (action === 'create') {
    nullFor('before');
    return { action, key, name, before: null, after: after(), source };
  }
  if (action === 'delete') {
    nullFor('after');
    return { action, key, name, before: before(), after: null, source };
  }
  return { action: 'update', key, name, before: before(), after: after(), source };
}

function parseKey(json: JsonObject, at: string[]): KeyRef {
  const { key, view } = json;
  if (typeof key !== 'string') return fault([...at, 'key'], `must be a key path (HKLM\\...), found ${show(key)}`);
  const parsed = parseKeyPath(key);
  if (!parsed.ok) return fault([...at, 'key'], parsed.message, 'KEY_PATH');
  if (view !== 32 && view !== 64) return fault([...at, 'view'], `must be 32 or 64, found ${show(view)}`);
  return { hive: parsed.hive, path: parsed.path, view };
}

function parseName(name: unknown, at: string[]): string {
  if (typeof name !== 'string') return fault(at, `must be a string, found ${show(name)}`);
  if (name.length > MAX_VALUE_NAME) fault(at, `value name is ${name.length} characters long; at most ${MAX_VALUE_NAME} are allowed`, 'VALUE_NAME');
  return name;
}

// What was there: any value the registry can hold (REG_OTHER and empty REG_MULTI_SZ entries included).
function parseBefore(json: unknown, at: string[], action: string): RegistryValue {
  if (json === null || json === undefined) return fault(at, `is required for ${action}`);
  try {
    return valueFromJson(json);
  } catch (e) {
    return fault(at, (e as Error).message.replace(/^invalid value in JSON: /, 'is not a valid value: '));
  }
}

// What will be written: held to the config's rules for declared data.
function parseAfter(json: unknown, at: string[], action: string): RegistryValue {
  if (json === null || json === undefined) return fault(at, `is required for ${action}`);
  if (!isObject(json)) return fault(at, 'must be an object {type, data}');
  const { type } = json;
  if (typeof type !== 'string' || !isValueKind(type)) return fault([...at, 'type'], `must be a type regstate writes (REG_SZ, REG_EXPAND_SZ, REG_MULTI_SZ, REG_DWORD, REG_QWORD, REG_BINARY, REG_NONE), found ${show(type)}`, 'SCHEMA');
  for (const field of Object.keys(json)) if (field !== 'type' && field !== 'data') fault([...at, field], 'is not a field of a value to write');
  const result = parseValueData(type, json.data);
  if (result.ok) return result.value;
  const [problem] = result.problems;
  const index = problem?.index === undefined ? [] : [String(problem.index)];
  return fault([...at, 'data', ...index], problem?.message ?? 'is not valid', problem?.code);
}

function parseSubtree(json: unknown, key: KeyRef, at: string[]): SubtreeKey[] {
  if (!Array.isArray(json)) return fault(at, 'must be the list of keys the deletion removes, as planned');
  const seen = new Set<string>();
  const subtree = json.map((entry, i): SubtreeKey => {
    const here = [...at, String(i)];
    if (!isObject(entry)) return fault(here, 'must be an object {path, values}');
    const { path, values } = entry;
    if (typeof path !== 'string') return fault([...here, 'path'], `must be a string, found ${show(path)}`);
    if (path !== '') {
      const parsed = parseKeyPath(`${key.hive}\\${key.path}\\${path}`);
      if (!parsed.ok) fault([...here, 'path'], parsed.message, 'KEY_PATH');
    }
    const id = foldName(path);
    if (seen.has(id)) fault([...here, 'path'], `lists ${show(path)} twice`, 'DUPLICATE');
    seen.add(id);
    const parent = path.includes('\\') ? path.slice(0, path.lastIndexOf('\\')) : '';
    if (path !== '' && !seen.has(foldName(parent))) fault([...here, 'path'], `comes before (or without) its parent key ${show(parent)}`);
    if (!Array.isArray(values)) return fault([...here, 'values'], 'must be a list');
    const names = new Set<string>();
    const parsed = values.map((v, j): LiveValue => {
      const there = [...here, 'values', String(j)];
      if (!isObject(v)) return fault(there, 'must be an object {name, value}');
      const name = parseName(v.name, [...there, 'name']);
      if (names.has(foldName(name))) fault([...there, 'name'], `lists ${show(name)} twice`, 'DUPLICATE');
      names.add(foldName(name));
      return { name, value: parseBefore(v.value, [...there, 'value'], 'a subtree value') };
    });
    return { path, values: parsed };
  });
  if (subtree[0]?.path !== '') fault(at, 'must start with the deleted key itself (path "")');
  return subtree;
}

function parseContents(json: unknown, subtree: SubtreeKey[], at: string[]): KeyContents {
  if (!isObject(json)) return fault(at, 'must be an object {values, subkeys}');
  const counted = countSubtree(subtree);
  for (const field of ['values', 'subkeys'] as const) {
    const n = json[field];
    if (!isCount(n)) fault([...at, field], `must be a whole number ≥ 0, found ${show(n)}`);
    if (n !== counted[field]) fault([...at, field], `is ${show(n)} but the recorded subtree holds ${counted[field]}`);
  }
  return counted;
}

function parseSource(json: unknown, at: string[]): SourcePos {
  if (!isObject(json)) return fault(at, 'must be an object {file, line, column}');
  const { file, line, column } = json;
  if (typeof file !== 'string') fault([...at, 'file'], `must be a string, found ${show(file)}`);
  if (!isCount(line) || line < 1) fault([...at, 'line'], `must be a whole number ≥ 1, found ${show(line)}`);
  if (!isCount(column) || column < 1) fault([...at, 'column'], `must be a whole number ≥ 1, found ${show(column)}`);
  return { file: file as string, line: line as number, column: column as number };
}

function comparePaths(a: string[], b: string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] as string;
    const y = b[i] as string;
    if (x === y) continue;
    return /^\d+$/.test(x) && /^\d+$/.test(y) ? Number(x) - Number(y) : 0;
  }
  return 0;
}

function isObject(v: unknown): v is JsonObject {
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
