import { RegstateError } from '../errors.js';
import type { DesiredKey, DesiredState, ExclusiveOption } from '../model/desired-state.js';
import { foldName } from '../model/fold-name.js';
import { type KeyRef, formatKey, parentKey } from '../model/key-ref.js';
import type { LiveKey, LiveState } from '../model/live-state.js';
import { physicalKeyId } from '../registry/physical-key.js';
import { collectSubtree, countSubtree } from './key-subtree.js';
import type { Change, ExclusiveKey, UndeclaredAtKey, UndeclaredValue } from './plan.js';

/** What a plan does with the undeclared contents of one key: deletions, what it lists, the exclusive record. */
export interface UndeclaredPlan {
  changes: Change[];
  undeclared?: UndeclaredAtKey;
  exclusive?: ExclusiveKey;
}

/**
 * The physical identities of every declared key and of every key on the way to it: the subkeys an
 * `exclusive: subkeys` key keeps (a subkey holding a declared key is declared, whatever view).
 */
export function declaredKeyPaths(desired: DesiredState): Set<string> {
  const ids = new Set<string>();
  for (const declared of desired.keys) {
    for (let up: KeyRef | undefined = declared.key; up && up.path !== ''; up = parentKey(up)) ids.add(physicalKeyId(up));
  }
  return ids;
}

function displayName(name: string): string {
  return name === '' ? '(Default)' : JSON.stringify(name);
}

// The values the key holds that no config declares, readable ones first in the order read.
function undeclaredValues(found: LiveKey, declared: Set<string>, fold: (name: string) => string): UndeclaredValue[] {
  const values: UndeclaredValue[] = [];
  for (const v of found.values) if (!declared.has(fold(v.name))) values.push({ name: v.name, value: v.value });
  for (const u of found.unreadable ?? []) {
    if (!declared.has(fold(u.name))) values.push({ name: u.name, unreadable: { code: u.code, message: u.message } });
  }
  return values;
}

function childKey(key: KeyRef, name: string): KeyRef {
  return { ...key, path: `${key.path}\\${name}` };
}

/**
 * The undeclared contents of one key declared present that exists: listed (`undeclared: show`), or,
 * for an exclusive key, deleted as ordinary changes (whole subtrees for undeclared subkeys, recorded
 * like any delete-key). Pure. Refuses, at the config line of `exclusive`, to delete more than
 * maxUndeclared items or values it cannot read (nothing could restore them), unless `force`; forced,
 * unreadable values and subkeys holding them are left in place and listed.
 */
export function planUndeclared(
  declared: DesiredKey,
  live: LiveState,
  declaredPaths: ReadonlySet<string>,
  found: LiveKey | undefined = live.get(declared.key),
  fold: (name: string) => string = foldName,
): UndeclaredPlan {
  const { key, exclusive } = declared;
  if (declared.ensure !== 'present' || !found?.exists || (!exclusive && declared.undeclared !== 'show')) return { changes: [] };
  const names = new Set<string>();
  for (const v of declared.values) names.add(fold(v.name));
  const values = undeclaredValues(found, names, fold);
  if (!exclusive) return values.length > 0 ? { changes: [], undeclared: { key, values, subkeys: [], source: declared.source } } : { changes: [] };

  const unreadable = values.filter((v) => 'unreadable' in v);
  if (unreadable.length > 0 && !exclusive.force) {
    const names = unreadable.map((v) => displayName(v.name)).join(', ');
    throw refusal('UNSUPPORTED_KIND', exclusive, `key ${formatKey(key)} is exclusive but holds undeclared values regstate cannot read (${names}): deleting them could never be undone; delete them by hand, declare them, or set force: true to leave them in place`);
  }
  const changes: Change[] = [];
  for (const v of values) {
    if ('value' in v) changes.push({ action: 'delete', key, name: v.name, before: v.value, after: null, source: exclusive.source });
  }
  const keptSubkeys: string[] = [];
  if (exclusive.mode === 'subkeys') {
    for (const name of found.subkeys) {
      const child = childKey(key, name);
      if (declaredPaths.has(physicalKeyId(child))) continue;
      const subtree = subtreeOrUnreadable(child, live, exclusive);
      if (subtree) changes.push({ action: 'delete-key', key: child, before: null, after: null, contents: countSubtree(subtree), subtree, source: exclusive.source });
      else keptSubkeys.push(name);
    }
  }
  if (changes.length > exclusive.maxUndeclared && !exclusive.force) {
    throw refusal('UNDECLARED_LIMIT', exclusive, `key ${formatKey(key)} is exclusive and holds ${changes.length} undeclared ${exclusive.mode === 'subkeys' ? 'values and subkeys' : 'values'} to delete, more than maxUndeclared ${exclusive.maxUndeclared}: nothing was written; declare them, raise maxUndeclared, or set force: true`);
  }
  const record: ExclusiveKey = {
    key,
    mode: exclusive.mode,
    values: [...found.values.map((v) => v.name), ...(found.unreadable ?? []).map((u) => u.name)],
    subkeys: exclusive.mode === 'subkeys' ? [...found.subkeys] : [],
    source: exclusive.source,
  };
  const left = unreadable.length > 0 || keptSubkeys.length > 0 ? { key, values: unreadable, subkeys: keptSubkeys, source: declared.source } : undefined;
  return left ? { changes, undeclared: left, exclusive: record } : { changes, exclusive: record };
}

// The subtree of an undeclared subkey to delete; undefined (keep it) when it holds unreadable values and force allows that.
function subtreeOrUnreadable(child: KeyRef, live: LiveState, exclusive: ExclusiveOption) {
  try {
    return collectSubtree(child, live) ?? [];
  } catch (e) {
    if (!(e instanceof RegstateError) || e.code !== 'UNSUPPORTED_KIND') throw e;
    if (exclusive.force) return undefined;
    throw refusal('UNSUPPORTED_KIND', exclusive, `exclusive would delete the undeclared subkey ${formatKey(child)}, but ${e.message.replace(/; delete them by hand first$/, '')}; delete it by hand, declare it, or set force: true to leave it in place`);
  }
}

function refusal(code: 'UNSUPPORTED_KIND' | 'UNDECLARED_LIMIT', exclusive: ExclusiveOption, message: string): RegstateError {
  return new RegstateError(code, message, { source: exclusive.source });
}
