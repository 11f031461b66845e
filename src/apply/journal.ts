import { type KeyRef, isWithinKey, keyId, parentKey, sameKey } from '../model/key-ref.js';
import type { LiveState } from '../model/live-state.js';
import type { SourcePos } from '../model/source-pos.js';
import { type ValueJson, valueToJson } from '../model/value-json.js';
import { collectSubtree } from '../plan/key-subtree.js';
import type { Plan } from '../plan/plan.js';
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

/** The versions it reads (parse-journal.ts): version 2 journals (the image inline in base64) still roll back. */
export const READABLE_VERSIONS: readonly number[] = [2, 3];

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
    for (let a = parentKey(key); a && a.path !== ''; a = parentKey(a)) {
      const id = keyId(a);
      // an ancestor seen before had its own ancestors added then: siblings share the walk up
      if (seen.has(id)) break;
      seen.set(id, { key: a });
    }
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
