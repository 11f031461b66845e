import { foldName } from '../model/fold-name.js';
import { describeKey, keyId, sameKey } from '../model/key-ref.js';
import type { LiveState } from '../model/live-state.js';
import type { Plan } from '../plan/plan.js';

function displayName(name: string): string {
  return name === '' ? '(Default)' : JSON.stringify(name);
}

/**
 * What appeared at the plan's exclusive keys since it was made: one line per value (and, for
 * `exclusive: subkeys`, per subkey) the key holds now that it did not hold when planned and that the
 * plan does not create. Applying the plan would leave such an item undeclared on an exclusive key,
 * so a saved plan holding any is stale. Values that changed or went are found by the changes' own checks.
 */
export function findStaleExclusiveKeys(plan: Plan, live: LiveState): string[] {
  const stale: string[] = [];
  for (const guard of plan.exclusive ?? []) {
    const now = live.get(guard.key);
    if (!now?.exists) continue;
    const created = new Set(plan.changes.filter((c) => 'name' in c && sameKey(c.key, guard.key)).map((c) => foldName((c as { name: string }).name)));
    const held = new Set(guard.values.map(foldName));
    const names = [...now.values.map((v) => v.name), ...(now.unreadable ?? []).map((u) => u.name)];
    for (const name of names) {
      if (!held.has(foldName(name)) && !created.has(foldName(name))) stale.push(`${describeKey(guard.key)} is exclusive and holds value ${displayName(name)}, which was not there when planned`);
    }
    if (guard.mode !== 'subkeys') continue;
    const heldKeys = new Set(guard.subkeys.map(foldName));
    const createdKeys = new Set(plan.changes.filter((c) => c.action === 'create-key').map((c) => keyId(c.key)));
    for (const name of now.subkeys) {
      const child = keyId({ ...guard.key, path: `${guard.key.path}\\${name}` });
      if (!heldKeys.has(foldName(name)) && !createdKeys.has(child)) stale.push(`${describeKey(guard.key)} is exclusive and holds subkey ${displayName(name)}, which was not there when planned`);
    }
  }
  return stale;
}
