import { mergeDeclarations } from '../config/merge-declarations.js';
import { RegstateError } from '../errors.js';
import type { DesiredKey, DesiredState } from '../model/desired-state.js';
import type { UserProfile } from '../model/user-profile.js';
import type { PlanUser } from './plan.js';
import { selectsProfile } from './select-profiles.js';

/** The plan's record of a profile (what the renderers show of it). */
export function toPlanUser(profile: UserProfile): PlanUser {
  const user: PlanUser = { sid: profile.sid, loaded: profile.loaded, kind: profile.kind };
  if (profile.account !== undefined) user.account = profile.account;
  return user;
}

/** The concrete key of a per-user key for one profile: HKCU\<rest> becomes HKU\<sid>\<rest> (64-bit view). */
function concreteKey(declared: DesiredKey, profile: UserProfile): DesiredKey {
  const { users: _users, ...rest } = declared;
  return { ...rest, key: { hive: 'HKU', path: `${profile.sid}\\${declared.key.path}`, view: 64 } };
}

/**
 * The desired state with every per-user key (`users:`) replaced by one key per selected profile of
 * `profiles`, under HKU\<sid>, in declaration order and, per key, in the order of `profiles`; and the
 * profiles selected by any key (`users`, in the order of `profiles`). Pure. A concrete key that is also
 * declared directly (HKU\<sid>\...) is merged with it by the config's own rules: a value declared twice
 * is a DUPLICATE, present against absent a CONFLICT (thrown, every one named).
 */
export function expandUserKeys(desired: DesiredState, profiles: readonly UserProfile[]): { desired: DesiredState; users: PlanUser[] } {
  if (!desired.keys.some((k) => k.users)) return { desired, users: [] };
  const used = new Set<UserProfile>();
  const keys: DesiredKey[] = [];
  for (const declared of desired.keys) {
    const selection = declared.users;
    if (!selection) {
      keys.push(declared);
      continue;
    }
    for (const profile of profiles) {
      if (!selectsProfile(selection, profile)) continue;
      used.add(profile);
      keys.push(concreteKey(declared, profile));
    }
  }
  const merged = mergeDeclarations(keys);
  if (merged.diagnostics.length > 0) throw RegstateError.fromDiagnostics(merged.diagnostics);
  return { desired: { files: desired.files, keys: merged.keys }, users: profiles.filter((p) => used.has(p)).map(toPlanUser) };
}
