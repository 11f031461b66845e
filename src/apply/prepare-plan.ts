import { RegstateError } from '../errors.js';
import type { DesiredState } from '../model/desired-state.js';
import { LiveState } from '../model/live-state.js';
import { planChanges, readRequestsFor, readRequestsForPlan } from '../plan/plan-changes.js';
import type { Plan } from '../plan/plan.js';
import type { RegistryBackend } from '../registry/backend.js';
import { describeStaleChange, findStaleChanges } from './find-stale-changes.js';
import { findStaleExclusiveKeys } from './find-stale-exclusive.js';
import { ancestorRequests } from './journal.js';
import { buildRollbackState } from './rollback-state.js';
import { describeRollbackConflict, findRollbackConflicts, rollbackReadRequests } from './rollback-conflicts.js';
import type { Journal } from './journal.js';

/** A plan with the live state it was made or checked against, ready for executePlan. */
export interface PreparedPlan {
  plan: Plan;
  live: LiveState;
}

/** Reads what the desired state needs (and the ancestors of keys it may create, for the journal), in one batch, and plans. */
export async function planDesiredState(desired: DesiredState, backend: RegistryBackend): Promise<PreparedPlan> {
  const present = desired.keys.filter((k) => k.ensure === 'present').map((k) => k.key);
  const live = new LiveState(await backend.read([...readRequestsFor(desired), ...ancestorRequests(present)]));
  return { plan: planChanges(desired, live), live };
}

/**
 * Re-reads everything a saved plan touches (whole subtrees of keys it deletes) in one batch and
 * refuses it (STALE_PLAN, naming `file` and every stale item) when any precondition no longer holds.
 */
export async function recheckSavedPlan(plan: Plan, backend: RegistryBackend, file: string): Promise<PreparedPlan> {
  const created = plan.changes.filter((c) => c.action === 'create-key').map((c) => c.key);
  const live = new LiveState(await backend.read([...readRequestsForPlan(plan), ...ancestorRequests(created)]));
  const stale = [...findStaleChanges(plan, live).map(describeStaleChange), ...findStaleExclusiveKeys(plan, live)];
  if (stale.length > 0) {
    throw RegstateError.fromDiagnostics(stale.map((s) => ({ code: 'STALE_PLAN' as const, message: `stale plan ${file}: ${s}; nothing was written, plan again` })));
  }
  return { plan, live };
}

/**
 * The plan that undoes a journaled apply. Refuses (STALE_PLAN, every conflict named) when rolling
 * back would lose a change made by someone else since, unless `force`.
 */
export async function planRollback(journal: Journal, backend: RegistryBackend, options: { force?: boolean } = {}): Promise<PreparedPlan> {
  const desired = buildRollbackState(journal);
  const live = new LiveState(await backend.read(rollbackReadRequests(journal, desired)));
  const conflicts = findRollbackConflicts(journal, live);
  if (conflicts.length > 0 && !options.force) {
    throw RegstateError.fromDiagnostics(
      conflicts.map((conflict) => ({ code: 'STALE_PLAN' as const, message: `${describeRollbackConflict(conflict)}; nothing was written (use --force to roll back anyway)` })),
    );
  }
  return { plan: planChanges(desired, live), live };
}
