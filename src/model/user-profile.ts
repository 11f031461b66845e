/**
 * A user profile of the target machine, as its ProfileList lists it: the unit a per-user key
 * (`users:` on an HKCU key) is planned and applied for. Its values live under `HKU\<sid>`; the
 * agent loads the profile's NTUSER.DAT for the request when the user is not logged on.
 */
export interface UserProfile {
  /** The SID (`S-1-5-21-...`), or DEFAULT_PROFILE_SID for the default profile (new users). */
  sid: string;
  /** `DOMAIN\name` when the SID translates to an account; absent when it does not (a deleted account). */
  account?: string;
  /** ProfileImagePath with environment variables expanded. */
  profilePath?: string;
  /** True when the profile's hive is loaded under HKU\<sid> (the user is logged on). */
  loaded: boolean;
  /** `user`: S-1-5-21-* and S-1-12-1-* accounts; `service`: LocalSystem, LocalService, NetworkService and others; `default`: the default profile. */
  kind: 'user' | 'service' | 'default';
}

/**
 * The key name under HKU that stands for the default profile (whose NTUSER.DAT new users' hives are
 * copied from). Not a SID and not a key Windows creates: the agent loads that profile's hive for it.
 */
export const DEFAULT_PROFILE_SID = '<Default>';

const SID = /^S-1-\d+(-\d+)+$/i;

/**
 * Whether a ProfileList subkey or HKU key name is a SID (`S-1-5-21-...`): not a left-over such as
 * `S-1-5-21-...-1001.bak`, which Windows keeps after a damaged profile and no user logs on to.
 */
export function isSid(name: string): boolean {
  return SID.test(name);
}
