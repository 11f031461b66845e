import { type Diagnostic, RegstateError } from '../errors.js';
import type { DesiredState } from '../model/desired-state.js';
import { foldName } from '../model/fold-name.js';
import { describeKey } from '../model/key-ref.js';
import type { LiveKey } from '../model/live-state.js';
import { formatSourcePos } from '../model/source-pos.js';
import { expandUserKeys } from '../plan/expand-user-keys.js';
import { type PlanUser, userOfKey } from '../plan/plan.js';
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

// The users of the plan that PROFILE_UNAVAILABLE diagnostics name (`HKU\<sid>\...` in the message, as the
// backends report a key they cannot read); undefined when any diagnostic is about something else.
function unavailableUsers(users: PlanUser[], diagnostics: Diagnostic[]): Map<PlanUser, Diagnostic> | undefined {
  const found = new Map<PlanUser, Diagnostic>();
  for (const d of diagnostics) {
    const text = foldName(d.message);
    const user = d.code === 'PROFILE_UNAVAILABLE' ? users.find((u) => text.includes(`HKU\\${foldName(u.sid)}\\`) || text.includes(`HKU\\${foldName(u.sid)}:`)) : undefined;
    if (!user) return undefined;
    if (!found.has(user)) found.set(user, d);
  }
  return found;
}

/**
 * Reads what planning `targets` needs in one batch. When the hives of some users cannot be read
 * (PROFILE_UNAVAILABLE), those users are marked unavailable with the reason, their keys leave the
 * desired state, and the rest is read again: every other user and key goes on. Any other read
 * failure is thrown as it is.
 */
export async function readUserTargets(targets: UserTargets, backend: RegistryBackend, requestsFor: (desired: DesiredState) => ReadRequest[]): Promise<UserTargets & { live: LiveKey[] }> {
  let { desired } = targets;
  if (!targets.users) return { desired, live: await backend.read(requestsFor(desired)) };
  const users = targets.users.map((u) => ({ ...u }));
  for (;;) {
    try {
      return { desired, users, live: await backend.read(requestsFor(desired)) };
    } catch (error) {
      const failed = error instanceof RegstateError ? unavailableUsers(users, error.diagnostics) : undefined;
      // each retry leaves out at least one more user; a user already left out cannot fail again
      if (!failed || failed.size === 0 || [...failed.keys()].some((u) => u.unavailable)) throw error;
      for (const [user, d] of failed) user.unavailable = { code: d.code, message: d.message };
      const gone = new Set(failed.keys());
      desired = { files: desired.files, keys: desired.keys.filter((k) => !gone.has(userOfKey(users, k.key) as PlanUser)) };
    }
  }
}
