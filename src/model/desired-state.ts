import type { KeyRef } from './key-ref.js';
import type { RegistryValue } from './registry-value.js';
import type { SourcePos } from './source-pos.js';

export type Ensure = 'present' | 'absent';

/** A declared value. `value` is set exactly when ensure is present; name '' is the key's default value. */
export interface DesiredValue {
  name: string;
  ensure: Ensure;
  value?: RegistryValue;
  source: SourcePos;
}

/** `exclusive: true` deletes a key's undeclared values; `exclusive: subkeys` its undeclared subkeys too. */
export type ExclusiveMode = 'values' | 'subkeys';

/** How a key declared exclusive is kept: what goes, and the guard against deleting too much. */
export interface ExclusiveOption {
  mode: ExclusiveMode;
  /** Refuse a plan deleting more undeclared values and subkeys than this at the key (unless force). */
  maxUndeclared: number;
  /** Lifts maxUndeclared and lets a plan leave unreadable undeclared values in place instead of refusing. */
  force: boolean;
  /** Where `exclusive` is written. */
  source: SourcePos;
}

/** The default of `maxUndeclared`. */
export const DEFAULT_MAX_UNDECLARED = 50;

/**
 * `users:` on an HKCU key: the key stands for the same key in every selected user profile
 * (HKU\<sid>\...). Patterns are globs (`*`, `?`), case-insensitive, matched against the SID and
 * the account name; service profiles are selected only by an include pattern that is exactly their SID.
 */
export interface UserSelection {
  /** Absent: every profile of kind user (`users: all`, or a mapping without include). */
  include?: string[];
  exclude: string[];
  /** Also the default profile (the hive new users start from). */
  defaultProfile: boolean;
  /** Where `users` is written. */
  source: SourcePos;
}

/** A declared key. An absent key has no values; deleting it removes everything under it. */
export interface DesiredKey {
  key: KeyRef;
  ensure: Ensure;
  values: DesiredValue[];
  source: SourcePos;
  /**
   * Whether a plan lists the values the key holds that no config declares: 'show' (what a config
   * file gets unless it says `undeclared: ignore`); absent lists nothing (a rollback's state).
   */
  undeclared?: 'show' | 'ignore';
  /** Set when the key must hold only what is declared. */
  exclusive?: ExclusiveOption;
  /** Set on an HKCU key that applies to every selected user profile; expanded at plan time into HKU keys. */
  users?: UserSelection;
}

/** One configuration file that went into a desired state. */
export interface ConfigFile {
  path: string;
  /** sha256 of the file's bytes, lowercase hex. */
  sha256: string;
  description?: string;
}

/** Validated, merged desired state of one or more files. Keys are unique by keyId. */
export interface DesiredState {
  files: ConfigFile[];
  keys: DesiredKey[];
}
