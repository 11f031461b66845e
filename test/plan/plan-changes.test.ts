import type { DesiredKey } from '../../src/model/desired-state.js';
import type { LiveKey } from '../../src/model/live-state.js';
import type { RegistryValue } from '../../src/model/registry-value.js';
import { planChanges, readRequestsFor } from '../../src/plan/plan-changes.js';
import { type Change, summarizePlan } from '../../src/plan/plan.js';
import {
  absent, absentKey, at, binary, desiredState, dword, expandSz, key, liveKey, liveState, missingKey, multiSz, none, present, presentKey, qword, sz,
} from '../builders.js';

const AGPM = 'HKLM\\SOFTWARE\\Microsoft\\AGPM';
const K = key(AGPM);
const src = at(7);

/** One declared value against one live value (undefined = absent), in an existing key. */
const valueCases: [string, RegistryValue, RegistryValue | undefined, Change['action'] | 'unchanged'][] = [
  ['missing value is created', dword(1), undefined, 'create'],
  ['different DWORD is updated', dword(1), dword(0), 'update'],
  ['equal DWORD is unchanged', dword(1), dword(1), 'unchanged'],
  ['DWORD 0xFFFFFFFF equal', dword(0xffffffff), dword(4294967295), 'unchanged'],
  ['DWORD 0xFFFFFFFF vs 0xFFFFFFFE', dword(0xffffffff), dword(0xfffffffe), 'update'],
  ['retype SZ "1" to DWORD 1', dword(1), sz('1'), 'update'],
  ['retype DWORD 1 to QWORD 1', qword(1n), dword(1), 'update'],
  ['retype BINARY to NONE with the same bytes', none(1, 2), binary(1, 2), 'update'],
  ['QWORD 2^53 vs 2^53+1 differ', qword(2n ** 53n + 1n), qword(2n ** 53n), 'update'],
  ['QWORD 2^64-1 equal', qword(2n ** 64n - 1n), qword(18446744073709551615n), 'unchanged'],
  ['EXPAND_SZ compared unexpanded', expandSz('%SystemRoot%\\temp'), expandSz('C:\\Windows\\temp'), 'update'],
  ['EXPAND_SZ equal unexpanded', expandSz('%SystemRoot%'), expandSz('%SystemRoot%'), 'unchanged'],
  ['SZ vs EXPAND_SZ with equal text', expandSz('%TEMP%'), sz('%TEMP%'), 'update'],
  ['string data is case-sensitive', sz('Value'), sz('value'), 'update'],
  ['trailing space matters', sz('x'), sz('x '), 'update'],
  ['MULTI_SZ order matters', multiSz('a', 'b'), multiSz('b', 'a'), 'update'],
  ['MULTI_SZ equal', multiSz('a', 'b'), multiSz('a', 'b'), 'unchanged'],
  ['MULTI_SZ extra empty item matters', multiSz('a'), multiSz('a', ''), 'update'],
  ['BINARY compared by bytes', binary(0, 255), binary(0, 255), 'unchanged'],
  ['BINARY differing byte', binary(0, 255), binary(0, 254), 'update'],
  ['BINARY differing length', binary(0), binary(0, 0), 'update'],
];

describe('planChanges: one present value in an existing key', () => {
  test.each(valueCases)('%s', (_name, declared, current, expected) => {
    const desired = desiredState(presentKey(K, [present('V', declared, src)]));
    const live = liveState(liveKey(K, current ? { V: current } : {}));
    const plan = planChanges(desired, live);
    if (expected === 'unchanged') {
      expect(plan).toEqual({ changes: [], unchanged: 1 });
      return;
    }
    expect(plan).toEqual({ changes: [{ action: expected, key: K, name: 'V', before: current ?? null, after: declared, source: src }], unchanged: 0 });
  });
});

