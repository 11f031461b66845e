import { ancestorRequests, type Journal, parseJournal, recordPriorState } from '../../src/apply/journal.js';
import { planChanges } from '../../src/plan/plan-changes.js';
import { absent, absentKey, binary, desiredState, dword, key, liveKey, liveState, missingKey, present, presentKey, qword, sz } from '../builders.js';

const app = key('HKLM\\SOFTWARE\\App');

describe('recordPriorState', () => {
  test('values: before and after in JSON form; a deleted key: its whole subtree; a created key: the topmost missing ancestor', () => {
    const desired = desiredState(
      presentKey(app, [present('Port', dword(587)), present('Big', qword(2n ** 64n - 1n)), absent('Old')]),
      absentKey('HKLM\\SOFTWARE\\App\\Gone'),
      presentKey('HKLM\\SOFTWARE\\New\\Deep\\Deeper', [present('V', sz('x'))]),
    );
    const live = liveState(
      liveKey(app, { Port: dword(25), Old: binary(1, 2) }, ['Gone']),
      liveKey('HKLM\\SOFTWARE\\App\\Gone', { A: sz('a') }, ['Sub']),
      liveKey('HKLM\\SOFTWARE\\App\\Gone\\Sub', { B: dword(2) }),
      missingKey('HKLM\\SOFTWARE\\New\\Deep\\Deeper'),
      missingKey('HKLM\\SOFTWARE\\New\\Deep'),
      missingKey('HKLM\\SOFTWARE\\New'),
      liveKey('HKLM\\SOFTWARE'),
    );
    const prior = recordPriorState(planChanges(desired, live), live);
    expect(prior).toEqual(
      expect.arrayContaining([
        { kind: 'value', key: app, name: 'Port', before: { type: 'REG_DWORD', data: 25 }, after: { type: 'REG_DWORD', data: 587 } },
        { kind: 'value', key: app, name: 'Big', before: null, after: { type: 'REG_QWORD', data: '18446744073709551615' } },
        { kind: 'value', key: app, name: 'Old', before: { type: 'REG_BINARY', data: '0102' }, after: null },
        {
          kind: 'key',
          key: key('HKLM\\SOFTWARE\\App\\Gone'),
          existed: true,
          subtree: [
            { key: key('HKLM\\SOFTWARE\\App\\Gone'), values: [{ name: 'A', value: { type: 'REG_SZ', data: 'a' } }] },
            { key: key('HKLM\\SOFTWARE\\App\\Gone\\Sub'), values: [{ name: 'B', value: { type: 'REG_DWORD', data: 2 } }] },
          ],
        },
        { kind: 'key', key: key('HKLM\\SOFTWARE\\New'), existed: false },
      ]),
    );
  });

  test('a created key whose ancestors were not read is recorded as itself', () => {
    const desired = desiredState(presentKey('HKCU\\Software\\X\\Y'));
    const live = liveState(missingKey('HKCU\\Software\\X\\Y'));
    expect(recordPriorState(planChanges(desired, live), live)).toEqual([{ kind: 'key', key: key('HKCU\\Software\\X\\Y'), existed: false }]);
  });
});

describe('ancestorRequests', () => {
  test('every ancestor below the hive root, once, in the key view', () => {
    const requests = ancestorRequests([key('HKLM\\SOFTWARE\\A\\B', 32), key('HKLM\\SOFTWARE\\A\\C', 32), key('HKCU\\Top')]);
    expect(requests).toEqual([{ key: key('HKLM\\SOFTWARE\\A', 32) }, { key: key('HKLM\\SOFTWARE', 32) }]);
  });
});

describe('parseJournal', () => {
  const journal: Journal = {
    formatVersion: 1,
    kind: 'regstate-journal',
    command: 'apply',
    createdAt: '2026-11-28T00:00:00.000Z',
    target: { backend: 'regfile', file: '/x.reg' },
    configs: [],
    status: 'written',
    prior: [
      { kind: 'value', key: app, name: 'Port', before: null, after: { type: 'REG_DWORD', data: 1 } },
      { kind: 'key', key: key('HKLM\\SOFTWARE\\Gone'), existed: true, subtree: [{ key: key('HKLM\\SOFTWARE\\Gone'), values: [] }] },
    ],
    image: { before: { data: 'AA==', sha256: 'a'.repeat(64) }, afterSha256: null },
  };

  test('reads back what was written', () => {
    expect(parseJournal(JSON.stringify(journal), 'j.json')).toEqual(journal);
  });

  test.each([
    ['not JSON', '{'],
    ['another kind of file', JSON.stringify({ ...journal, kind: 'regstate-plan' })],
    ['a bad key', JSON.stringify({ ...journal, prior: [{ kind: 'value', key: { hive: 'HKLM', path: 'X', view: 16 }, name: 'a', before: null, after: null }] })],
    ['a bad value', JSON.stringify({ ...journal, prior: [{ kind: 'value', key: app, name: 'a', before: { type: 'REG_DWORD', data: -1 }, after: null }] })],
    ['a deleted key without its subtree', JSON.stringify({ ...journal, prior: [{ kind: 'key', key: app, existed: true }] })],
    ['an unknown item', JSON.stringify({ ...journal, prior: [{ kind: 'file', key: app }] })],
    ['a bad image hash', JSON.stringify({ ...journal, image: { before: { data: null, sha256: 'nope' } } })],
  ])('refuses %s', (_, text) => {
    expect(() => parseJournal(text, 'j.json')).toThrow(expect.objectContaining({ code: 'JOURNAL', message: expect.stringContaining('j.json') }));
  });
});
