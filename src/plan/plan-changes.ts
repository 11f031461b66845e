import { RegstateError } from '../errors.js';
import type { DesiredKey, DesiredState } from '../model/desired-state.js';
import { foldName } from '../model/fold-name.js';
import { formatKey, keyId } from '../model/key-ref.js';
import type { LiveState } from '../model/live-state.js';
import { valuesEqual } from '../model/registry-value.js';
import type { ReadRequest } from '../registry/backend.js';
import { collectSubtree, countSubtree } from './key-subtree.js';
import type { Change, ExclusiveKey, Plan, UndeclaredAtKey } from './plan.js';
import { declaredKeyPaths, planUndeclared } from './plan-undeclared.js';

/**
 * The keys a plan of `desired` needs read: every declared key, and the whole subtree of a key
 * declared absent or `exclusive: subkeys`, so the plan can say what a deletion removes (and an undo
 * journal can keep it).
 */
export function readRequestsFor(desired: DesiredState): ReadRequest[] {
  return desired.keys.map((k) => (k.ensure === 'absent' || k.exclusive?.mode === 'subkeys' ? { key: k.key, recursive: true } : { key: k.key }));
}

/**
 * The keys to re-read before applying a saved plan: each changed key once, whole subtrees of keys
 * it deletes (so the undo journal can keep them), and each exclusive key (to find what appeared since).
 */
export function readRequestsForPlan(plan: Plan): ReadRequest[] {
  const requests = new Map<string, ReadRequest>();
  for (const c of [...(plan.exclusive ?? []), ...plan.changes]) {
    const id = keyId(c.key);
    const recursive = ('action' in c && c.action === 'delete-key') || requests.get(id)?.recursive === true;
    requests.set(id, recursive ? { key: c.key, recursive } : { key: c.key });
  }
  return [...requests.values()];
}

/**
 * The changes that bring `live` to `desired`: keys in declaration order, each key's values in
 * declaration order, a created key before its values. Pure: no I/O, `live` must hold every key
 * `readRequestsFor(desired)` asks for (a key that was not read is a programming error, not a guess).
 *
 * `unchanged` counts declared items already in the desired state: each declared value (present or
 * absent) that needs nothing, each absent key that does not exist, and a present key declared without
 * values that exists (then the key itself is the declared item; a key with values is counted through
 * its values only, so a key is never counted twice).
 *
 * Each key declared present that exists has its undeclared values listed (`plan.undeclared`, never
 * changes) or, when exclusive, deleted after its declared values (see planUndeclared).
 */
export function planChanges(desired: DesiredState, live: LiveState): Plan {
  const changes: Change[] = [];
  const undeclared: UndeclaredAtKey[] = [];
  const exclusive: ExclusiveKey[] = [];
  const declaredPaths = desired.keys.some((k) => k.exclusive?.mode === 'subkeys') ? declaredKeyPaths(desired) : new Set<string>();
  let unchanged = 0;
  // keys repeat their value names (Value0, Value1, ...): each folded once a plan
  const folded = new Map<string, string>();
  const fold = (name: string): string => {
    let f = folded.get(name);
    if (f === undefined) folded.set(name, (f = foldName(name)));
    return f;
  };
  for (const declared of desired.keys) {
    if (declared.ensure === 'absent') {
      if (live.exists(declared.key)) {
        const subtree = collectSubtree(declared.key, live) ?? [];
        changes.push({ action: 'delete-key', key: declared.key, before: null, after: null, contents: countSubtree(subtree), subtree, source: declared.source });
      } else unchanged++;
      continue;
    }
    const found = live.lookup(declared.key);
    unchanged += planPresentKey(declared, found, live, changes, fold);
    const extra = planUndeclared(declared, live, declaredPaths, found.live, fold);
    for (const c of extra.changes) changes.push(c);
    if (extra.undeclared) undeclared.push(extra.undeclared);
    if (extra.exclusive) exclusive.push(extra.exclusive);
  }
  const plan: Plan = { changes, unchanged };
  if (undeclared.length > 0) plan.undeclared = undeclared;
  if (exclusive.length > 0) plan.exclusive = exclusive;
  return plan;
}

/** Appends the changes of one key declared present; returns how many of its items need nothing. */
function planPresentKey(
  declared: DesiredKey,
  found: ReturnType<LiveState['lookup']>,
  live: LiveState,
  changes: Change[],
  fold: (name: string) => string,
): number {
  const { key } = declared;
  const exists = found.live.exists;
  let unchanged = 0;
  if (!exists) changes.push({ action: 'create-key', key, before: null, after: null, source: declared.source });
  else if (declared.values.length === 0) unchanged++;
  // the key is looked up once for all its values
  const liveValues = found.values;
  const hasUnreadable = exists && (found.live.unreadable?.length ?? 0) > 0;
  for (const v of declared.values) {
    // A value that exists but cannot be read can be neither compared nor restored: refuse to plan it.
    const unreadable = hasUnreadable ? live.unreadable(key, v.name) : undefined;
    if (unreadable) throw new RegstateError('UNSUPPORTED_KIND', `${formatKey(key)}\\${v.name} is declared but cannot be read (${unreadable.message}); regstate cannot compare or restore it`);
    const current = exists ? liveValues.get(fold(v.name))?.value : undefined;
    if (v.ensure === 'absent') {
      if (current) changes.push({ action: 'delete', key, name: v.name, before: current, after: null, source: v.source });
      else unchanged++;
      continue;
    }
    const after = v.value;
    if (!after) throw new Error(`value declared present without data: ${formatKey(key)}\\${v.name}`);
    if (!current) changes.push({ action: 'create', key, name: v.name, before: null, after, source: v.source });
    else if (valuesEqual(current, after)) unchanged++;
    else changes.push({ action: 'update', key, name: v.name, before: current, after, source: v.source });
  }
  return unchanged;
}
