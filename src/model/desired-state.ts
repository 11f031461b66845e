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

/** A declared key. An absent key has no values; deleting it removes everything under it. */
export interface DesiredKey {
  key: KeyRef;
  ensure: Ensure;
  values: DesiredValue[];
  source: SourcePos;
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
