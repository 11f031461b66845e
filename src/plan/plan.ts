import type { ExclusiveMode } from '../model/desired-state.js';
import { foldName } from '../model/fold-name.js';
import type { KeyRef } from '../model/key-ref.js';
import type { RegistryValue } from '../model/registry-value.js';
import type { SourcePos } from '../model/source-pos.js';
import type { SubtreeKey } from './key-subtree.js';

export type ChangeAction = 'create-key' | 'create' | 'update' | 'delete' | 'delete-key';

/** What a key about to be deleted holds, so a reviewer sees what goes with it. */
export interface KeyContents {
  values: number;
  subkeys: number;
}

/**
 * One change. Value changes have `name`; key changes do not.
 * `before`/`after` are the value's state (null when absent); key changes have both null.
 * A delete-key records the whole subtree it saw (`subtree`, counted in `contents`): a saved plan
 * is refused as stale when the key holds anything else by the time it is applied.
 */
export type Change =
  | { action: 'create-key'; key: KeyRef; before: null; after: null; source: SourcePos }
  | { action: 'delete-key'; key: KeyRef; before: null; after: null; contents: KeyContents; subtree: SubtreeKey[]; source: SourcePos }
  | { action: 'create'; key: KeyRef; name: string; before: null; after: RegistryValue; source: SourcePos }
  | { action: 'update'; key: KeyRef; name: string; before: RegistryValue; after: RegistryValue; source: SourcePos }
  | { action: 'delete'; key: KeyRef; name: string; before: RegistryValue; after: null; source: SourcePos };

export interface PlanSummary {
  /** create-key and create changes. */
  create: number;
  update: number;
  /** delete and delete-key changes. */
  delete: number;
  /** Declared values (and keys) already in the desired state. */
  unchanged: number;
}

/** A value a managed key holds that no config declares: its data, or why it cannot be read. */
export type UndeclaredValue = { name: string; value: RegistryValue } | { name: string; unreadable: { code: string; message: string } };

/** What one managed key holds that no config declares and the plan leaves in place (never a change). */
export interface UndeclaredAtKey {
  key: KeyRef;
  values: UndeclaredValue[];
  /** Subkeys an exclusive-subkeys key keeps only because `force` let the plan leave them (they hold unreadable values). */
  subkeys: string[];
  /** Where the key is declared. */
  source: SourcePos;
}

/**
 * A key declared exclusive, as planned: the names of every value (and, for mode subkeys, every
 * subkey) it held. A saved plan is stale when the key holds a name that is not among them.
 */
export interface ExclusiveKey {
  key: KeyRef;
  mode: ExclusiveMode;
  values: string[];
  subkeys: string[];
  /** Where `exclusive` is written. */
  source: SourcePos;
}

/**
 * A user profile a per-user key (`users:`) was planned for: its keys are HKU\<sid>\... A profile whose
 * hive could not be read has `unavailable` and no changes; every other profile is planned.
 */
export interface PlanUser {
  sid: string;
  /** DOMAIN\name; absent when the SID does not translate (or the backend cannot tell). */
  account?: string;
  /** True when the user's hive was loaded (logged on); false: it is loaded from NTUSER.DAT for the run. */
  loaded: boolean;
  kind: 'user' | 'service' | 'default';
  /** Why the profile's hive could not be read (PROFILE_UNAVAILABLE): nothing is planned for it. */
  unavailable?: { code: string; message: string };
}

/** The plan: data shared by the renderers and the applier. In desired state means no changes. */
export interface Plan {
  changes: Change[];
  /** Declared items already in the desired state. */
  unchanged: number;
  /** Per managed key, the undeclared values left in place (set only when there are any; not changes). */
  undeclared?: UndeclaredAtKey[];
  /** The exclusive keys that exist on the target (set only when there are any). */
  exclusive?: ExclusiveKey[];
  /** The user profiles per-user keys were planned for, in the target's order (set only when a config has per-user keys). */
  users?: PlanUser[];
}

/** The user a key belongs to: the plan user whose HKU\<sid> holds it, if any. */
export function userOfKey(users: readonly PlanUser[] | undefined, key: KeyRef): PlanUser | undefined {
  if (!users || key.hive !== 'HKU') return undefined;
  const cut = key.path.indexOf('\\');
  const head = foldName(cut < 0 ? key.path : key.path.slice(0, cut));
  return users.find((u) => foldName(u.sid) === head);
}

/** Whether some user profile of the plan could not be read (the run then did not reach every target). */
export function hasUnavailableUsers(plan: Pick<Plan, 'users'>): boolean {
  return plan.users?.some((u) => u.unavailable !== undefined) === true;
}

export function summarizePlan(plan: Plan): PlanSummary {
  const summary: PlanSummary = { create: 0, update: 0, delete: 0, unchanged: plan.unchanged };
  for (const c of plan.changes) {
    if (c.action === 'create' || c.action === 'create-key') summary.create++;
    else if (c.action === 'update') summary.update++;
    else summary.delete++;
  }
  return summary;
}
