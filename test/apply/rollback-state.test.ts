import { applyPlan } from '../../src/apply/apply-plan.js';
import { ancestorRequests, type Journal, recordPriorState } from '../../src/apply/journal.js';
import { buildRollbackState, findRollbackConflicts } from '../../src/apply/rollback-state.js';
import type { KeyRef } from '../../src/model/key-ref.js';
import { LiveState } from '../../src/model/live-state.js';
import { planChanges, readRequestsFor } from '../../src/plan/plan-changes.js';
import type { DesiredState } from '../../src/model/desired-state.js';
import { MemoryBackend } from '../../src/registry/memory/memory-backend.js';
import { absent, absentKey, binary, desiredState, dword, key, liveKey, liveState, multiSz, present, presentKey, sz } from '../builders.js';

const app = key('HKLM\\SOFTWARE\\App');
const root = key('HKLM\\SOFTWARE');

function journalOf(prior: Journal['prior']): Journal {
  return { formatVersion: 1, kind: 'regstate-journal', command: 'apply', createdAt: '', target: { backend: 'memory', name: 'm' }, configs: [], status: 'written', prior };
}

async function readAll(backend: MemoryBackend, at: KeyRef = root) {
  return backend.read([{ key: at, recursive: true }]);
}

// Plans and applies `desired` as the CLI does, returning the journal it would write.
async function applyJournaled(backend: MemoryBackend, desired: DesiredState): Promise<Journal> {
  const present = desired.keys.filter((k) => k.ensure === 'present').map((k) => k.key);
  const live = new LiveState(await backend.read([...readRequestsFor(desired), ...ancestorRequests(present)]));
  const plan = planChanges(desired, live);
  const journal = journalOf(recordPriorState(plan, live));
  expect((await applyPlan(plan, backend)).converged).toBe(true);
  return journal;
}

async function rollBack(backend: MemoryBackend, journal: Journal): Promise<number> {
  const desired = buildRollbackState(journal, 'j.json');
  const live = new LiveState(await backend.read(readRequestsFor(desired)));
  const plan = planChanges(desired, live);
  expect((await applyPlan(plan, backend)).converged).toBe(true);
  return plan.changes.length;
}

describe('buildRollbackState', () => {
  test('values back to before (absent when there was none), created keys absent, deleted keys back whole; values inside created keys left to the key', () => {
    const journal = journalOf([
      { kind: 'value', key: app, name: 'Port', before: { type: 'REG_DWORD', data: 25 }, after: { type: 'REG_DWORD', data: 587 } },
      { kind: 'value', key: app, name: 'New', before: null, after: { type: 'REG_SZ', data: 'x' } },
      { kind: 'key', key: key('HKLM\\SOFTWARE\\Made'), existed: false },
      { kind: 'value', key: key('HKLM\\SOFTWARE\\Made\\Inner'), name: 'V', before: null, after: { type: 'REG_DWORD', data: 1 } },
      { kind: 'key', key: key('HKLM\\SOFTWARE\\Gone'), existed: true, subtree: [{ key: key('HKLM\\SOFTWARE\\Gone\\Sub'), values: [{ name: 'B', value: { type: 'REG_BINARY', data: '00ff' } }] }] },
    ]);
    const desired = buildRollbackState(journal, 'j.json');
    expect(desired.keys.map((k) => [k.key.path, k.ensure, k.values.map((v) => [v.name, v.ensure, v.value])])).toEqual([
      ['SOFTWARE\\App', 'present', [['Port', 'present', dword(25)], ['New', 'absent', undefined]]],
      ['SOFTWARE\\Made', 'absent', []],
      ['SOFTWARE\\Gone\\Sub', 'present', [['B', 'present', binary(0, 0xff)]]],
    ]);
    expect(desired.keys[0]?.source).toEqual({ file: 'j.json', line: 1, column: 1 });
  });
});

describe('findRollbackConflicts', () => {
  const journal = journalOf([
    { kind: 'value', key: app, name: 'Port', before: { type: 'REG_DWORD', data: 25 }, after: { type: 'REG_DWORD', data: 587 } },
    { kind: 'value', key: app, name: 'New', before: null, after: { type: 'REG_SZ', data: 'x' } },
  ]);

  test.each([
    ['as the apply left them', { Port: dword(587), New: sz('x') }, []],
    ['already as before', { Port: dword(25) }, []],
    ['changed by someone else', { Port: dword(9), New: sz('x') }, ['Port']],
    ['deleted by someone else', {}, ['Port']],
    ['retyped by someone else', { Port: dword(587), New: multiSz('x') }, ['New']],
  ])('values %s', (_, values, conflicts) => {
    const found = findRollbackConflicts(journal, liveState(liveKey(app, values)));
    expect(found.map((c) => c.item.name)).toEqual(conflicts);
  });
});

describe('apply then rollback on the memory backend', () => {
  test('restores values, recreates a deleted subtree, removes created keys with the ancestors they brought; a second rollback has nothing to do', async () => {
    const backend = new MemoryBackend()
      .seed(app, 'Port', dword(25))
      .seed(app, 'Old', sz('old'))
      .seed(key('HKLM\\SOFTWARE\\App\\Gone'), 'A', sz('a'))
      .seed(key('HKLM\\SOFTWARE\\App\\Gone\\Sub\\Deeper'), 'B', binary(1));
    const before = await readAll(backend);
    const journal = await applyJournaled(
      backend,
      desiredState(
        presentKey(app, [present('Port', dword(587)), present('New', sz('x')), absent('Old')]),
        absentKey('HKLM\\SOFTWARE\\App\\Gone'),
        presentKey('HKLM\\SOFTWARE\\Made\\Inner', [present('V', dword(1))]),
      ),
    );
    expect(await readAll(backend)).not.toEqual(before);
    expect(await rollBack(backend, journal)).toBeGreaterThan(0);
    const sorted = (keys: Awaited<ReturnType<typeof readAll>>) => keys.map((k) => ({ ...k, values: [...k.values].sort((a, b) => a.name.localeCompare(b.name)), subkeys: [...k.subkeys].sort() }));
    expect(sorted(await readAll(backend))).toEqual(sorted(before));
    expect(await rollBack(backend, journal)).toBe(0);
  });
});
