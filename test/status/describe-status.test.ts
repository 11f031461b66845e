import fc from 'fast-check';
import type { DesiredKey, DesiredState } from '../../src/model/desired-state.js';
import type { LiveKey } from '../../src/model/live-state.js';
import { planChanges } from '../../src/plan/plan-changes.js';
import { describeStatus } from '../../src/status/describe-status.js';
import { absent, absentKey, at, desiredState, dword, key, liveKey, liveState, missingKey, present, presentKey, sz } from '../builders.js';

const K = key('HKLM\\SOFTWARE\\Microsoft\\AGPM');

describe('describeStatus', () => {
  test.each<[string, DesiredKey[], LiveKey[], { kind?: string; name?: string; current?: unknown; desired?: unknown; exists?: boolean; inDesiredState: boolean }[]]>([
    ['value with the desired data', [presentKey(K, [present('A', dword(1))])], [liveKey(K, { A: dword(1) })], [{ name: 'A', current: dword(1), desired: dword(1), inDesiredState: true }]],
    ['value with other data', [presentKey(K, [present('A', dword(1))])], [liveKey(K, { A: dword(0) })], [{ name: 'A', current: dword(0), desired: dword(1), inDesiredState: false }]],
    ['same data, other type', [presentKey(K, [present('A', dword(1))])], [liveKey(K, { A: sz('1') })], [{ current: sz('1'), inDesiredState: false }]],
    ['missing value', [presentKey(K, [present('A', dword(1))])], [liveKey(K)], [{ current: null, desired: dword(1), inDesiredState: false }]],
    ['value under a missing key: the key, then the value', [presentKey(K, [present('A', dword(1))])], [missingKey(K)], [{ kind: 'key', exists: false, inDesiredState: false }, { name: 'A', current: null, inDesiredState: false }]],
    ['absent value that exists', [presentKey(K, [absent('Old')])], [liveKey(K, { old: sz('x') })], [{ name: 'Old', current: sz('x'), desired: null, inDesiredState: false }]],
    ['absent value that does not exist', [presentKey(K, [absent('Old')])], [liveKey(K)], [{ current: null, desired: null, inDesiredState: true }]],
    ['absent value under a missing key that is declared present', [presentKey(K, [absent('Old')])], [missingKey(K)], [{ exists: false, inDesiredState: false }, { name: 'Old', inDesiredState: true }]],
    ['absent key that exists', [absentKey(K)], [liveKey(K)], [{ exists: true, inDesiredState: false }]],
    ['absent key that does not exist', [absentKey(K)], [missingKey(K)], [{ exists: false, inDesiredState: true }]],
    ['present key without values that exists', [presentKey(K)], [liveKey(K)], [{ exists: true, inDesiredState: true }]],
    ['present key without values that does not exist', [presentKey(K)], [missingKey(K)], [{ exists: false, inDesiredState: false }]],
  ])('%s', (_name, keys, live, expected) => {
    const status = describeStatus(desiredState(...keys), liveState(...live));
    expect(status.items).toMatchObject(expected);
    expect(status.inDesiredState).toBe(expected.every((e) => e.inDesiredState));
  });

  test('every declared item in declaration order, each with its source', () => {
    const other = key('HKCU\\Software\\Other');
    const status = describeStatus(
      desiredState(presentKey(K, [present('EncryptSmtp', dword(1), at(13)), present('SmtpPort', dword(587), at(18))]), absentKey(other, at(20))),
      liveState(liveKey(K, { EncryptSmtp: dword(0) }), missingKey(other)),
    );
    expect(status.items.map((i) => [i.kind, i.kind === 'value' ? i.name : null, i.source.line, i.inDesiredState])).toEqual([
      ['value', 'EncryptSmtp', 13, false],
      ['value', 'SmtpPort', 18, false],
      ['key', null, 20, true],
    ]);
  });

  test('agrees with planChanges: in desired state exactly when the plan is empty, items in it = unchanged', () => {
    const names = fc.constantFrom('A', 'a', 'B', '');
    const data = fc.option(fc.oneof(fc.integer({ min: 0, max: 2 }).map(dword), fc.constantFrom('1', 'x').map(sz)), { nil: undefined });
    const keyName = fc.constantFrom('HKLM\\SOFTWARE\\X', 'HKLM\\SOFTWARE\\Y');
    const declared = fc.tuple(keyName, fc.boolean(), fc.uniqueArray(fc.tuple(names, data), { maxLength: 3, selector: ([n]) => n.toLowerCase() }));
    const liveOf = fc.tuple(keyName, fc.boolean(), fc.dictionary(names, fc.oneof(fc.integer({ min: 0, max: 2 }).map(dword), fc.constantFrom('1', 'x').map(sz)), { maxKeys: 3 }));
    fc.assert(
      fc.property(fc.uniqueArray(declared, { maxLength: 2, selector: ([k]) => k }), fc.uniqueArray(liveOf, { maxLength: 2, selector: ([k]) => k }), (keys, lives) => {
        const desired: DesiredState = desiredState(
          ...keys.map(([path, gone, values]) => (gone ? absentKey(path) : presentKey(path, values.map(([n, d]) => (d ? present(n, d) : absent(n)))))),
        );
        const live = liveState(
          ...['HKLM\\SOFTWARE\\X', 'HKLM\\SOFTWARE\\Y'].map((path) => {
            const found = lives.find(([k]) => k === path);
            return found && found[1] ? liveKey(path, found[2], []) : missingKey(path);
          }),
        );
        const status = describeStatus(desired, live);
        const plan = planChanges(desired, live);
        expect(status.inDesiredState).toBe(plan.changes.length === 0);
        expect(status.items.filter((i) => i.inDesiredState).length).toBe(plan.unchanged);
      }),
      { numRuns: 300 * Number(process.env.REGSTATE_PROPERTY_RUNS ?? 1) },
    );
  });
});
