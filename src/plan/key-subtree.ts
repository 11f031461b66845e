import { RegstateError } from '../errors.js';
import { foldName } from '../model/fold-name.js';
import { type KeyRef, formatKey } from '../model/key-ref.js';
import type { LiveState, LiveValue } from '../model/live-state.js';
import { valuesEqual } from '../model/registry-value.js';
import type { KeyContents } from './plan.js';

/** One key of a subtree: its path below the subtree's root ('' for the root itself) and its values. */
export interface SubtreeKey {
  path: string;
  values: LiveValue[];
}

/**
 * Everything under an existing key (itself included), walked through a recursive read; undefined
 * when the key does not exist. A key below it that was not read is a programming error, not a guess.
 */
export function collectSubtree(root: KeyRef, live: LiveState): SubtreeKey[] | undefined {
  if (!live.get(root)?.exists) return undefined;
  const subtree: SubtreeKey[] = [];
  const pending: string[] = [''];
  for (let rel = pending.pop(); rel !== undefined; rel = pending.pop()) {
    const key = { ...root, path: rel === '' ? root.path : `${root.path}\\${rel}` };
    const found = live.get(key);
    if (!found) throw new Error(`key not read (the read of a key to delete must be recursive): ${formatKey(key)}`);
    if (!found.exists) continue;
    // A value regstate cannot read cannot be journaled either: deleting it could never be undone.
    if (found.unreadable?.length) {
      const names = found.unreadable.map((u) => (u.name === '' ? '(Default)' : u.name)).join(', ');
      throw new RegstateError('UNSUPPORTED_KIND', `${formatKey(key)} holds values regstate cannot read (${names}): deleting it would lose them beyond any rollback; delete them by hand first`);
    }
    subtree.push({ path: rel, values: found.values.map((v) => ({ name: v.name, value: v.value })) });
    for (const name of found.subkeys) pending.push(rel === '' ? name : `${rel}\\${name}`);
  }
  return subtree;
}

/** Values and descendant keys of a subtree. */
export function countSubtree(subtree: readonly SubtreeKey[]): KeyContents {
  return { values: subtree.reduce((n, k) => n + k.values.length, 0), subkeys: Math.max(0, subtree.length - 1) };
}

/** The same keys holding the same values (names compared as Windows does, data exactly). */
export function sameSubtree(a: readonly SubtreeKey[], b: readonly SubtreeKey[]): boolean {
  if (a.length !== b.length) return false;
  const index = new Map(a.map((k) => [foldName(k.path), new Map(k.values.map((v) => [foldName(v.name), v.value]))]));
  if (index.size !== a.length) return false;
  return b.every((k) => {
    const values = index.get(foldName(k.path));
    if (!values || values.size !== k.values.length) return false;
    return k.values.every((v) => {
      const other = values.get(foldName(v.name));
      return other !== undefined && valuesEqual(other, v.value);
    });
  });
}
