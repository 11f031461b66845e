import fc from 'fast-check';
import { checkValueData } from '../../src/model/check-value.js';
import type { DesiredKey, DesiredState, DesiredValue } from '../../src/model/desired-state.js';
import { foldName } from '../../src/model/fold-name.js';
import { type KeyRef, isWithinKey, keyId } from '../../src/model/key-ref.js';
import type { RegistryValue } from '../../src/model/registry-value.js';
import type { WriteOp } from '../../src/registry/backend.js';
import { physicalKeyPath } from '../../src/registry/physical-key.js';
import { at, key } from '../builders.js';

/** How many runs a property makes: REGSTATE_PROPERTY_RUNS scales them all (default 1 = the counts given). */
export function runs(base: number): number {
  const scale = Number(process.env.REGSTATE_PROPERTY_RUNS ?? '1');
  return Math.max(1, Math.round(base * (Number.isFinite(scale) && scale > 0 ? scale : 1)));
}

// Whole code points only: a lone surrogate cannot be stored in a UTF-16 .reg file or sent as UTF-8 JSON.
const text = fc.string({ unit: 'grapheme', maxLength: 12 });
const bytes = fc.uint8Array({ maxLength: 24 });

/** Any value of a writable kind, edges included. */
export const registryValue: fc.Arbitrary<RegistryValue> = fc.oneof(
  text.map((data): RegistryValue => ({ type: 'REG_SZ', data })),
  text.map((data): RegistryValue => ({ type: 'REG_EXPAND_SZ', data: `%X%${data}` })),
  fc.array(text.filter((s) => s !== '' && !s.includes('\0')), { maxLength: 3 }).map((data): RegistryValue => ({ type: 'REG_MULTI_SZ', data })),
  fc.oneof(fc.constantFrom(0, 0xffffffff, 0x80000000), fc.integer({ min: 0, max: 0xffffffff })).map((data): RegistryValue => ({ type: 'REG_DWORD', data })),
  fc.oneof(fc.constantFrom(0n, 2n ** 53n + 1n, 2n ** 64n - 1n, 2n ** 63n), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })).map((data): RegistryValue => ({ type: 'REG_QWORD', data })),
  bytes.map((data): RegistryValue => ({ type: 'REG_BINARY', data })),
  bytes.map((data): RegistryValue => ({ type: 'REG_NONE', data })),
);

// Names from a small set (so desired and live overlap), with case variants and hostile characters.
const NAMES = ['', 'a', 'A', 'b', 'with space', 'quote"back\\slash', '$(x)', '=eq', 'ünï'];
const PATHS = ['HKLM\\SOFTWARE\\P\\A', 'HKLM\\SOFTWARE\\p\\a\\B', 'HKLM\\SOFTWARE\\P\\A\\b\\C', 'HKLM\\SOFTWARE\\P\\D', 'HKCU\\Software\\P\\E'];

const keyRef: fc.Arbitrary<KeyRef> = fc.record({ path: fc.constantFrom(...PATHS), view: fc.constantFrom<32 | 64>(32, 64) }).map(({ path, view }) => key(path, view));

/** A live registry as the ops that seed it (into an empty backend). */
export const liveOps: fc.Arbitrary<WriteOp[]> = fc
  .array(fc.record({ key: keyRef, name: fc.option(fc.constantFrom(...NAMES), { nil: undefined }), value: registryValue }), { maxLength: 10 })
  .map((items) => items.map((i): WriteOp => (i.name === undefined ? { op: 'create-key', key: i.key } : { op: 'set-value', key: i.key, name: i.name, value: i.value })));

// a config refuses what the registry cannot keep exactly (a NUL in string data)
const declarableValue = registryValue.filter((v) => checkValueData(v).length === 0);

const desiredValue: fc.Arbitrary<DesiredValue> = fc
  .record({ name: fc.constantFrom(...NAMES), value: fc.option(declarableValue, { nil: undefined }) })
  .map(({ name, value }) => (value ? { name, ensure: 'present', value, source: at(1) } : { name, ensure: 'absent', source: at(1) }));

const desiredKey: fc.Arbitrary<DesiredKey> = fc
  .record({ key: keyRef, absent: fc.boolean(), values: fc.uniqueArray(desiredValue, { maxLength: 4, selector: (v) => foldName(v.name) }) })
  .map(({ key: k, absent, values }) => (absent ? { key: k, ensure: 'absent', values: [], source: at(1) } : { key: k, ensure: 'present', values, source: at(1) }));

const physical = (k: KeyRef): KeyRef => ({ ...physicalKeyPath(k), view: 64 });

/** A valid desired state: keys unique as the registry resolves them, none inside a key declared absent. */
export const desiredState: fc.Arbitrary<DesiredState> = fc
  .uniqueArray(desiredKey, { maxLength: 5, selector: (k) => keyId(physical(k.key)) })
  .map((keys) => ({ files: [], keys: keys.filter((k) => !keys.some((o) => o.ensure === 'absent' && o !== k && isWithinKey(physical(k.key), physical(o.key)))) }));
