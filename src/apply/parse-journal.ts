import { createHash } from 'node:crypto';
import { parseKeyPath } from '../config/parse-key-path.js';
import { type Diagnostic, RegstateError } from '../errors.js';
import { MAX_VALUE_NAME } from '../model/check-value.js';
import { foldName } from '../model/fold-name.js';
import { type KeyRef, isWithinKey, keyId } from '../model/key-ref.js';
import { valueFromJson } from '../model/value-json.js';
import { type JsonObject, type PlanProblem, locateProblems, parseJsonTree } from '../plan/plan-json-tree.js';
import { configsProblems, isTarget } from '../plan/saved-plan.js';
import { type Journal, READABLE_VERSIONS } from './journal.js';

const FIELDS = new Set(['formatVersion', 'kind', 'command', 'createdAt', 'target', 'configs', 'status', 'prior', 'outcomes', 'image']);
const VALUE_ITEM_FIELDS = new Set(['kind', 'key', 'name', 'before', 'after', 'source']);
const KEY_ITEM_FIELDS = new Set(['kind', 'key', 'existed', 'subtree', 'source']);
// Past this size a problem is named by its JSON path only: placing it means parsing the text again as YAML.
const MAX_LOCATED_TEXT = 4 * 1024 * 1024;

// Thrown inside one item's check; caught per item so every bad item is reported.
class Fault {
  constructor(readonly problem: PlanProblem) {}
}

