import fc from 'fast-check';
import { changeToOp } from '../../src/apply/changes-to-ops.js';
import type { DesiredKey, DesiredState, DesiredValue } from '../../src/model/desired-state.js';
import { foldName } from '../../src/model/fold-name.js';
import { type KeyRef, isWithinKey, keyId, sameKey } from '../../src/model/key-ref.js';
import { LiveState } from '../../src/model/live-state.js';
import type { RegistryValue } from '../../src/model/registry-value.js';
import { planChanges, readRequestsFor } from '../../src/plan/plan-changes.js';
import { declaredKeyPaths } from '../../src/plan/plan-undeclared.js';
import { MemoryBackend } from '../../src/registry/memory/memory-backend.js';
import { physicalKeyId, physicalKeyPath } from '../../src/registry/physical-key.js';
import { at, dword, key, multiSz, sz } from '../builders.js';

// A small universe of nested keys, so exclusive keys often hold declared and undeclared subkeys.
const PATHS = ['HKLM\\SOFTWARE\\T\\A', 'HKLM\\SOFTWARE\\T\\A\\B', 'HKLM\\SOFTWARE\\t\\a\\b\\C', 'HKLM\\SOFTWARE\\T\\A\\D', 'HKCU\\Software\\T', 'HKCU\\Software\\T\\E'];
const NAMES = ['', 'x', 'X', 'y', 'z'];
const VALUES: RegistryValue[] = [dword(0), dword(1), sz(''), sz('1'), multiSz('a', 'b')];

const keyRef = fc.record({ path: fc.constantFrom(...PATHS), view: fc.constantFrom<32 | 64>(32, 64) }).map(({ path, view }) => key(path, view));
const value = fc.constantFrom(...VALUES);

const desiredValue: fc.Arbitrary<DesiredValue> = fc.record({ name: fc.constantFrom(...NAMES), value: fc.option(value, { nil: undefined }) })
  .map(({ name, value: v }) => (v ? { name, ensure: 'present', value: v, source: at(2) } : { name, ensure: 'absent', source: at(2) }));

const desiredKey: fc.Arbitrary<DesiredKey> = fc.record({
  key: keyRef,
  absent: fc.boolean(),
  exclusive: fc.constantFrom<'values' | 'subkeys' | undefined>('values', 'subkeys', undefined),
  values: fc.uniqueArray(desiredValue, { maxLength: 3, selector: (v) => foldName(v.name) }),
}).map(({ key: k, absent, exclusive, values }): DesiredKey => {
  if (absent) return { key: k, ensure: 'absent', values: [], source: at(1) };
  const base: DesiredKey = { key: k, ensure: 'present', values, source: at(1), undeclared: 'show' };
  return exclusive ? { ...base, exclusive: { mode: exclusive, maxUndeclared: 1000, force: false, source: at(3) } } : base;
});

const physical = (k: KeyRef): KeyRef => ({ ...physicalKeyPath(k), view: 64 });

// Valid desired states: keys unique as the registry resolves them, none inside a key declared absent.
const desiredStateArb: fc.Arbitrary<DesiredState> = fc.uniqueArray(desiredKey, { minLength: 1, maxLength: 4, selector: (k) => keyId(physical(k.key)) }).map((keys) => ({
  files: [],
  keys: keys.filter((k) => !keys.some((other) => other.ensure === 'absent' && other !== k && isWithinKey(physical(k.key), physical(other.key)))),
}));

const liveSeed = fc.array(fc.record({ key: keyRef, name: fc.option(fc.constantFrom(...NAMES), { nil: undefined }), value }), { maxLength: 14 });

test('after applying a plan with exclusive keys, the next plan is empty and those keys hold only what is declared', async () => {
  await fc.assert(
    fc.asyncProperty(desiredStateArb, liveSeed, async (desired, seeds) => {
      const backend = new MemoryBackend();
      for (const s of seeds) {
        if (s.name === undefined) backend.seedKey(s.key);
        else backend.seed(s.key, s.name, s.value);
      }
      const before = planChanges(desired, new LiveState(await backend.read(readRequestsFor(desired))));
      expect((await backend.write(before.changes.map(changeToOp))).every((o) => o.ok)).toBe(true);

      const live = new LiveState(await backend.read(readRequestsFor(desired)));
      const after = planChanges(desired, live);
      expect(after.changes).toEqual([]);
      const declaredPaths = declaredKeyPaths(desired);
      for (const k of desired.keys.filter((d) => d.exclusive)) {
        expect(after.undeclared?.some((u) => sameKey(u.key, k.key)) ?? false).toBe(false);
        const found = live.get(k.key);
        const declaredNames = new Set(k.values.filter((v) => v.ensure === 'present').map((v) => foldName(v.name)));
        expect(found?.values.map((v) => foldName(v.name)).filter((n) => !declaredNames.has(n))).toEqual([]);
        if (k.exclusive?.mode === 'subkeys') {
          expect(found?.subkeys.filter((s) => !declaredPaths.has(physicalKeyId({ ...k.key, path: `${k.key.path}\\${s}` })))).toEqual([]);
        }
      }
    }),
    { numRuns: 300 },
  );
});