describe('planChanges: tables of whole states', () => {
  const k32 = key(AGPM, 32);
  const rows: [string, DesiredKey[], LiveKey[], Change[], number][] = [
    ['absent value that exists is deleted', [presentKey(K, [absent('Old', src)])], [liveKey(K, { Old: sz('x') })], [{ action: 'delete', key: K, name: 'Old', before: sz('x'), after: null, source: src }], 0],
    ['absent value that does not exist is unchanged', [presentKey(K, [absent('Old', src)])], [liveKey(K, { Other: sz('x') })], [], 1],
    ['absent value in a missing key is unchanged (the key is created)', [presentKey(K, [absent('Old', src)], at(2))], [missingKey(K)], [{ action: 'create-key', key: K, before: null, after: null, source: at(2) }], 1],
    [
      'missing key: create-key, then its values in declaration order',
      [presentKey(K, [present('B', dword(2), at(4)), present('A', dword(1), at(5))], at(3))],
      [missingKey(K)],
      [
        { action: 'create-key', key: K, before: null, after: null, source: at(3) },
        { action: 'create', key: K, name: 'B', before: null, after: dword(2), source: at(4) },
        { action: 'create', key: K, name: 'A', before: null, after: dword(1), source: at(5) },
      ],
      0,
    ],
    ['present key without values that exists is one unchanged item', [presentKey(K)], [liveKey(K, { X: sz('') })], [], 1],
    ['present key without values that is missing is created', [presentKey(K, [], at(9))], [missingKey(K)], [{ action: 'create-key', key: K, before: null, after: null, source: at(9) }], 0],
    ['key with values counts its values only', [presentKey(K, [present('A', dword(1)), present('B', dword(2))])], [liveKey(K, { A: dword(1), B: dword(2) })], [], 2],
    ['declared absent key that is missing is unchanged', [absentKey(K)], [missingKey(K)], [], 1],
    [
      'declared absent key is deleted with the count of its whole subtree',
      [absentKey(K, at(8))],
      [liveKey(K, { A: dword(1), B: sz('x') }, ['Sub']), liveKey(`${AGPM}\\Sub`, { C: dword(3) }, ['Deeper', 'Empty']), liveKey(`${AGPM}\\Sub\\Deeper`, { D: binary(1) }), liveKey(`${AGPM}\\Sub\\Empty`)],
      [
        {
          action: 'delete-key', key: K, before: null, after: null, contents: { values: 4, subkeys: 3 }, source: at(8),
          subtree: [
            { path: '', values: [{ name: 'A', value: dword(1) }, { name: 'B', value: sz('x') }] },
            { path: 'Sub', values: [{ name: 'C', value: dword(3) }] },
            { path: 'Sub\\Empty', values: [] },
            { path: 'Sub\\Deeper', values: [{ name: 'D', value: binary(1) }] },
          ],
        },
      ],
      0,
    ],
    ['empty declared absent key is deleted with no contents', [absentKey(K, at(8))], [liveKey(K)], [{ action: 'delete-key', key: K, before: null, after: null, contents: { values: 0, subkeys: 0 }, subtree: [{ path: '', values: [] }], source: at(8) }], 0],
    [
      'names compare case-insensitively; the change keeps the declared name and key',
      [presentKey(key('hklm\\software\\microsoft\\agpm'), [present('encryptsmtp', dword(1), src), present('SMTPPORT', dword(587))])],
      [liveKey(K, { EncryptSmtp: dword(0), SmtpPort: dword(587) })],
      [{ action: 'update', key: key('hklm\\software\\microsoft\\agpm'), name: 'encryptsmtp', before: dword(0), after: dword(1), source: src }],
      1,
    ],
    ['default value (name \'\') is a value like any other', [presentKey(K, [present('', sz('on'), src)])], [liveKey(K, { '': sz('off') })], [{ action: 'update', key: K, name: '', before: sz('off'), after: sz('on'), source: src }], 0],
    ['default value is not a value named (Default)', [presentKey(K, [present('', sz('on'), src)])], [liveKey(K, { '(Default)': sz('on') })], [{ action: 'create', key: K, name: '', before: null, after: sz('on'), source: src }], 0],
    [
      'the 32-bit and 64-bit views of one path are different keys',
      [presentKey(k32, [present('V', dword(1), src)]), presentKey(K, [present('V', dword(1))])],
      [liveKey(k32, { V: dword(0) }), liveKey(K, { V: dword(1) })],
      [{ action: 'update', key: k32, name: 'V', before: dword(0), after: dword(1), source: src }],
      1,
    ],
    [
      'keys in declaration order, each with its values',
      [presentKey('HKCU\\B', [present('x', dword(1), at(2))], at(1)), presentKey('HKCU\\A', [present('y', dword(2), at(4))], at(3))],
      [missingKey('HKCU\\B'), liveKey('HKCU\\A')],
      [
        { action: 'create-key', key: key('HKCU\\B'), before: null, after: null, source: at(1) },
        { action: 'create', key: key('HKCU\\B'), name: 'x', before: null, after: dword(1), source: at(2) },
        { action: 'create', key: key('HKCU\\A'), name: 'y', before: null, after: dword(2), source: at(4) },
      ],
      0,
    ],
  ];

  test.each(rows)('%s', (_name, keys, liveKeys, changes, unchanged) => {
    expect(planChanges(desiredState(...keys), liveState(...liveKeys))).toEqual({ changes, unchanged });
  });
});

