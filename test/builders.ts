// Small builders for desired and live states, shared by the tests.
import type { DesiredKey, DesiredState, DesiredValue } from '../src/model/desired-state.js';
import { type KeyRef, type View, splitKeyPath } from '../src/model/key-ref.js';
import { type LiveKey, LiveState } from '../src/model/live-state.js';
import type { RegistryValue } from '../src/model/registry-value.js';
import type { SourcePos } from '../src/model/source-pos.js';

export const at = (line: number, column = 5, file = 'test.yaml'): SourcePos => ({ file, line, column });

/** `key('HKLM\\SOFTWARE\\X')`, 64-bit view unless told. */
export function key(text: string, view: View = 64): KeyRef {
  const split = splitKeyPath(text);
  if (!split) throw new Error(`not a key path: ${text}`);
  return { ...split, view };
}

const toKey = (k: KeyRef | string): KeyRef => (typeof k === 'string' ? key(k) : k);

export const sz = (data: string): RegistryValue => ({ type: 'REG_SZ', data });
export const expandSz = (data: string): RegistryValue => ({ type: 'REG_EXPAND_SZ', data });
export const multiSz = (...data: string[]): RegistryValue => ({ type: 'REG_MULTI_SZ', data });
export const dword = (data: number): RegistryValue => ({ type: 'REG_DWORD', data });
export const qword = (data: bigint): RegistryValue => ({ type: 'REG_QWORD', data });
export const binary = (...bytes: number[]): RegistryValue => ({ type: 'REG_BINARY', data: new Uint8Array(bytes) });
export const none = (...bytes: number[]): RegistryValue => ({ type: 'REG_NONE', data: new Uint8Array(bytes) });

export const present = (name: string, value: RegistryValue, source = at(1)): DesiredValue => ({ name, ensure: 'present', value, source });
export const absent = (name: string, source = at(1)): DesiredValue => ({ name, ensure: 'absent', source });

export const presentKey = (k: KeyRef | string, values: DesiredValue[] = [], source = at(1)): DesiredKey => ({ key: toKey(k), ensure: 'present', values, source });
export const absentKey = (k: KeyRef | string, source = at(1)): DesiredKey => ({ key: toKey(k), ensure: 'absent', values: [], source });

export const desiredState = (...keys: DesiredKey[]): DesiredState => ({ files: [{ path: 'test.yaml', sha256: '0'.repeat(64) }], keys });

/** An existing key with its values (name → value) and direct subkey names. */
export const liveKey = (k: KeyRef | string, values: Record<string, RegistryValue> = {}, subkeys: string[] = []): LiveKey => ({
  key: toKey(k),
  exists: true,
  values: Object.entries(values).map(([name, value]) => ({ name, value })),
  subkeys,
});
export const missingKey = (k: KeyRef | string): LiveKey => ({ key: toKey(k), exists: false, values: [], subkeys: [] });

export const liveState = (...keys: LiveKey[]): LiveState => new LiveState(keys);

/** For the tests that need root (chown, a tmpfs mount): they fail, never skip, without it (CI runs as root). */
export function expectRoot(): void {
  if (process.getuid?.() !== 0) throw new Error('this test needs root (chown, mount): run it as root, as .ci/run does');
}
