import type { LiveState } from '../model/live-state.js';
import type { RegistryValue } from '../model/registry-value.js';
import type { Change, Plan } from '../plan/plan.js';
import { isStale, valueNow } from './check-change.js';

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
    if (!isStale(change, live)) continue;
    const now = 'name' in change ? valueNow(change, live) : null;
    stale.push({ change, now, keyExists: live.get(change.key)?.exists ?? false });
  }
  return stale;
}
