import type { Diagnostic } from '../errors.js';
import type { DesiredState } from '../model/desired-state.js';
import { describeKey } from '../model/key-ref.js';

/**
 * What an export cannot carry: a .reg file and Group Policy Preferences items set and delete named
 * values only, so an exclusive key's deletion of undeclared values is lost (one warning per key, at
 * its `exclusive`).
 */
export function describeUnexported(desired: DesiredState, format: 'reg' | 'gpp'): Diagnostic[] {
  const what = format === 'reg' ? 'a .reg file' : 'Group Policy Preferences items';
  return desired.keys.flatMap((k) =>
    k.exclusive
      ? [{ code: 'EXCLUSIVE' as const, message: `key ${describeKey(k.key)} is exclusive, which ${what} cannot express: the export sets the declared values only and leaves undeclared ones in place`, source: k.exclusive.source }]
      : [],
  );
}
