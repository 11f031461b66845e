import { ancestorRequests, type Journal, parseJournal, recordPriorState } from '../../src/apply/journal.js';
import { planChanges } from '../../src/plan/plan-changes.js';
import { absent, absentKey, at, binary, desiredState, dword, key, liveKey, liveState, missingKey, present, presentKey, qword, sz } from '../builders.js';

const app = key('HKLM\\SOFTWARE\\App');

describe('recordPriorState', () => {
  test('values: before and after in JSON form; a deleted key: its whole subtree; a created key: the topmost missing ancestor with every key and value the apply creates under it; each with its config line', () => {
    const desired = desiredState(
      presentKey(app, [present('Port', dword(587), at(3)), present('Big', qword(2n ** 64n - 1n), at(4)), absent('Old', at(5))]),
      absentKey('HKLM\\SOFTWARE\\App\\Gone', at(6)),
      presentKey('HKLM\\SOFTWARE\\New\\Deep\\Deeper', [present('V', sz('x'), at(8))], at(7)),
      presentKey('HKLM\\SOFTWARE\\New\\Side', [], at(9)),
    );
    const live = liveState(
      liveKey(app, { Port: dword(25), Old: binary(1, 2) }, ['Gone']),
      liveKey('HKLM\\SOFTWARE\\App\\Gone', { A: sz('a') }, ['Sub']),
      liveKey('HKLM\\SOFTWARE\\App\\Gone\\Sub', { B: dword(2) }),
      missingKey('HKLM\\SOFTWARE\\New\\Deep\\Deeper'),
      missingKey('HKLM\\SOFTWARE\\New\\Deep'),
      missingKey('HKLM\\SOFTWARE\\New'),
      missingKey('HKLM\\SOFTWARE\\New\\Side'),
      liveKey('HKLM\\SOFTWARE'),
    );
    const prior = recordPriorState(planChanges(desired, live), live);
    expect(prior).toEqual([
      { kind: 'value', key: app, name: 'Port', before: { type: 'REG_DWORD', data: 25 }, after: { type: 'REG_DWORD', data: 587 }, source: at(3) },
      { kind: 'value', key: app, name: 'Big', before: null, after: { type: 'REG_QWORD', data: '18446744073709551615' }, source: at(4) },
      { kind: 'value', key: app, name: 'Old', before: { type: 'REG_BINARY', data: '0102' }, after: null, source: at(5) },
      {
        kind: 'key',
        key: key('HKLM\\SOFTWARE\\App\\Gone'),
        existed: true,
        subtree: [
          { key: key('HKLM\\SOFTWARE\\App\\Gone'), values: [{ name: 'A', value: { type: 'REG_SZ', data: 'a' } }] },
          { key: key('HKLM\\SOFTWARE\\App\\Gone\\Sub'), values: [{ name: 'B', value: { type: 'REG_DWORD', data: 2 } }] },
        ],
        source: at(6),
      },
      {
        kind: 'key',
        key: key('HKLM\\SOFTWARE\\New'),
        existed: false,
        subtree: [
          { key: key('HKLM\\SOFTWARE\\New\\Deep\\Deeper'), values: [{ name: 'V', value: { type: 'REG_SZ', data: 'x' } }] },
          { key: key('HKLM\\SOFTWARE\\New\\Deep'), values: [] },
          { key: key('HKLM\\SOFTWARE\\New'), values: [] },
          { key: key('HKLM\\SOFTWARE\\New\\Side'), values: [] },
        ],
        source: at(7),
      },
      { kind: 'value', key: key('HKLM\\SOFTWARE\\New\\Deep\\Deeper'), name: 'V', before: null, after: { type: 'REG_SZ', data: 'x' }, source: at(8) },
    ]);
  });

  test('a created key whose ancestors were not read is recorded as itself', () => {
    const desired = desiredState(presentKey('HKCU\\Software\\X\\Y'));
    const live = liveState(missingKey('HKCU\\Software\\X\\Y'));
    const y = key('HKCU\\Software\\X\\Y');
    expect(recordPriorState(planChanges(desired, live), live)).toEqual([{ kind: 'key', key: y, existed: false, subtree: [{ key: y, values: [] }], source: at(1) }]);
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
    formatVersion: 2,
    kind: 'regstate-journal',
    command: 'apply',
    createdAt: '2026-11-28T00:00:00.000Z',
    target: { backend: 'regfile', file: '/x.reg' },
    configs: [],
    status: 'written',
    prior: [
      { kind: 'value', key: app, name: 'Port', before: null, after: { type: 'REG_DWORD', data: 1 }, source: at(2) },
      { kind: 'key', key: key('HKLM\\SOFTWARE\\Gone'), existed: true, subtree: [{ key: key('HKLM\\SOFTWARE\\Gone'), values: [] }], source: at(3) },
      { kind: 'key', key: key('HKLM\\SOFTWARE\\Made'), existed: false, subtree: [{ key: key('HKLM\\SOFTWARE\\Made'), values: [] }], source: at(4) },
    ],
    image: { before: { data: 'AA==', sha256: 'a'.repeat(64) }, afterSha256: null },
  };

  // format 3: the image is a file beside the journal
  const journal3: Journal = { ...journal, formatVersion: 3, image: { before: { file: 'j.image', sha256: 'a'.repeat(64) }, afterSha256: null } };

  test('reads back what was written, format 2 (image inline) and format 3 (image file)', () => {
    expect(parseJournal(JSON.stringify(journal), 'j.json')).toEqual(journal);
    expect(parseJournal(JSON.stringify(journal3), 'j.json')).toEqual(journal3);
    const missing: Journal = { ...journal3, image: { before: { file: null, sha256: null } } };
    expect(parseJournal(JSON.stringify(missing), 'j.json')).toEqual(missing);
  });

  test.each([
    ['not JSON', '{'],
    ['another kind of file', JSON.stringify({ ...journal, kind: 'regstate-plan' })],
    ['a bad key', JSON.stringify({ ...journal, prior: [{ kind: 'value', key: { hive: 'HKLM', path: 'X', view: 16 }, name: 'a', before: null, after: null }] })],
    ['a bad value', JSON.stringify({ ...journal, prior: [{ kind: 'value', key: app, name: 'a', before: { type: 'REG_DWORD', data: -1 }, after: null }] })],
    ['a deleted key without its subtree', JSON.stringify({ ...journal, prior: [{ kind: 'key', key: app, existed: true, source: at(1) }] })],
    ['a created key without what it created (format 1)', JSON.stringify({ ...journal, prior: [{ kind: 'key', key: app, existed: false, source: at(1) }] })],
    ['a subtree key outside its key', JSON.stringify({ ...journal, prior: [{ kind: 'key', key: app, existed: false, subtree: [{ key: key('HKLM\\SOFTWARE\\Other'), values: [] }], source: at(1) }] })],
    ['an item without its config line', JSON.stringify({ ...journal, prior: [{ kind: 'value', key: app, name: 'a', before: null, after: null }] })],
    ['a journal of format 1', JSON.stringify({ ...journal, formatVersion: 1 })],
    ['a field that could reach a prototype', JSON.stringify(journal).replace('"target":', '"__proto__": {"polluted": true}, "target":')],
    ['an unknown item', JSON.stringify({ ...journal, prior: [{ kind: 'file', key: app }] })],
    ['a bad image hash', JSON.stringify({ ...journal, image: { before: { data: null, sha256: 'nope' } } })],
    ['a journal of format 4', JSON.stringify({ ...journal3, formatVersion: 4 })],
    ['format 3 with the image inline', JSON.stringify({ ...journal3, image: { before: { data: 'AA==', sha256: 'a'.repeat(64) } } })],
    ['format 2 with an image file', JSON.stringify({ ...journal, image: { before: { file: 'j.image', sha256: 'a'.repeat(64) } } })],
    ['an image file in another folder', JSON.stringify({ ...journal3, image: { before: { file: '../../etc/x.image', sha256: 'a'.repeat(64) } } })],
    ['an image file by a Windows path', JSON.stringify({ ...journal3, image: { before: { file: '..\\x.image', sha256: 'a'.repeat(64) } } })],
    ['an image file of another name', JSON.stringify({ ...journal3, image: { before: { file: 'registry.reg', sha256: 'a'.repeat(64) } } })],
    ['an image file without its sha256', JSON.stringify({ ...journal3, image: { before: { file: 'j.image', sha256: null } } })],
    ['a sha256 without an image file', JSON.stringify({ ...journal3, image: { before: { file: null, sha256: 'a'.repeat(64) } } })],
  ])('refuses %s', (_, text) => {
    expect(() => parseJournal(text, 'j.json')).toThrow(expect.objectContaining({ code: 'JOURNAL', message: expect.stringContaining('j.json') }));
  });
});
