import { foldName } from '../model/fold-name.js';
import { type KeyRef, describeKey, keyId, sameKey } from '../model/key-ref.js';
import type { LiveState } from '../model/live-state.js';
import { type RegistryValue, valuesEqual } from '../model/registry-value.js';
import { valueFromJson } from '../model/value-json.js';
import type { DesiredState } from '../model/desired-state.js';
import { formatValue } from '../plan/format-data.js';
import { collectSubtree } from '../plan/key-subtree.js';
import { readRequestsFor } from '../plan/plan-changes.js';
import type { ReadRequest } from '../registry/backend.js';
import type { Journal, KeyItem, PriorItem } from './journal.js';

type ValueItem = Extract<PriorItem, { kind: 'value' }>;

/**
 * Something changed by someone else since the apply, which rolling back would overwrite or delete:
 * a touched value that is neither what the apply wrote nor what was there before; or, under a key
 * the apply created (rollback deletes it) or deleted (rollback restores it), a key or value the
 * journal does not record.
 */
export type RollbackConflict =
  | { kind: 'value'; item: ValueItem; now: RegistryValue | null }
  | { kind: 'key'; key: KeyRef; under: KeyItem }
  | { kind: 'subtree-value'; key: KeyRef; name: string; now: RegistryValue; recorded: RegistryValue | null; under: KeyItem };

/** What rollback reads: the keys of its plan, and the whole subtree of every key the journal created or deleted. */
export function rollbackReadRequests(journal: Journal, desired: DesiredState): ReadRequest[] {
  const subtrees = journal.prior.filter((p) => p.kind === 'key').map((p) => ({ key: p.key, recursive: true }));
  return [...readRequestsFor(desired), ...subtrees];
}

function sameAs(now: RegistryValue | null, expected: ValueItem['before']): boolean {
  if (expected === null) return now === null;
  return now !== null && valuesEqual(now, valueFromJson(expected));
}

// Keys and values under a created or deleted key that the journal does not record (only the topmost unrecorded key of a branch).
function subtreeConflicts(item: KeyItem, live: LiveState): RollbackConflict[] {
  const recorded = new Map(item.subtree.map((s) => [keyId(s.key), new Map(s.values.map((v) => [foldName(v.name), v.value]))]));
  const conflicts: RollbackConflict[] = [];
  const unrecorded = new Set<string>();
  for (const found of collectSubtree(item.key, live) ?? []) {
    const key = { ...item.key, path: found.path === '' ? item.key.path : `${item.key.path}\\${found.path}` };
    const values = recorded.get(keyId(key));
    if (!values) {
      unrecorded.add(foldName(found.path));
      const parent = found.path.includes('\\') ? found.path.slice(0, found.path.lastIndexOf('\\')) : '';
      if (found.path === '' || !unrecorded.has(foldName(parent))) conflicts.push({ kind: 'key', key, under: item });
      continue;
    }
    for (const v of found.values) {
      const json = values.get(foldName(v.name));
      // A value the apply wrote into a key it created is checked as a touched value (its own item).
      if (json && !item.existed) continue;
      const was = json ? valueFromJson(json) : null;
      if (!was || !valuesEqual(was, v.value)) conflicts.push({ kind: 'subtree-value', key, name: v.name, now: v.value, recorded: was, under: item });
    }
  }
  return conflicts;
}

/** Everything rolling back would lose that someone else changed since the apply; `live` read with rollbackReadRequests. */
export function findRollbackConflicts(journal: Journal, live: LiveState): RollbackConflict[] {
  const conflicts: RollbackConflict[] = [];
  for (const item of journal.prior) {
    if (item.kind === 'key') {
      // a loop, not push(...list): a key's subtree may hold hundreds of thousands of values
      for (const conflict of subtreeConflicts(item, live)) conflicts.push(conflict);
      continue;
    }
    const now = live.value(item.key, item.name)?.value ?? null;
    if (!sameAs(now, item.after) && !sameAs(now, item.before)) conflicts.push({ kind: 'value', item, now });
  }
  return conflicts;
}

const showName = (name: string) => (name === '' ? '(Default)' : name);
const showValue = (v: RegistryValue | null) => (v ? formatValue(v) : 'absent');

/** One line naming the conflict and what rolling back would do to it. */
export function describeRollbackConflict(c: RollbackConflict): string {
  const what = (under: KeyItem) => (under.existed ? `which the apply deleted and rollback would restore` : `which the apply created and rollback would delete`);
  switch (c.kind) {
    case 'value': {
      const wrote = c.item.after ? formatValue(valueFromJson(c.item.after)) : 'nothing';
      return `${describeKey(c.item.key)} → ${showName(c.item.name)} changed since the apply (now ${showValue(c.now)}, the apply wrote ${wrote}): rolling back would overwrite it`;
    }
    case 'key':
      return sameKey(c.key, c.under.key)
        ? `key ${describeKey(c.key)}, which the apply deleted, was created again since: rolling back would overwrite it`
        : `key ${describeKey(c.key)} is not in the journal but lies under ${describeKey(c.under.key)}, ${what(c.under)}: it was created since the apply, rolling back would ${c.under.existed ? 'mix the old subtree into it' : 'delete it'}`;
    case 'subtree-value': {
      const recorded = c.under.existed ? `, before the apply it was ${showValue(c.recorded)}` : '';
      return `${describeKey(c.key)} → ${showName(c.name)} (now ${showValue(c.now)}${recorded}) was written since the apply under ${describeKey(c.under.key)}, ${what(c.under)}: rolling back would ${c.under.existed ? 'overwrite' : 'delete'} it`;
    }
  }
}
