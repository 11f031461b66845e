import fc from 'fast-check';
import { ancestorRequests, type Journal, recordPriorState } from '../../src/apply/journal.js';
import { keyId, parentKey } from '../../src/model/key-ref.js';
import { parseJournal } from '../../src/apply/parse-journal.js';
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

  test('random keys: the ancestors of each key, whatever keys shared them first, in any case', () => {
    const component = fc.constantFrom('a', 'A', 'b', 'Sub', 'SUB', 'x');
    const keyRef = fc.record({ view: fc.constantFrom(32 as const, 64 as const), parts: fc.array(component, { minLength: 1, maxLength: 5 }) }).map(({ view, parts }) => key(`HKLM\\${parts.join('\\')}`, view));
    fc.assert(
      fc.property(fc.array(keyRef, { maxLength: 12 }), (keys) => {
        const expected = new Set<string>();
        for (const k of keys) for (let a = parentKey(k); a && a.path !== ''; a = parentKey(a)) expected.add(keyId(a));
        const got = ancestorRequests(keys).map((r) => keyId(r.key));
        expect(got.length).toBe(new Set(got).size);
        expect(new Set(got)).toEqual(expected);
      }),
      { numRuns: 500 },
    );
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
    // the sha256 of the one byte 00
    image: { before: { data: 'AA==', sha256: '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d' }, afterSha256: null },
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

  // Each refused at the line and column of what is wrong (the journal as the apply writes it, one field a line).
  const pretty = (j: unknown) => JSON.stringify(j, null, 2);
  const lineOf = (text: string, needle: string) => text.slice(0, text.indexOf(needle)).split('\n').length;
  const edits: [string, string, string, RegExp, number?][] = [
    ['a duplicate key (JSON.parse would keep the last)', pretty(journal).replace('"status": "written",', '"status": "written",\n  "status": "finished",'), '"status": "finished"', /the key "status" appears twice in one object/],
    ['a duplicate key spelled with an escape', pretty(journal).replace('"command": "apply",', '"command": "apply",\n  "\\u0063ommand": "rollback",'), '"\\u0063ommand"', /the key "command" appears twice/],
    ['a target that is not one', pretty({ ...journal, target: null }), '"target"', /target: must name a valid target/],
    ['a status it never writes', pretty({ ...journal, status: 'done' }), '"status"', /status: must be "started", "written" or "finished"/],
    ['a command it never runs', pretty({ ...journal, command: 'rm' }), '"command"', /command: must be "apply" or "rollback"/],
    ['a field it never writes', pretty({ ...journal, extra: 1 }), '"extra"', /extra: is not a field of a journal/],
    ['configs without their sha256', pretty({ ...journal, configs: [{ path: 'a.yaml', sha256: 'nope' }] }), '"nope"', /configs\[0\]\.sha256: must be 64 lowercase hex digits/],
    ['an unknown hive', pretty({ ...journal, prior: [{ ...journal.prior[0], key: { hive: 'HKXX', path: 'SOFTWARE', view: 64 } }] }), '"path": "SOFTWARE"', /unknown hive "HKXX"/],
    ['a hive root', pretty({ ...journal, prior: [{ ...journal.prior[0], key: { hive: 'HKLM', path: '', view: 64 } }] }), '"path": ""', /is a hive root/],
    ['a value recorded twice', pretty({ ...journal, prior: [journal.prior[0], { ...journal.prior[0], source: at(9) }] }), '},\n    {', /records an item recorded before it/, 1],
    ['a value item that records no change', pretty({ ...journal, prior: [{ ...journal.prior[0], before: null, after: null }] }), '"prior"', /records no change/, 1],
    ['a deleted key whose subtree leaves out the key itself', pretty({ ...journal, prior: [{ kind: 'key', key: app, existed: true, subtree: [{ key: key('HKLM\\SOFTWARE\\App\\Sub'), values: [] }], source: at(3) }] }), '"subtree"', /subtree: must record the key itself/],
    ['a write outcome it never writes', pretty({ ...journal, outcomes: [{ ok: 'yes' }] }), '"outcomes"', /outcomes\[0\]: must be \{ok: true\}/, 1],
    ['an image whose data was changed', pretty({ ...journal, image: { before: { data: 'AQ==', sha256: (journal.image as NonNullable<Journal['image']>).before.sha256 }, afterSha256: null } }), '"AQ=="', /image\.before\.data: does not match its sha256/],
    ['an image cut short', pretty({ ...journal, image: { before: { data: 'AA=', sha256: (journal.image as NonNullable<Journal['image']>).before.sha256 } } }), '"AA="', /image\.before\.data: must be base64/],
  ];
  test.each(edits)('refuses %s at its line', (_, text, needle, message, below = 0) => {
    let error: unknown;
    try {
      parseJournal(text, 'j.json');
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'JOURNAL', source: { file: 'j.json', line: lineOf(text, needle) + below } });
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toMatch(/^j\.json:\d+:\d+: not a usable regstate journal: /);
  });

  test('a journal cut short is refused at the place it ends', () => {
    const text = pretty(journal);
    const cut = text.slice(0, text.indexOf('"prior"') + 20);
    expect(() => parseJournal(cut, 'j.json')).toThrow(expect.objectContaining({ code: 'JOURNAL', source: expect.objectContaining({ file: 'j.json' }) }));
  });
});
