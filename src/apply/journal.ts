import { RegstateError } from '../errors.js';
import { type KeyRef, isWithinKey, keyId, parentKey, sameKey } from '../model/key-ref.js';
import type { LiveState } from '../model/live-state.js';
import type { SourcePos } from '../model/source-pos.js';
import { type ValueJson, valueFromJson, valueToJson } from '../model/value-json.js';
import { collectSubtree } from '../plan/key-subtree.js';
import type { Plan } from '../plan/plan.js';
import { parseJsonTree } from '../plan/plan-json-tree.js';
import type { ReadRequest, Target, WriteOutcome } from '../registry/backend.js';

/** One key of a recorded subtree, with its values. */
export interface SubtreeKeyJson {
  key: KeyRef;
  values: { name: string; value: ValueJson }[];
}

/**
 * What one touched item was before an apply, and what the apply meant to make it; `source` is the
 * config line that asked for it. A key the apply creates (`existed: false`) records every key it
 * creates at and below it with the values it writes into them; a key it deletes records its whole
 * prior subtree. Rollback removes or restores nothing beyond these.
 */
export type PriorItem =
  | { kind: 'value'; key: KeyRef; name: string; before: ValueJson | null; after: ValueJson | null; source: SourcePos }
  | { kind: 'key'; key: KeyRef; existed: boolean; subtree: SubtreeKeyJson[]; source: SourcePos };

export type KeyItem = Extract<PriorItem, { kind: 'key' }>;

/** The version of the journal format this regstate writes. */
export const JOURNAL_FORMAT_VERSION = 3;

/** The versions it reads: version 2 journals (the image inline in base64) still roll back. */
const READABLE_VERSIONS: readonly number[] = [2, 3];

/**
 * Format 3: the target's content before the apply, as a file of its raw bytes beside the journal
 * (`file` is its name in the journal's folder), written once before the journal; null when the
 * target did not exist. Its sha256 is checked before a rollback uses it.
 */
export interface JournalImageFile {
  file: string | null;
  sha256: string | null;
}

/** Format 2: the same content inline, base64 (read, never written). */
export interface JournalImageData {
  data: string | null;
  sha256: string | null;
}

/**
 * The undo journal of one apply: written before the first write, updated after the batch.
 * A run that dies at any point leaves a journal whose `prior` is enough to restore.
 */
export interface Journal {
  formatVersion: 2 | 3;
  kind: 'regstate-journal';
  command: 'apply' | 'rollback';
  createdAt: string;
  target: Target;
  configs: { path: string; sha256: string }[];
  status: 'started' | 'written' | 'finished';
  prior: PriorItem[];
  outcomes?: WriteOutcome[];
  /**
   * For a target that is a file: its content before the apply (format 3 a file beside the journal,
   * format 2 inline), and the sha256 it had right after the write batch (absent when the run died
   * before recording it). See RegistryBackend.captureImage.
   */
  image?: { before: JournalImageFile | JournalImageData; afterSha256?: string | null };
}

/**
 * The ancestors (below the hive root) of keys an apply may create, to read with the plan's keys:
 * creating a key creates its missing ancestors too, and the journal must know which those are.
 */
export function ancestorRequests(keys: KeyRef[]): ReadRequest[] {
  const seen = new Map<string, ReadRequest>();
  for (const key of keys) {
    for (let a = parentKey(key); a && a.path !== ''; a = parentKey(a)) seen.set(keyId(a), { key: a });
  }
  return [...seen.values()];
}

// The topmost key the creation of `key` brings into being: itself or a missing ancestor (read with ancestorRequests).
function createdRoot(key: KeyRef, live: LiveState): KeyRef {
  let root = key;
  for (let a = parentKey(key); a && a.path !== '' && live.get(a)?.exists === false; a = parentKey(a)) root = a;
  return root;
}

const copySource = (s: SourcePos): SourcePos => ({ file: s.file, line: s.line, column: s.column });

/** Records the prior state of everything the plan touches, from the live state read before it. */
export function recordPriorState(plan: Plan, live: LiveState): PriorItem[] {
  const prior: PriorItem[] = [];
  const createdRoots = new Map<string, KeyItem>();
  const createdKeys = new Map<string, SubtreeKeyJson>();
  for (const change of plan.changes) {
    const source = copySource(change.source);
    if (change.action === 'create-key') {
      const root = createdRoot(change.key, live);
      let item = createdRoots.get(keyId(root));
      if (!item) {
        item = { kind: 'key', key: root, existed: false, subtree: [], source };
        createdRoots.set(keyId(root), item);
        prior.push(item);
      }
      for (let k: KeyRef | undefined = change.key; k && isWithinKey(k, root); k = parentKey(k)) {
        if (createdKeys.has(keyId(k))) continue;
        const entry: SubtreeKeyJson = { key: k, values: [] };
        createdKeys.set(keyId(k), entry);
        item.subtree.push(entry);
        if (sameKey(k, root)) break;
      }
    } else if (change.action === 'delete-key') {
      const subtree = (collectSubtree(change.key, live) ?? []).map((k) => ({
        key: { ...change.key, path: k.path === '' ? change.key.path : `${change.key.path}\\${k.path}` },
        values: k.values.map((v) => ({ name: v.name, value: valueToJson(v.value) })),
      }));
      prior.push({ kind: 'key', key: change.key, existed: true, subtree, source });
    } else {
      const before = change.before && valueToJson(change.before);
      const after = change.after && valueToJson(change.after);
      prior.push({ kind: 'value', key: change.key, name: change.name, before, after, source });
    }
  }
  // What the apply writes into keys it creates belongs to those keys' records.
  for (const change of plan.changes) {
    if (change.action !== 'create' && change.action !== 'update') continue;
    createdKeys.get(keyId(change.key))?.values.push({ name: change.name, value: valueToJson(change.after) });
  }
  return prior;
}