describe('planChanges: the whole AGPM example', () => {
  test('drift on one value, a missing one, an unchanged one and a stale one', () => {
    const desired = desiredState(
      presentKey(K, [present('EncryptSmtp', dword(1), at(12)), present('SmtpPort', dword(587), at(16)), present('Server', sz('mail'), at(20)), absent('Legacy', at(24))]),
      absentKey('HKLM\\SOFTWARE\\Microsoft\\AGPM\\Old'),
    );
    const live = liveState(liveKey(K, { encryptsmtp: dword(0), Server: sz('mail'), LEGACY: dword(5) }), missingKey('HKLM\\SOFTWARE\\Microsoft\\AGPM\\Old'));
    const plan = planChanges(desired, live);
    expect(plan.changes.map((c) => [c.action, 'name' in c ? c.name : null])).toEqual([
      ['update', 'EncryptSmtp'],
      ['create', 'SmtpPort'],
      ['delete', 'Legacy'],
    ]);
    expect(summarizePlan(plan)).toEqual({ create: 1, update: 1, delete: 1, unchanged: 2 });
  });

  test('a key that was not read is an error, not a guess', () => {
    expect(() => planChanges(desiredState(presentKey(K)), liveState())).toThrow(/not read/);
    // a deleted key's subtree must come from a recursive read
    expect(() => planChanges(desiredState(absentKey(K)), liveState(liveKey(K, {}, ['Sub'])))).toThrow(/not read/);
  });
});

describe('readRequestsFor', () => {
  test('every declared key, recursive for keys declared absent', () => {
    const desired = desiredState(presentKey(K, [absent('x')]), absentKey('HKCU\\Gone'), presentKey(key(AGPM, 32)));
    expect(readRequestsFor(desired)).toEqual([{ key: K }, { key: key('HKCU\\Gone'), recursive: true }, { key: key(AGPM, 32) }]);
  });
});

describe('purity', () => {
  test('planChanges and everything it imports use no node: module and no package', async () => {
    const { readFile } = await import('node:fs/promises');
    const { dirname, resolve } = await import('node:path');
    const seen = new Set<string>();
    const foreign: string[] = [];
    const visit = async (file: string): Promise<void> => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = await readFile(file, 'utf8');
      for (const [, spec] of text.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'/gm)) {
        if (!spec) continue;
        if (spec.startsWith('.')) await visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
        else foreign.push(`${file}: ${spec}`);
      }
    };
    await visit(resolve('src/plan/plan-changes.ts'));
    expect(seen.size).toBeGreaterThan(3);
    expect(foreign).toEqual([]);
  });
});

describe('planChanges: values that exist but cannot be read', () => {
  const withLink = (): LiveKey => ({ ...liveKey(K, { V: dword(1) }), unreadable: [{ name: 'Link', code: 'UNSUPPORTED_KIND', message: 'REG_LINK' }] });

  test('an undeclared unreadable value is left alone', () => {
    expect(planChanges(desiredState(presentKey(K, [present('V', dword(1))])), liveState(withLink())).changes).toEqual([]);
  });

  test.each([
    ['present', present('link', dword(2))],
    ['absent', absent('LINK')],
  ])('a declared (%s) unreadable value is refused, never planned as absent', (_label, declared) => {
    expect(() => planChanges(desiredState(presentKey(K, [declared])), liveState(withLink()))).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_KIND' }));
  });

  test('deleting a key that holds an unreadable value is refused: no journal could restore it', () => {
    expect(() => planChanges(desiredState(absentKey(K)), liveState(withLink()))).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_KIND', message: expect.stringContaining('Link') }));
  });
});
