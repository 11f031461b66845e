import { describeKey } from '../model/key-ref.js';
import type { LiveState } from '../model/live-state.js';
import { type RegistryValue, valuesEqual } from '../model/registry-value.js';
import { collectSubtree, sameSubtree } from '../plan/key-subtree.js';
import type { Change } from '../plan/plan.js';

/** The value a value change targets as the live state holds it, null when absent. */
export function valueNow(change: Change & { name: string }, live: LiveState): RegistryValue | null {
  return live.value(change.key, change.name)?.value ?? null;
}

function holdsValue(change: Change & { name: string }, live: LiveState, expected: RegistryValue | null): boolean {
  const now = valueNow(change, live);
  return expected === null ? now === null : now !== null && valuesEqual(now, expected);
}

function keyExists(change: Change, live: LiveState): boolean {
  return live.get(change.key)?.exists ?? false;
}

/**
 * True when the live state no longer shows what the change saw when planned (its precondition
 * fails). A key to delete must hold exactly the subtree the plan recorded (read recursively).
 */
export function isStale(change: Change, live: LiveState): boolean {
  switch (change.action) {
    case 'create-key':
      return keyExists(change, live);
    case 'delete-key': {
      const now = collectSubtree(change.key, live);
      return now === undefined || !sameSubtree(change.subtree, now);
    }
    default:
      return !holdsValue(change, live, change.before);
  }
}

/** True when the live state shows what the change was meant to produce. */
export function hasConverged(change: Change, live: LiveState): boolean {
  switch (change.action) {
    case 'create-key':
      return keyExists(change, live);
    case 'delete-key':
      return !keyExists(change, live);
    default:
      return holdsValue(change, live, change.after);
  }
}

export function describeChangeTarget(change: Change): string {
  return 'name' in change ? `${describeKey(change.key)} → ${change.name === '' ? '(Default)' : change.name}` : describeKey(change.key);
}
