import type { DesiredKey, DesiredState, Ensure } from '../model/desired-state.js';
import type { KeyRef } from '../model/key-ref.js';
import type { LiveState } from '../model/live-state.js';
import { type RegistryValue, valuesEqual } from '../model/registry-value.js';
import type { SourcePos } from '../model/source-pos.js';
import { type ExclusiveStatus, describeExclusiveKeys } from './describe-exclusive-status.js';

/** One declared value: what the registry holds, what the config asks (null: absent). */
export interface ValueStatus {
  kind: 'value';
  key: KeyRef;
  name: string;
  ensure: Ensure;
  current: RegistryValue | null;
  desired: RegistryValue | null;
  inDesiredState: boolean;
  source: SourcePos;
}

/** A key declared absent, or present without values, or present but missing: the key itself is an item. */
export interface KeyStatus {
  kind: 'key';
  key: KeyRef;
  ensure: Ensure;
  exists: boolean;
  inDesiredState: boolean;
  source: SourcePos;
}

export type ItemStatus = ValueStatus | KeyStatus | ExclusiveStatus;

/** Every declared item with its current and desired state, in declaration order. */
export interface Status {
  items: ItemStatus[];
  /** True when every item is: then a plan has no changes. */
  inDesiredState: boolean;
}

function describeKey(declared: DesiredKey, live: LiveState): ItemStatus[] {
  const exists = live.exists(declared.key);
  if (declared.ensure === 'absent' || declared.values.length === 0) {
    const inDesiredState = exists === (declared.ensure === 'present');
    return [{ kind: 'key', key: declared.key, ensure: declared.ensure, exists, inDesiredState, source: declared.source }];
  }
  // A present key that is missing is out of the desired state even when its values are all declared absent.
  const missing: ItemStatus[] = exists ? [] : [{ kind: 'key', key: declared.key, ensure: 'present', exists, inDesiredState: false, source: declared.source }];
  return missing.concat(declared.values.map((v): ValueStatus => {
    const current = exists ? (live.value(declared.key, v.name)?.value ?? null) : null;
    const desired = v.ensure === 'absent' ? null : (v.value ?? null);
    // A present value in a key that does not exist is not there yet, whatever its data.
    const inDesiredState = desired === null ? current === null : current !== null && valuesEqual(current, desired);
    return { kind: 'value', key: declared.key, name: v.name, ensure: v.ensure, current, desired, inDesiredState, source: v.source };
  }));
}

/**
 * The DSC-style status of `desired` against `live` (which must hold every key `readRequestsFor(desired)`
 * asks for): each declared value, each key declared absent or without values, then each exclusive
 * key that exists (whether it holds anything undeclared). Pure, no I/O.
 */
export function describeStatus(desired: DesiredState, live: LiveState): Status {
  const items: ItemStatus[] = [...desired.keys.flatMap((k) => describeKey(k, live)), ...describeExclusiveKeys(desired, live)];
  return { items, inDesiredState: items.every((i) => i.inDesiredState) };
}
