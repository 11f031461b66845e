import type { DesiredKey, DesiredState } from '../model/desired-state.js';
import { type KeyRef, isWithinKey, keyId } from '../model/key-ref.js';
import type { LiveState } from '../model/live-state.js';
import { type RegistryValue, valuesEqual } from '../model/registry-value.js';
import type { SourcePos } from '../model/source-pos.js';
import { valueFromJson } from '../model/value-json.js';
import type { Journal, PriorItem } from './journal.js';

/**
 * The desired state that undoes an apply: every item the journal touched, as it was before.
 * Keys the apply created are declared absent; keys it deleted come back with all they held.
 */
export function buildRollbackState(journal: Journal, journalFile: string): DesiredState {
  const source: SourcePos = { file: journalFile, line: 1, column: 1 };
  const keys = new Map<string, DesiredKey>();
  const keyFor = (key: KeyRef): DesiredKey => {
    const id = keyId(key);
    let k = keys.get(id);
    if (!k) {
      k = { key, ensure: 'present', values: [], source };
      keys.set(id, k);
    }
    return k;
  };
  const created = journal.prior.filter((p) => p.kind === 'key' && !p.existed).map((p) => p.key);
  const insideCreated = (key: KeyRef) => created.some((c) => isWithinKey(key, c));

  for (const item of journal.prior) {
    if (item.kind === 'key' && !item.existed) {
      keys.set(keyId(item.key), { key: item.key, ensure: 'absent', values: [], source });
    } else if (item.kind === 'key') {
      for (const sub of item.subtree) {
        const k = keyFor(sub.key);
        for (const v of sub.values) k.values.push({ name: v.name, ensure: 'present', value: valueFromJson(v.value), source });
      }
    } else if (!insideCreated(item.key)) {
      const value = item.before && valueFromJson(item.before);
      keyFor(item.key).values.push(value ? { name: item.name, ensure: 'present', value, source } : { name: item.name, ensure: 'absent', source });
    }
  }
  return { files: [{ path: journalFile, sha256: '' }], keys: [...keys.values()] };
}

/** An item changed by someone else since the apply: neither what the apply wrote nor what was there before. */
export interface RollbackConflict {
  item: PriorItem & { kind: 'value' };
  now: RegistryValue | null;
}

function sameAs(now: RegistryValue | null, json: PriorItem & { kind: 'value' }, which: 'before' | 'after'): boolean {
  const expected = json[which];
  if (expected === null) return now === null;
  return now !== null && valuesEqual(now, valueFromJson(expected));
}

/** Values whose current data is neither the apply's result nor the prior state: rolling back would lose someone's change. */
export function findRollbackConflicts(journal: Journal, live: LiveState): RollbackConflict[] {
  const conflicts: RollbackConflict[] = [];
  for (const item of journal.prior) {
    if (item.kind !== 'value') continue;
    const now = live.value(item.key, item.name)?.value ?? null;
    if (!sameAs(now, item, 'after') && !sameAs(now, item, 'before')) conflicts.push({ item, now });
  }
  return conflicts;
}
