import { type Diagnostic, RegstateError } from '../errors.js';
import type { DesiredState } from '../model/desired-state.js';
import { type KeyRef, describeKey } from '../model/key-ref.js';
import type { LiveKey } from '../model/live-state.js';
import { formatSourcePos } from '../model/source-pos.js';
import { expandUserKeys } from '../plan/expand-user-keys.js';
import { type Plan, type PlanUser, userOfKey } from '../plan/plan.js';
import type { ReadRequest, RegistryBackend } from '../registry/backend.js';

/** A desired state whose per-user keys are concrete HKU keys, and the users they are for (undefined: no per-user keys). */
export interface UserTargets {
  desired: DesiredState;
  users?: PlanUser[];
}

/**
 * Expands the per-user keys of `desired` over the target's profiles (listProfiles, called once and only
 * when some key has `users`). A backend that cannot list profiles refuses them (USAGE, naming each key).
 */
export async function expandForTarget(desired: DesiredState, backend: RegistryBackend): Promise<UserTargets> {
  const perUser = desired.keys.filter((k) => k.users);
  if (perUser.length === 0) return { desired };
  if (!backend.listProfiles) {
    throw RegstateError.fromDiagnostics(
      perUser.map((k) => ({
        code: 'USAGE' as const,
        message: `key ${describeKey(k.key)} applies to every user (users at ${formatSourcePos(k.users?.source ?? k.source)}), but the ${backend.target.backend} backend cannot list the user profiles of its target`,
        source: k.users?.source ?? k.source,
      })),
    );
  }
  return expandUserKeys(desired, await backend.listProfiles());
}

// The users of the plan that PROFILE_UNAVAILABLE diagnostics are about (the key a backend's read names);
// undefined when any diagnostic is about something else.
function unavailableUsers(users: PlanUser[], diagnostics: Diagnostic[]): Map<PlanUser, Diagnostic> | undefined {
  const found = new Map<PlanUser, Diagnostic>();
  for (const d of diagnostics) {
    const user = d.code === 'PROFILE_UNAVAILABLE' && d.key ? userOfKey(users, d.key) : undefined;
    if (!user) return undefined;
    if (!found.has(user)) found.set(user, d);
  }
  return found;
}

/**
 * Reads `requestsFor(users)` in one batch. When the hives of some users cannot be read
 * (PROFILE_UNAVAILABLE), those users are marked unavailable with the reason (in `users`, which is
 * changed) and the rest is read again without them: every other user and key goes on. Any other
 * read failure is thrown as it is.
 */
async function readAroundUnavailable(users: PlanUser[], backend: RegistryBackend, requestsFor: () => ReadRequest[]): Promise<LiveKey[]> {
  for (;;) {
    try {
      return await backend.read(requestsFor());
    } catch (error) {
      const failed = error instanceof RegstateError ? unavailableUsers(users, error.diagnostics) : undefined;
      // each retry leaves out at least one more user; a user already left out cannot fail again
      if (!failed || failed.size === 0 || [...failed.keys()].some((u) => u.unavailable)) throw error;
      for (const [user, d] of failed) user.unavailable = { code: d.code, message: d.message };
    }
  }
}

// Whether a key belongs to a user marked unavailable.
const isUnreached = (users: readonly PlanUser[], key: KeyRef): boolean => userOfKey(users, key)?.unavailable !== undefined;

/**
 * Reads what planning `targets` needs in one batch; a user whose hive cannot be read is marked
 * unavailable and its keys leave the desired state (see readAroundUnavailable).
 */
export async function readUserTargets(targets: UserTargets, backend: RegistryBackend, requestsFor: (desired: DesiredState) => ReadRequest[]): Promise<UserTargets & { live: LiveKey[] }> {
  if (!targets.users) return { desired: targets.desired, live: await backend.read(requestsFor(targets.desired)) };
  const users = targets.users.map((u) => ({ ...u }));
  const reached = () => ({ files: targets.desired.files, keys: targets.desired.keys.filter((k) => !isUnreached(users, k.key)) });
  const live = await readAroundUnavailable(users, backend, () => requestsFor(reached()));
  return { desired: reached(), users, live };
}

/**
 * Reads what re-checking a saved plan needs in one batch. A user of the plan whose hive cannot be read
 * now is marked unavailable and its changes leave the plan (nothing is written for it); the others go on.
 */
export async function readSavedPlanTargets(plan: Plan, backend: RegistryBackend, requestsFor: (plan: Plan) => ReadRequest[]): Promise<{ plan: Plan; live: LiveKey[] }> {
  if (!plan.users || plan.users.length === 0) return { plan, live: await backend.read(requestsFor(plan)) };
  const users = plan.users.map((u) => ({ ...u }));
  const reached = (): Plan => ({
    ...plan,
    changes: plan.changes.filter((c) => !isUnreached(users, c.key)),
    ...(plan.exclusive ? { exclusive: plan.exclusive.filter((e) => !isUnreached(users, e.key)) } : {}),
    users,
  });
  const live = await readAroundUnavailable(users, backend, () => requestsFor(reached()));
  return { plan: reached(), live };
}