function fail(file: string, what: string): never {
  throw new RegstateError('JOURNAL', `${file}: not a usable regstate journal: ${what}`);
}

function checkKey(file: string, key: unknown): KeyRef {
  const k = key as KeyRef;
  if (typeof k !== 'object' || k === null || typeof k.hive !== 'string' || typeof k.path !== 'string' || (k.view !== 32 && k.view !== 64)) {
    fail(file, 'bad key');
  }
  return { hive: k.hive, path: k.path, view: k.view };
}

function checkSource(file: string, source: unknown): void {
  const s = source as SourcePos;
  const isLine = (n: unknown) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 1;
  if (typeof s !== 'object' || s === null || typeof s.file !== 'string' || !isLine(s.line) || !isLine(s.column)) fail(file, 'bad source');
}

const isHashOrNull = (v: unknown) => v === null || (typeof v === 'string' && /^[0-9a-f]{64}$/.test(v));

// An image file's name: a plain name in the journal's own folder, never a path elsewhere.
const IMAGE_FILE_NAME = /^[^\\/\0]+\.image$/;

function checkImage(file: string, image: Journal['image'], version: number): void {
  const before = image?.before as Partial<JournalImageFile & JournalImageData> | undefined;
  if (typeof before !== 'object' || before === null || !isHashOrNull(before.sha256)) fail(file, 'bad image');
  if (version === 2 && !(before.data === null || typeof before.data === 'string')) fail(file, 'bad image');
  if (version === 3) {
    const name = before.file;
    if (!(name === null || (typeof name === 'string' && IMAGE_FILE_NAME.test(name)))) fail(file, 'bad image file name');
    if ((name === null) !== (before.sha256 === null)) fail(file, 'image file and its sha256 must both be given or both be null');
  }
  if (image?.afterSha256 !== undefined && !isHashOrNull(image.afterSha256)) fail(file, 'bad image sha256');
}

function checkValue(file: string, value: ValueJson): void {
  try {
    valueFromJson(value);
  } catch (e) {
    fail(file, (e as Error).message);
  }
}

function checkItem(file: string, item: PriorItem): void {
  checkKey(file, item.key);
  checkSource(file, item.source);
  if (item.kind === 'value') {
    if (typeof item.name !== 'string') fail(file, 'value without name');
    for (const v of [item.before, item.after]) if (v !== null) checkValue(file, v);
  } else if (item.kind === 'key') {
    if (typeof item.existed !== 'boolean' || !Array.isArray(item.subtree)) fail(file, 'key without its subtree');
    for (const sub of item.subtree) {
      if (!isWithinKey(checkKey(file, sub?.key), item.key)) fail(file, 'subtree key outside its key');
      if (!Array.isArray(sub.values)) fail(file, 'subtree key without values');
      for (const v of sub.values) {
        if (typeof v?.name !== 'string') fail(file, 'subtree value without name');
        checkValue(file, v.value);
      }
    }
  } else {
    fail(file, 'unknown item kind');
  }
}

/** Parses a journal file's text, checking every field rollback relies on. */
export function parseJournal(text: string, file: string): Journal {
  const tree = parseJsonTree(text, file);
  if (!tree.ok) return fail(file, tree.diagnostic.message);
  const [forbidden] = tree.problems;
  if (forbidden) fail(file, `${forbidden.path.join('.')}: ${forbidden.message}`);
  const json = tree.value as Journal;
  if (json?.kind !== 'regstate-journal') fail(file, 'missing kind');
  if (!READABLE_VERSIONS.includes(json.formatVersion)) {
    fail(file, `it is format version ${String(json.formatVersion)}, this regstate reads versions ${READABLE_VERSIONS.join(' and ')} (a version 1 journal does not record what its apply created, so it cannot be rolled back safely; roll back with the regstate that wrote it)`);
  }
  if (!Array.isArray(json.prior)) fail(file, 'missing prior state');
  if (json.image !== undefined) checkImage(file, json.image, json.formatVersion);
  for (const item of json.prior) checkItem(file, item);
  return json;
}
