import { foldName } from '../model/fold-name.js';
import { type KeyRef, describeKey, parentKey } from '../model/key-ref.js';
import { physicalKeyId } from '../registry/physical-key.js';
import type { Change } from './plan.js';
import type { PlanProblem } from './plan-json-tree.js';

function describe(change: Change): string {
  const what = 'name' in change ? `${change.name === '' ? 'the default value' : `value ${JSON.stringify(change.name)}`} of key ${describeKey(change.key)}` : `key ${describeKey(change.key)}`;
  return `${change.action} of ${what}`;
}

// The delete-key at or above `key`, if the plan has one.
function deletedAbove(key: KeyRef | undefined, deleted: Map<string, number>): number | undefined {
  for (let k = key; k && k.path !== ''; k = parentKey(k)) {
    const at = deleted.get(physicalKeyId(k));
    if (at !== undefined) return at;
  }
  return undefined;
}

/**
 * Changes that contradict each other, as the config's merge rules would see them: one item
 * changed twice (the same change twice is a DUPLICATE, two different ones a CONFLICT), anything
 * at or under a key the plan deletes, an update or delete of a value in a key the plan creates.
 */
export function findPlanContradictions(changes: readonly (Change | undefined)[]): PlanProblem[] {
  const problems: PlanProblem[] = [];
  const items = new Map<string, number>();
  const deleted = new Map<string, number>();
  const created = new Map<string, number>();
  changes.forEach((c, i) => {
    if (!c) return;
    const kid = physicalKeyId(c.key);
    if (c.action === 'delete-key') deleted.set(kid, deleted.get(kid) ?? i);
    if (c.action === 'create-key') created.set(kid, created.get(kid) ?? i);
  });
  changes.forEach((change, i) => {
    // A change that failed its own checks is reported as such; the rest are still compared.
    if (!change) return;
    const path = ['changes', String(i)];
    const kid = physicalKeyId(change.key);
    const id = 'name' in change ? `${kid}\u0000${foldName(change.name)}` : kid;
    const first = items.get(id);
    if (first !== undefined) {
      const other = changes[first] as Change;
      const code = other.action === change.action ? 'DUPLICATE' : 'CONFLICT';
      problems.push({ code, path, message: `${describe(change)} ${code === 'DUPLICATE' ? 'repeats' : 'contradicts'} changes[${first}] (${describe(other)})` });
      return;
    }
    items.set(id, i);
    const under = deletedAbove(change.action === 'delete-key' ? parentKey(change.key) : change.key, deleted);
    if (under !== undefined) {
      problems.push({ code: 'CONFLICT', path, message: `${describe(change)} lies at or under the key that changes[${under}] deletes (${describe(changes[under] as Change)})` });
      return;
    }
    const createdAt = created.get(kid);
    if ((change.action === 'update' || change.action === 'delete') && createdAt !== undefined) {
      problems.push({ code: 'CONFLICT', path, message: `${describe(change)} needs the value to exist, but changes[${createdAt}] creates its key` });
    }
  });
  return problems;
}
