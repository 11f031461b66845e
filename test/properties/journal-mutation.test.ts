import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { type Journal, recordPriorState } from '../../src/apply/journal.js';
import { parseJournal } from '../../src/apply/parse-journal.js';
import { planRollback } from '../../src/apply/prepare-plan.js';
import { describeTarget } from '../../src/cli/open-backend.js';
import { RegstateError } from '../../src/errors.js';
import { planChanges } from '../../src/plan/plan-changes.js';
import { MemoryBackend } from '../../src/registry/memory/memory-backend.js';
import { absent, absentKey, at, binary, desiredState, dword, key, liveKey, liveState, missingKey, present, presentKey, qword, sz } from '../builders.js';
import { runs } from './arbitraries.js';
import { type Json, applyJsonEdit, jsonEdit } from './json-mutation.js';

// A journal is input like a saved plan: whatever a hand edit, a cut-short write or an attacker does
// to it, reading it either gives a journal that a rollback can work with (it names a target, plans
// against a registry, and reads back as itself) or refuses it with a JOURNAL error naming the file,
// before anything is read or written; never a crash, never a polluted prototype.

function validJournal(): Journal {
  const app = key('HKLM\\SOFTWARE\\App');
  const desired = desiredState(
    presentKey(app, [present('Port', dword(587), at(3)), present('Big', qword(2n ** 64n - 1n), at(4)), absent('Old', at(5))]),
    absentKey('HKLM\\SOFTWARE\\App\\Gone', at(6)),
    presentKey('HKLM\\SOFTWARE\\New\\Deep', [present('V', sz('x'), at(8))], at(7)),
  );
  const live = liveState(
    liveKey(app, { Port: dword(25), Old: binary(1, 2) }, ['Gone']),
    liveKey('HKLM\\SOFTWARE\\App\\Gone', { A: sz('a') }, ['Sub']),
    liveKey('HKLM\\SOFTWARE\\App\\Gone\\Sub', { B: dword(2) }),
    missingKey('HKLM\\SOFTWARE\\New\\Deep'),
    missingKey('HKLM\\SOFTWARE\\New'),
    liveKey('HKLM\\SOFTWARE'),
  );
  const bytes = Buffer.from('Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\App]\r\n"Port"=dword:00000019\r\n', 'utf16le');
  return {
    formatVersion: 2,
    kind: 'regstate-journal',
    command: 'apply',
    createdAt: '2026-12-02T10:00:00.000Z',
    target: { backend: 'regfile', file: '/srv/exports/app.reg' },
    configs: [{ path: 'app.yaml', sha256: 'c'.repeat(64) }],
    status: 'written',
    prior: recordPriorState(planChanges(desired, live), live),
    outcomes: [{ ok: true }, { ok: false, code: 'ACCESS_DENIED', message: 'denied' }],
    image: { before: { data: bytes.toString('base64'), sha256: createHash('sha256').update(bytes).digest('hex') }, afterSha256: 'e'.repeat(64) },
  };
}

// the journal format's own words and their near misses, and values of its fields' types
const edit = jsonEdit(
  ['HKLM', 'HKXX', 'HKEY_LOCAL_MACHINE', 'SOFTWARE\\App', 'SOFTWARE\\App\\', 'SOFTWARE\\\\App', 'SOFTWARE\\Other', 'a\u0000b', '\u001b[2J', 'REG_OTHER', 'REG_DWORD', 'key', 'value', 'regfile', 'powershell', 'finished', 'rollback', '', 'AA==', 'not base64'],
  [null, true, -1, 0, 32, 64, 4294967296, 1.5, [], {}, { type: 'REG_DWORD', data: 1 }, { backend: 'memory', name: 'm' }],
);

function expectRefused(error: unknown): void {
  if (!(error instanceof RegstateError)) throw error;
  expect(error.code).toBe('JOURNAL');
  expect(error.diagnostics.length).toBeGreaterThan(0);
  for (const d of error.diagnostics) expect(`${d.source?.file ?? ''} ${d.message}`).toMatch(/edited\.json/);
}

function expectPrototypeClean(): void {
  expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  expect(Object.keys(Object.prototype)).toEqual([]);
}

describe('journals under mutation', () => {
  test('the unedited journal reads back as itself', () => {
    const journal = validJournal();
    expect(parseJournal(JSON.stringify(journal, null, 2), 'edited.json')).toEqual(journal);
  });

  test('any edit is either a journal a rollback can work with, or a JOURNAL error naming the file; nothing reaches a prototype', async () => {
    let accepted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 3 }), async (edits) => {
        const doc = edits.reduce(applyJsonEdit, JSON.parse(JSON.stringify(validJournal())) as Json);
        const text = JSON.stringify(doc, null, 2);
        let journal: Journal;
        try {
          journal = parseJournal(text, 'edited.json');
        } catch (error) {
          expectRefused(error);
          refused++;
          expectPrototypeClean();
          return;
        }
        accepted++;
        // accepted: the rollback's own steps work with it (a RegstateError such as a conflict is a fine answer)
        expect(typeof describeTarget(journal.target)).toBe('string');
        expect(parseJournal(JSON.stringify(journal), 'again.json')).toEqual(journal);
        try {
          await planRollback(journal, new MemoryBackend(), { force: true });
        } catch (error) {
          if (!(error instanceof RegstateError)) throw error;
        }
        expectPrototypeClean();
      }),
      { numRuns: runs(300) },
    );
    expect(accepted).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(accepted / 10);
  });

  test('a journal cut short anywhere is refused, with the place', () => {
    const text = JSON.stringify(validJournal(), null, 2);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: text.lastIndexOf('}') }), (length) => {
        try {
          parseJournal(text.slice(0, length), 'edited.json');
        } catch (error) {
          expectRefused(error);
          return;
        }
        throw new Error(`a journal cut at ${length} of ${text.length} characters was accepted`);
      }),
      { numRuns: runs(200) },
    );
  });
});
