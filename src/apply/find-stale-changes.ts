import type { LiveState } from '../model/live-state.js';
import type { RegistryValue } from '../model/registry-value.js';
import { formatKeyContents } from '../plan/describe-plan.js';
import { formatValue } from '../plan/format-data.js';
import { collectSubtree, countSubtree } from '../plan/key-subtree.js';
import type { Change, KeyContents, Plan } from '../plan/plan.js';
import { describeChangeTarget, isStale, valueNow } from './check-change.js';

/** A planned change whose `before` no longer holds, with what the registry holds now. */
export interface StaleChange {
  change: Change;
  now: RegistryValue | null;
  keyExists: boolean;
  /** For a key to delete that still exists: what it holds now. */
  contentsNow?: KeyContents;
}

/** The changes whose precondition the live state no longer meets; empty when the plan still holds. */
export function findStaleChanges(plan: Plan, live: LiveState): StaleChange[] {
  const stale: StaleChange[] = [];
  for (const change of plan.changes) {
    if (!isStale(change, live)) continue;
    const now = 'name' in change ? valueNow(change, live) : null;
    const keyExists = live.get(change.key)?.exists ?? false;
    const subtree = change.action === 'delete-key' ? collectSubtree(change.key, live) : undefined;
    stale.push(subtree ? { change, now, keyExists, contentsNow: countSubtree(subtree) } : { change, now, keyExists });
  }
  return stale;
}

/** One line: what the change saw when planned and what the registry holds now. */
export function describeStaleChange({ change, now, keyExists, contentsNow }: StaleChange): string {
  let was: string;
  let is: string;
  if (change.action === 'delete-key') {
    was = `present (${formatKeyContents(change.contents)})`;
    is = !keyExists ? 'the key is missing' : contentsNow && formatKeyContents(contentsNow) !== formatKeyContents(change.contents) ? `it holds ${formatKeyContents(contentsNow)}` : 'its values or subkeys changed';
  } else if (change.action === 'create-key') {
    was = 'missing';
    is = 'the key exists';
  } else {
    was = change.before ? formatValue(change.before) : 'absent';
    is = now ? `it is now ${formatValue(now)}` : 'it is now absent';
  }
  return `${describeChangeTarget(change)} was ${was} when planned, but ${is}`;
}
