import { describeKey } from '../model/key-ref.js';
import type { LiveState } from '../model/live-state.js';
import { type RegistryValue, valuesEqual } from '../model/registry-value.js';
import type { Change } from '../plan/plan.js';

/** Why a registry item is not in the state a check expected, or undefined when it is. */
export type Mismatch = { now: RegistryValue | null; keyExists: boolean } | undefined;

function valueNow(change: Change & { name: string }, live: LiveState): RegistryValue | null {
  return live.value(change.key, change.name)?.value ?? null;
}

function expectValue(change: Change & { name: string }, live: LiveState, expected: RegistryValue | null): Mismatch {
  const now = valueNow(change, live);
  const keyExists = live.get(change.key)?.exists ?? false;
  if (expected === null ? now === null : now !== null && valuesEqual(now, expected)) return undefined;
  return { now, keyExists };
}

function expectKey(change: Change, live: LiveState, exists: boolean): Mismatch {
  const keyExists = live.get(change.key)?.exists ?? false;
  return keyExists === exists ? undefined : { now: null, keyExists };
}

/** Does the live state still show what the change saw before it (its precondition)? */
export function checkBefore(change: Change, live: LiveState): Mismatch {
  switch (change.action) {
    case 'create-key':
      return expectKey(change, live, false);
    case 'delete-key':
      return expectKey(change, live, true);
    default:
      return expectValue(change, live, change.before);
  }
}

/** Does the live state show what the change was meant to produce? */
export function checkAfter(change: Change, live: LiveState): Mismatch {
  switch (change.action) {
    case 'create-key':
      return expectKey(change, live, true);
    case 'delete-key':
      return expectKey(change, live, false);
    default:
      return expectValue(change, live, change.after);
  }
}

export function describeChangeTarget(change: Change): string {
  return 'name' in change ? `${describeKey(change.key)} → ${change.name === '' ? '(Default)' : change.name}` : describeKey(change.key);
}
