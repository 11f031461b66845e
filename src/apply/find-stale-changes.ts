import type { LiveState } from '../model/live-state.js';
import type { RegistryValue } from '../model/registry-value.js';
import type { Change, Plan } from '../plan/plan.js';
import { checkBefore } from './check-change.js';

/** A planned change whose `before` no longer holds, with what the registry holds now. */
export interface StaleChange {
  change: Change;
  now: RegistryValue | null;
  keyExists: boolean;
}

/** The changes whose precondition the live state no longer meets; empty when the plan still holds. */
export function findStaleChanges(plan: Plan, live: LiveState): StaleChange[] {
  const stale: StaleChange[] = [];
  for (const change of plan.changes) {
    const mismatch = checkBefore(change, live);
    if (mismatch) stale.push({ change, ...mismatch });
  }
  return stale;
}
