import { RegstateError } from '../errors.js';
import { type KeyRef, isWithinKey, keyId, parentKey } from '../model/key-ref.js';
import type { LiveState } from '../model/live-state.js';
import { type ValueJson, valueFromJson, valueToJson } from '../model/value-json.js';
import type { Plan } from '../plan/plan.js';
import type { ReadRequest, Target, TargetImage, WriteOutcome } from '../registry/backend.js';

/** What one touched item was before an apply, and what the apply meant to make it. */
export type PriorItem =
  | { kind: 'value'; key: KeyRef; name: string; before: ValueJson | null; after: ValueJson | null }
  | { kind: 'key'; key: KeyRef; existed: false }
  | { kind: 'key'; key: KeyRef; existed: true; subtree: { key: KeyRef; values: { name: string; value: ValueJson }[] }[] };

/** The version of the journal format; a journal of another version is refused. */
export const JOURNAL_FORMAT_VERSION = 1;

/**
 * The undo journal of one apply: written before the first write, updated after the batch.
 * A run that dies at any point leaves a journal whose `prior` is enough to restore.
 */
export interface Journal {
  formatVersion: typeof JOURNAL_FORMAT_VERSION;
  kind: 'regstate-journal';
  command: 'apply' | 'rollback';
  createdAt: string;
  target: Target;
  configs: { path: string; sha256: string }[];
  status: 'started' | 'written' | 'finished';
  prior: PriorItem[];
  outcomes?: WriteOutcome[];
  /**
   * For a target that is a file: its content before the apply, and the sha256 it had right after
   * the write batch (absent when the run died before recording it). See RegistryBackend.captureImage.
   */
  image?: { before: TargetImage; afterSha256?: string | null };
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

/** Records the prior state of everything the plan touches, from the live state read before it. */
export function recordPriorState(plan: Plan, live: LiveState): PriorItem[] {
  return plan.changes.map((change): PriorItem => {
    switch (change.action) {
      case 'create-key':
        return { kind: 'key', key: createdRoot(change.key, live), existed: false };
      case 'delete-key': {
        const subtree = live
          .all()
          .filter((k) => k.exists && isWithinKey(k.key, change.key))
          .map((k) => ({ key: k.key, values: k.values.map((v) => ({ name: v.name, value: valueToJson(v.value) })) }));
        return { kind: 'key', key: change.key, existed: true, subtree };
      }
      default:
        return {
          kind: 'value',
          key: change.key,
          name: change.name,
          before: change.before && valueToJson(change.before),
          after: change.after && valueToJson(change.after),
        };
    }
  });
}

function fail(file: string, what: string): never {
  throw new RegstateError('JOURNAL', `${file}: not a regstate journal: ${what}`);
}

function checkKey(file: string, key: unknown): KeyRef {
  const k = key as KeyRef;
  if (typeof k !== 'object' || k === null || typeof k.hive !== 'string' || typeof k.path !== 'string' || (k.view !== 32 && k.view !== 64)) {
    fail(file, 'bad key');
  }
  return { hive: k.hive, path: k.path, view: k.view };
}

const isHashOrNull = (v: unknown) => v === null || (typeof v === 'string' && /^[0-9a-f]{64}$/.test(v));

function checkImage(file: string, image: Journal['image']): void {
  const before = image?.before;
  if (typeof before !== 'object' || before === null || !(before.data === null || typeof before.data === 'string') || !isHashOrNull(before.sha256)) fail(file, 'bad image');
  if (image?.afterSha256 !== undefined && !isHashOrNull(image.afterSha256)) fail(file, 'bad image sha256');
}

function checkValue(file: string, value: ValueJson): void {
  try {
    valueFromJson(value);
  } catch (e) {
    fail(file, (e as Error).message);
  }
}

/** Parses a journal file's text, checking every field rollback relies on. */
export function parseJournal(text: string, file: string): Journal {
  let json: Journal;
  try {
    json = JSON.parse(text) as Journal;
  } catch (e) {
    return fail(file, (e as Error).message);
  }
  if (json?.kind !== 'regstate-journal' || json.formatVersion !== 1) fail(file, 'missing kind/formatVersion');
  if (!Array.isArray(json.prior)) fail(file, 'missing prior state');
  if (json.image !== undefined) checkImage(file, json.image);
  for (const item of json.prior) {
    checkKey(file, item.key);
    if (item.kind === 'value') {
      if (typeof item.name !== 'string') fail(file, 'value without name');
      for (const v of [item.before, item.after]) if (v !== null) checkValue(file, v);
    } else if (item.kind === 'key') {
      if (item.existed) for (const sub of item.subtree ?? fail(file, 'deleted key without subtree')) {
        checkKey(file, sub.key);
        for (const v of sub.values) checkValue(file, v.value);
      }
    } else {
      fail(file, 'unknown item kind');
    }
  }
  return json;
}
