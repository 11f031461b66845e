import type { DesiredKey, DesiredState } from '../model/desired-state.js';
import { type KeyRef, isWithinKey, keyId } from '../model/key-ref.js';
import type { SourcePos } from '../model/source-pos.js';
import { valueFromJson } from '../model/value-json.js';
import type { Journal } from './journal.js';

/**
 * The desired state that undoes an apply: every item the journal touched, as it was before, each
 * declared at the config line that asked for the original change. Keys the apply created are
 * declared absent; keys it deleted come back with all they held.
 */
export function buildRollbackState(journal: Journal): DesiredState {
  const keys = new Map<string, DesiredKey>();
  const keyFor = (key: KeyRef, source: SourcePos): DesiredKey => {
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
    const { source } = item;
    if (item.kind === 'key' && !item.existed) {
      keys.set(keyId(item.key), { key: item.key, ensure: 'absent', values: [], source });
    } else if (item.kind === 'key') {
      for (const sub of item.subtree) {
        const k = keyFor(sub.key, source);
        for (const v of sub.values) k.values.push({ name: v.name, ensure: 'present', value: valueFromJson(v.value), source });
      }
    } else if (!insideCreated(item.key)) {
      const value = item.before && valueFromJson(item.before);
      keyFor(item.key, source).values.push(value ? { name: item.name, ensure: 'present', value, source } : { name: item.name, ensure: 'absent', source });
    }
  }
  return { files: journal.configs.map(({ path, sha256 }) => ({ path, sha256 })), keys: [...keys.values()] };
}
