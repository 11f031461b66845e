import type { Diagnostic } from '../errors.js';
import type { DesiredState } from '../model/desired-state.js';
import { describeKey } from '../model/key-ref.js';

/**
 * What an export cannot carry: a .reg file and Group Policy Preferences items set and delete named
 * values only, so an exclusive key's deletion of undeclared values is lost (one warning per key, at
 * its `exclusive`); and they cannot select user profiles, so a per-user key is exported as HKCU (at its `users`).
 */
export function describeUnexported(desired: DesiredState, format: 'reg' | 'gpp'): Diagnostic[] {
  const what = format === 'reg' ? 'a .reg file' : 'Group Policy Preferences items';
  return desired.keys.flatMap((k) => [
    ...(k.exclusive
      ? [{ code: 'EXCLUSIVE' as const, message: `key ${describeKey(k.key)} is exclusive, which ${what} cannot express: the export sets the declared values only and leaves undeclared ones in place`, source: k.exclusive.source }]
      : []),
    // an export writes the key as HKCU: imported or applied, it reaches only the user who imports it or logs on
    ...(k.users
      ? [{ code: 'USERS' as const, message: `key ${describeKey(k.key)} applies to every selected user profile, which ${what} cannot express: the export writes it as HKCU, for the user who imports it or to whom the items apply`, source: k.users.source }]
      : []),
  ]);
}
