import { RegstateError } from '../errors.js';
import type { DesiredState } from '../model/desired-state.js';
import { LiveState } from '../model/live-state.js';
import { planChanges, readRequestsFor, readRequestsForPlan } from '../plan/plan-changes.js';
import type { Plan } from '../plan/plan.js';
import type { RegistryBackend } from '../registry/backend.js';
import { describeStaleChange, findStaleChanges } from './find-stale-changes.js';
import { findStaleExclusiveKeys } from './find-stale-exclusive.js';
import { ancestorRequests } from './journal.js';
import { expandForTarget, readSavedPlanTargets, readUserTargets } from './plan-users.js';
import { buildRollbackState } from './rollback-state.js';
import { describeRollbackConflict, findRollbackConflicts, rollbackReadRequests } from './rollback-conflicts.js';
import type { Journal } from './journal.js';

/** A plan with the live state it was made or checked against, ready for executePlan. */
export interface PreparedPlan {
  plan: Plan;
  live: LiveState;
}

/**
 * Reads what the desired state needs (and, unless `ancestors` is false, the ancestors of keys it may
 * create, for the journal), in one batch, and plans. Per-user keys are first expanded over the target's
 * profiles (expandForTarget); a user whose hive cannot be read is recorded in `plan.users` as unavailable
 * and not planned, every other user is (readUserTargets).
 */
export async function planDesiredState(desired: DesiredState, backend: RegistryBackend, options: { ancestors?: boolean } = {}): Promise<PreparedPlan> {
  const requestsFor = (d: DesiredState) => {
    if (options.ancestors === false) return readRequestsFor(d);
    const present = d.keys.filter((k) => k.ensure === 'present').map((k) => k.key);
    return [...readRequestsFor(d), ...ancestorRequests(present)];
  };
  const read = await readUserTargets(await expandForTarget(desired, backend), backend, requestsFor);
  const live = new LiveState(read.live);
  const plan = planChanges(read.desired, live);
  if (read.users) plan.users = read.users;
  return { plan, live };
}

/**
 * Re-reads everything a saved plan touches (whole subtrees of keys it deletes) in one batch (leaving out,
 * with the reason, the changes of a user whose hive cannot be read now: readSavedPlanTargets) and
 * refuses it (STALE_PLAN, naming `file` and every stale item) when any precondition no longer holds.
 */
export async function recheckSavedPlan(saved: Plan, backend: RegistryBackend, file: string): Promise<PreparedPlan> {
  const requestsFor = (p: Plan) => [...readRequestsForPlan(p), ...ancestorRequests(p.changes.filter((c) => c.action === 'create-key').map((c) => c.key))];
  // a user of the plan whose hive cannot be read now is left out with the reason; the others go on
  const read = await readSavedPlanTargets(saved, backend, requestsFor);
  const { plan } = read;
  const live = new LiveState(read.live);
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
