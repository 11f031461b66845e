import type { DesiredKey, DesiredState } from '../model/desired-state.js';
import { foldName } from '../model/fold-name.js';
import type { KeyRef } from '../model/key-ref.js';
import type { LiveState } from '../model/live-state.js';
import type { SourcePos } from '../model/source-pos.js';
import { declaredKeyPaths } from '../plan/plan-undeclared.js';
import { physicalKeyId } from '../registry/physical-key.js';

/**
 * An exclusive key that exists: in the desired state when it holds nothing undeclared (values, and
 * for `exclusive: subkeys` subkeys, named `Sub\`), which is when a plan would delete nothing there.
 */
export interface ExclusiveStatus {
  kind: 'exclusive';
  key: KeyRef;
  mode: 'values' | 'subkeys';
  undeclared: string[];
  inDesiredState: boolean;
  source: SourcePos;
}

/** The status item of each exclusive key that exists, in declaration order. Pure. */
export function describeExclusiveKeys(desired: DesiredState, live: LiveState): ExclusiveStatus[] {
  const exclusive = desired.keys.filter((k): k is DesiredKey & Required<Pick<DesiredKey, 'exclusive'>> => k.ensure === 'present' && k.exclusive !== undefined);
  if (exclusive.length === 0) return [];
  const declaredPaths = declaredKeyPaths(desired);
  return exclusive.flatMap((declared): ExclusiveStatus[] => {
    const found = live.get(declared.key);
    if (!found?.exists) return [];
    const names = new Set(declared.values.map((v) => foldName(v.name)));
    const undeclared = [...found.values.map((v) => v.name), ...(found.unreadable ?? []).map((u) => u.name)].filter((n) => !names.has(foldName(n)));
    if (declared.exclusive.mode === 'subkeys') {
      for (const s of found.subkeys) if (!declaredPaths.has(physicalKeyId({ ...declared.key, path: `${declared.key.path}\\${s}` }))) undeclared.push(`${s}\\`);
    }
    return [{ kind: 'exclusive', key: declared.key, mode: declared.exclusive.mode, undeclared, inDesiredState: undeclared.length === 0, source: declared.exclusive.source }];
  });
}