function fault(path: string[], message: string): never {
  throw new Fault({ code: 'JOURNAL', path, message });
}

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPosition = (n: unknown): boolean => typeof n === 'number' && Number.isSafeInteger(n) && n >= 1;
const isHash = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const text = JSON.stringify(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function onlyFields(json: JsonObject, fields: Set<string>, at: string[], what: string): void {
  for (const field of Object.keys(json)) if (!fields.has(field)) fault([...at, field], `is not a field of ${what}`);
}

// A key a config may name: a known hive, a path below it as a config writes it, a view.
function checkKey(json: unknown, at: string[]): KeyRef {
  if (!isObject(json)) return fault(at, 'must be a key {hive, path, view}');
  const { hive, path, view } = json;
  if (typeof hive !== 'string' || typeof path !== 'string') return fault(at, 'must be a key {hive, path, view}');
  const parsed = parseKeyPath(`${hive}\\${path}`);
  if (!parsed.ok) return fault([...at, 'path'], parsed.message);
  if (parsed.hive !== hive || parsed.path !== path) return fault(at, `must name its hive by its short name (${parsed.hive})`);
  if (view !== 32 && view !== 64) return fault([...at, 'view'], `must be 32 or 64, found ${show(view)}`);
  return { hive: parsed.hive, path, view };
}

// A key of a recorded subtree: as the registry had it, below (or at) the item's key.
function checkSubtreeKey(json: unknown, within: KeyRef, at: string[]): KeyRef {
  if (!isObject(json) || json.hive !== within.hive || json.view !== within.view || typeof json.path !== 'string') return fault(at, 'must be a key {hive, path, view} of the item\'s hive and view');
  const key: KeyRef = { hive: within.hive, path: json.path, view: within.view };
  if (!isWithinKey(key, within)) fault([...at, 'path'], 'is outside the key of its item');
  if (json.path.split('\\').includes('')) fault([...at, 'path'], 'has an empty key name');
  onlyFields(json, new Set(['hive', 'path', 'view']), at, 'a key');
  return key;
}

function checkName(json: unknown, at: string[]): string {
  if (typeof json !== 'string') return fault(at, `must be a string, found ${show(json)}`);
  if (json.length > MAX_VALUE_NAME) fault(at, `is ${json.length} characters long; at most ${MAX_VALUE_NAME} are allowed`);
  return json;
}

function checkValue(json: unknown, at: string[]): void {
  try {
    valueFromJson(json);
  } catch (e) {
    fault(at, (e as Error).message.replace(/^invalid value in JSON: /, 'is not a valid value: '));
  }
}

function checkSource(json: unknown, at: string[]): void {
  if (!isObject(json) || typeof json.file !== 'string' || !isPosition(json.line) || !isPosition(json.column)) fault(at, 'must be the config line {file, line, column} of the change');
}

function checkSubtree(json: unknown, key: KeyRef, at: string[]): void {
  if (!Array.isArray(json)) return fault(at, 'must be the list of keys recorded at and below the key');
  const seen = new Set<string>();
  json.forEach((entry: unknown, i) => {
    const here = [...at, String(i)];
    if (!isObject(entry)) return fault(here, 'must be an object {key, values}');
    onlyFields(entry, new Set(['key', 'values']), here, 'a recorded key');
    const sub = checkSubtreeKey(entry.key, key, [...here, 'key']);
    if (seen.has(keyId(sub))) fault([...here, 'key'], 'records this key twice');
    seen.add(keyId(sub));
    if (!Array.isArray(entry.values)) return fault([...here, 'values'], 'must be a list');
    const names = new Set<string>();
    entry.values.forEach((v: unknown, j) => {
      const there = [...here, 'values', String(j)];
      if (!isObject(v)) return fault(there, 'must be an object {name, value}');
      onlyFields(v, new Set(['name', 'value']), there, 'a recorded value');
      const name = checkName(v.name, [...there, 'name']);
      if (names.has(foldName(name))) fault([...there, 'name'], `records ${show(name)} twice`);
      names.add(foldName(name));
      checkValue(v.value, [...there, 'value']);
    });
  });
  if (!seen.has(keyId(key))) fault(at, 'must record the key itself');
}

/** Checks one item of `prior`; returns what it records, for the duplicate check. */
function checkItem(json: unknown, at: string[]): string {
  if (!isObject(json)) return fault(at, 'must be an object');
  const key = checkKey(json.key, [...at, 'key']);
  checkSource(json.source, [...at, 'source']);
  if (json.kind === 'value') {
    onlyFields(json, VALUE_ITEM_FIELDS, at, 'a value item');
    const name = checkName(json.name, [...at, 'name']);
    for (const field of ['before', 'after'] as const) if (json[field] !== null) checkValue(json[field], [...at, field]);
    if (json.before === null && json.after === null) fault(at, 'records no change (before and after are both null)');
    return `value ${keyId(key)}\\${foldName(name)}`;
  }
  if (json.kind === 'key') {
    onlyFields(json, KEY_ITEM_FIELDS, at, 'a key item');
    if (typeof json.existed !== 'boolean') fault([...at, 'existed'], `must be true or false, found ${show(json.existed)}`);
    checkSubtree(json.subtree, key, [...at, 'subtree']);
    return `key ${keyId(key)}`;
  }
  return fault([...at, 'kind'], `must be "value" or "key", found ${show(json.kind)}`);
}

function checkOutcomes(json: unknown, problems: PlanProblem[]): void {
  if (json === undefined) return;
  if (!Array.isArray(json)) return void problems.push({ code: 'JOURNAL', path: ['outcomes'], message: 'must be a list' });
  json.forEach((o: unknown, i) => {
    const good = isObject(o) && (o.ok === true ? Object.keys(o).length === 1 : o.ok === false && typeof o.code === 'string' && typeof o.message === 'string');
    if (!good) problems.push({ code: 'JOURNAL', path: ['outcomes', String(i)], message: 'must be {ok: true} or {ok: false, code, message}' });
  });
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

// An image file's name (format 3): a plain name in the journal's own folder, never a path elsewhere.
const IMAGE_FILE_NAME = /^[^\\/\0]+\.image$/;

// The image is what a rollback writes back whole. Format 2 holds it inline: its data must be exactly
// what its sha256 says. Format 3 names a file beside the journal, checked against the sha256 when a
// rollback reads it (journal-image.ts).
function checkImage(json: unknown, version: number, problems: PlanProblem[]): void {
  if (json === undefined) return;
  const bad = (path: string[], message: string) => void problems.push({ code: 'JOURNAL', path: ['image', ...path], message });
  const field = version === 2 ? 'data' : 'file';
  if (!isObject(json) || !isObject(json.before)) return bad([], `must be {before: {${field}, sha256}, afterSha256}`);
  for (const name of Object.keys(json)) if (name !== 'before' && name !== 'afterSha256') bad([name], 'is not a field of an image');
  if (json.afterSha256 !== undefined && json.afterSha256 !== null && !isHash(json.afterSha256)) bad(['afterSha256'], 'must be 64 lowercase hex digits or null');
  const before = json.before;
  for (const name of Object.keys(before)) if (name !== field && name !== 'sha256') bad(['before', name], `is not a field of a version ${version} image`);
  const content = before[field];
  const { sha256 } = before;
  if (content === null || sha256 === null) {
    if (content !== sha256) bad(['before'], `${field} and sha256 must both be null (no file) or both be set`);
    return;
  }
  if (!isHash(sha256)) return bad(['before', 'sha256'], 'must be 64 lowercase hex digits or null');
  if (version === 3) {
    if (typeof content !== 'string' || !IMAGE_FILE_NAME.test(content)) bad(['before', 'file'], `must be the name of an .image file in the journal's folder, found ${show(content)}`);
    return;
  }
  if (typeof content !== 'string' || content.length % 4 !== 0 || !BASE64.test(content)) return bad(['before', 'data'], 'must be base64');
  if (createHash('sha256').update(Buffer.from(content, 'base64')).digest('hex') !== sha256) bad(['before', 'data'], 'does not match its sha256 (the image was changed or cut short)');
}

function checkHeader(json: JsonObject, problems: PlanProblem[]): void {
  const bad = (path: string, message: string) => void problems.push({ code: 'JOURNAL', path: [path], message });
  for (const field of Object.keys(json)) if (!FIELDS.has(field)) bad(field, 'is not a field of a journal');
  if (json.command !== 'apply' && json.command !== 'rollback') bad('command', `must be "apply" or "rollback", found ${show(json.command)}`);
  if (typeof json.createdAt !== 'string' || Number.isNaN(Date.parse(json.createdAt))) bad('createdAt', `must be a date, found ${show(json.createdAt)}`);
  if (!isTarget(json.target)) bad('target', 'must name a valid target');
  if (json.status !== 'started' && json.status !== 'written' && json.status !== 'finished') bad('status', `must be "started", "written" or "finished", found ${show(json.status)}`);
  problems.push(...configsProblems(json.configs).map((p) => ({ ...p, code: 'JOURNAL' as const })));
}

function refuse(text: string, file: string, problems: PlanProblem[]): never {
  const located: Diagnostic[] =
    text.length <= MAX_LOCATED_TEXT ? locateProblems(text, file, problems) : problems.map((p) => ({ code: p.code, message: `${file}: ${p.path.join('.')}: ${p.message}` }));
  throw RegstateError.fromDiagnostics(located.map((d) => ({ ...d, code: 'JOURNAL', message: `not a usable regstate journal: ${d.message}` })));
}

/**
 * Parses a journal file's text as strictly as a saved plan: every field, key path, value name and
 * value checked, no unknown field, no item recorded twice, an inline image matching its sha256, no
 * duplicate JSON key. A hand-edited or cut-short journal is refused (JOURNAL) with every problem
 * at its file:line:column, before rollback reads or writes anything.
 */
export function parseJournal(text: string, file: string): Journal {
  const tree = parseJsonTree(text, file);
  if (!tree.ok) {
    const d = tree.diagnostic;
    throw RegstateError.fromDiagnostics([{ ...d, code: 'JOURNAL', message: `not a usable regstate journal: ${d.message}` }]);
  }
  const problems: PlanProblem[] = tree.problems.map((p) => ({ ...p, code: 'JOURNAL' }));
  const json = tree.value;
  if (!isObject(json) || json.kind !== 'regstate-journal') return refuse(text, file, [...problems, { code: 'JOURNAL', path: isObject(json) ? ['kind'] : [], message: 'must be "regstate-journal" (not a regstate journal)' }]);
  if (typeof json.formatVersion !== 'number' || !READABLE_VERSIONS.includes(json.formatVersion)) {
    const message = `is ${show(json.formatVersion)}, this regstate reads versions ${READABLE_VERSIONS.join(' and ')} (a version 1 journal does not record what its apply created, so it cannot be rolled back safely; roll back with the regstate that wrote it)`;
    return refuse(text, file, [...problems, { code: 'JOURNAL', path: ['formatVersion'], message }]);
  }
  checkHeader(json, problems);
  if (!Array.isArray(json.prior)) problems.push({ code: 'JOURNAL', path: ['prior'], message: 'must be the list of what the apply touched' });
  else {
    const recorded = new Set<string>();
    json.prior.forEach((item: unknown, i) => {
      try {
        const what = checkItem(item, ['prior', String(i)]);
        if (recorded.has(what)) fault(['prior', String(i)], 'records an item recorded before it');
        recorded.add(what);
      } catch (e) {
        if (!(e instanceof Fault)) throw e;
        problems.push(e.problem);
      }
    });
  }
  checkOutcomes(json.outcomes, problems);
  checkImage(json.image, json.formatVersion, problems);
  if (problems.length > 0) refuse(text, file, problems);
  return json as unknown as Journal;
}
