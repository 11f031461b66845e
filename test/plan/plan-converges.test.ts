import { changeToOp } from '../../src/apply/changes-to-ops.js';
import fc from 'fast-check';
import type { DesiredKey, DesiredState, DesiredValue } from '../../src/model/desired-state.js';
import { foldName } from '../../src/model/fold-name.js';
import { type KeyRef, isWithinKey, keyId, sameKey } from '../../src/model/key-ref.js';
import { LiveState } from '../../src/model/live-state.js';
import { type RegistryValue, valuesEqual } from '../../src/model/registry-value.js';
import { MemoryBackend } from '../../src/registry/memory/memory-backend.js';
import { physicalKeyPath } from '../../src/registry/physical-key.js';
import { planChanges, readRequestsFor } from '../../src/plan/plan-changes.js';
import { at, binary, dword, expandSz, key, multiSz, none, qword, sz } from '../builders.js';

// A small universe, so that random desired and live states overlap often.
const PATHS = ['HKLM\\SOFTWARE\\T\\A', 'HKLM\\SOFTWARE\\t\\a\\B', 'HKLM\\SOFTWARE\\T\\A\\b\\D', 'HKLM\\SOFTWARE\\T\\C', 'HKCU\\Software\\T'];
const NAMES = ['', 'x', 'X', 'y'];
const VALUES: RegistryValue[] = [
  dword(0), dword(1), dword(0xffffffff), qword(2n ** 53n), qword(2n ** 53n + 1n), sz(''), sz('1'), sz('1 '), expandSz('%SystemRoot%'),
  sz('%SystemRoot%'), multiSz('a', 'b'), multiSz('b', 'a'), binary(1, 2), none(1, 2), binary(),
];

const keyRef = fc.record({ path: fc.constantFrom(...PATHS), view: fc.constantFrom<32 | 64>(32, 64) }).map(({ path, view }) => key(path, view));
const value = fc.constantFrom(...VALUES);

const desiredValue: fc.Arbitrary<DesiredValue> = fc.record({ name: fc.constantFrom(...NAMES), value: fc.option(value, { nil: undefined }) })
  .map(({ name, value: v }) => (v ? { name, ensure: 'present', value: v, source: at(1) } : { name, ensure: 'absent', source: at(1) }));

const desiredKey: fc.Arbitrary<DesiredKey> = fc.record({
  key: keyRef,
  absent: fc.boolean(),
  values: fc.uniqueArray(desiredValue, { maxLength: 4, selector: (v) => foldName(v.name) }),
}).map(({ key: k, absent, values }) => (absent ? { key: k, ensure: 'absent', values: [], source: at(1) } : { key: k, ensure: 'present', values, source: at(1) }));

// The key a view resolves to: HKCU\X is one key in both views, HKLM\SOFTWARE\X is two.
const physical = (k: KeyRef): KeyRef => ({ ...physicalKeyPath(k), view: 64 });

// A valid desired state: keys unique (as the registry resolves them), none inside a key declared
// absent (validation rejects both).
const desiredStateArb: fc.Arbitrary<DesiredState> = fc.uniqueArray(desiredKey, { maxLength: 5, selector: (k) => keyId(physical(k.key)) }).map((keys) => ({
  files: [],
  keys: keys.filter((k) => !keys.some((other) => other.ensure === 'absent' && other !== k && isWithinKey(physical(k.key), physical(other.key)))),
}));

const liveSeed = fc.array(fc.record({ key: keyRef, name: fc.option(fc.constantFrom(...NAMES), { nil: undefined }), value }), { maxLength: 12 });

/** Each declared item is unchanged or needs one change; a created key with values adds a create-key. */
function declaredItems(desired: DesiredState): number {
  return desired.keys.reduce((n, k) => n + (k.ensure === 'present' && k.values.length > 0 ? k.values.length : 1), 0);
}

/** Where the live registry differs from the desired state, checked directly (not through a plan). */
function mismatches(desired: DesiredState, live: LiveState): string[] {
  const out: string[] = [];
  for (const k of desired.keys) {
    const id = keyId(k.key);
    if (live.exists(k.key) !== (k.ensure === 'present')) out.push(`${id} should be ${k.ensure}`);
    for (const v of k.values) {
      const found = live.value(k.key, v.name)?.value;
      if (v.value ? !found || !valuesEqual(found, v.value) : found) out.push(`${id} ${v.name} should be ${v.ensure}`);
    }
  }
  return out;
}

test('applying a plan and planning again finds no changes', async () => {
  await fc.assert(
    fc.asyncProperty(desiredStateArb, liveSeed, async (desired, seeds) => {
      const backend = new MemoryBackend();
      for (const s of seeds) {
        if (s.name === undefined) backend.seedKey(s.key);
        else backend.seed(s.key, s.name, s.value);
      }
      const before = planChanges(desired, new LiveState(await backend.read(readRequestsFor(desired))));
      const keysCreatedWithValues = before.changes.filter((c) => c.action === 'create-key' && desired.keys.some((k) => sameKey(k.key, c.key) && k.values.length > 0)).length;
      expect(before.unchanged + before.changes.length - keysCreatedWithValues).toBe(declaredItems(desired));

      const outcomes = await backend.write(before.changes.map(changeToOp));
      expect(outcomes.every((o) => o.ok)).toBe(true);

      const live = new LiveState(await backend.read(readRequestsFor(desired)));
      expect(mismatches(desired, live)).toEqual([]);
      const after = planChanges(desired, live);
      expect(after).toEqual({ changes: [], unchanged: declaredItems(desired) });
    }),
    { numRuns: 300 },
  );
});
