import { applyPlan } from '../../src/apply/apply-plan.js';
import { ancestorRequests, type Journal, recordPriorState } from '../../src/apply/journal.js';
import { buildRollbackState } from '../../src/apply/rollback-state.js';
import { describeRollbackConflict, findRollbackConflicts, rollbackReadRequests } from '../../src/apply/rollback-conflicts.js';
import type { KeyRef } from '../../src/model/key-ref.js';
import { LiveState } from '../../src/model/live-state.js';
import { planChanges, readRequestsFor } from '../../src/plan/plan-changes.js';
import type { DesiredState } from '../../src/model/desired-state.js';
import { MemoryBackend } from '../../src/registry/memory/memory-backend.js';
import { absent, absentKey, at, binary, desiredState, dword, key, liveKey, liveState, multiSz, present, presentKey, sz } from '../builders.js';

const app = key('HKLM\\SOFTWARE\\App');
const root = key('HKLM\\SOFTWARE');

function journalOf(prior: Journal['prior']): Journal {
  return { formatVersion: 2, kind: 'regstate-journal', command: 'apply', createdAt: '', target: { backend: 'memory', name: 'm' }, configs: [], status: 'written', prior };
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
  const desired = buildRollbackState(journal);
  const live = new LiveState(await backend.read(rollbackReadRequests(journal, desired)));
  expect(findRollbackConflicts(journal, live)).toEqual([]);
  const plan = planChanges(desired, live);
  expect((await applyPlan(plan, backend)).converged).toBe(true);
  return plan.changes.length;
}

describe('buildRollbackState', () => {
  test('values back to before (absent when there was none), created keys absent, deleted keys back whole; values inside created keys left to the key', () => {
    const made = key('HKLM\\SOFTWARE\\Made');
    const journal = journalOf([
      { kind: 'value', key: app, name: 'Port', before: { type: 'REG_DWORD', data: 25 }, after: { type: 'REG_DWORD', data: 587 }, source: at(3, 9, 'c.yaml') },
      { kind: 'value', key: app, name: 'New', before: null, after: { type: 'REG_SZ', data: 'x' }, source: at(4) },
      { kind: 'key', key: made, existed: false, subtree: [{ key: made, values: [] }], source: at(5) },
      { kind: 'value', key: key('HKLM\\SOFTWARE\\Made\\Inner'), name: 'V', before: null, after: { type: 'REG_DWORD', data: 1 }, source: at(6) },
      { kind: 'key', key: key('HKLM\\SOFTWARE\\Gone'), existed: true, subtree: [{ key: key('HKLM\\SOFTWARE\\Gone\\Sub'), values: [{ name: 'B', value: { type: 'REG_BINARY', data: '00ff' } }] }], source: at(7) },
    ]);
    const desired = buildRollbackState(journal);
    expect(desired.keys.map((k) => [k.key.path, k.ensure, k.values.map((v) => [v.name, v.ensure, v.value])])).toEqual([
      ['SOFTWARE\\App', 'present', [['Port', 'present', dword(25)], ['New', 'absent', undefined]]],
      ['SOFTWARE\\Made', 'absent', []],
      ['SOFTWARE\\Gone\\Sub', 'present', [['B', 'present', binary(0, 0xff)]]],
    ]);
    // The rollback plan points at the config lines of the original changes, not at the journal.
    expect(desired.keys.map((k) => [k.source.line, ...k.values.map((v) => v.source.line)])).toEqual([[3, 3, 4], [5], [7, 7]]);
    expect(desired.keys[0]?.values[0]?.source).toEqual({ file: 'c.yaml', line: 3, column: 9 });
  });
});

describe('findRollbackConflicts', () => {
  const journal = journalOf([
    { kind: 'value', key: app, name: 'Port', before: { type: 'REG_DWORD', data: 25 }, after: { type: 'REG_DWORD', data: 587 }, source: at(1) },
    { kind: 'value', key: app, name: 'New', before: null, after: { type: 'REG_SZ', data: 'x' }, source: at(2) },
  ]);

  test.each([
    ['as the apply left them', { Port: dword(587), New: sz('x') }, []],
    ['already as before', { Port: dword(25) }, []],
    ['changed by someone else', { Port: dword(9), New: sz('x') }, ['Port']],
    ['deleted by someone else', {}, ['Port']],
    ['retyped by someone else', { Port: dword(587), New: multiSz('x') }, ['New']],
  ])('values %s', (_, values, conflicts) => {
    const found = findRollbackConflicts(journal, liveState(liveKey(app, values)));
    expect(found.map((c) => (c.kind === 'value' ? c.item.name : c.kind))).toEqual(conflicts);
  });
});

describe('rollback of keys checks the whole subtree (memory backend)', () => {
  const vendor = key('HKLM\\SOFTWARE\\NewVendor');
  const vendorApp = key('HKLM\\SOFTWARE\\NewVendor\\App');

  async function conflictsOf(backend: MemoryBackend, journal: Journal) {
    const live = new LiveState(await backend.read(rollbackReadRequests(journal, buildRollbackState(journal))));
    return findRollbackConflicts(journal, live).map(describeRollbackConflict);
  }

  test('apply A creates NewVendor\\App; apply B adds a value under App and a sibling key: rolling back A names both, and a rollback that does not check leaves B intact', async () => {
    const backend = new MemoryBackend().seed(root, 'Keep', dword(1));
    const journalA = await applyJournaled(backend, desiredState(presentKey(vendorApp, [present('Path', sz('C:\\App'))])));
    await applyJournaled(backend, desiredState(presentKey(vendorApp, [present('FromB', dword(2))]), presentKey(key('HKLM\\SOFTWARE\\NewVendor\\Sibling'), [present('S', sz('b'))])));
    const conflicts = await conflictsOf(backend, journalA);
    expect(conflicts).toHaveLength(2);
    expect(conflicts).toEqual(expect.arrayContaining([
      expect.stringMatching(/^HKLM\\SOFTWARE\\NewVendor\\App → FromB \(now REG_DWORD 2 .*\) was written since the apply under HKLM\\SOFTWARE\\NewVendor, which the apply created and rollback would delete: rolling back would delete it$/),
      expect.stringMatching(/^key HKLM\\SOFTWARE\\NewVendor\\Sibling is not in the journal but lies under HKLM\\SOFTWARE\\NewVendor, which the apply created/),
    ]));
  });

  test('200,000 values written since under a key the apply created are each named (no argument spread)', async () => {
    const backend = new MemoryBackend().seed(root, 'Keep', dword(1));
    const journal = await applyJournaled(backend, desiredState(presentKey(vendorApp, [present('Path', sz('x'))])));
    await backend.write(Array.from({ length: 200_000 }, (_, i) => ({ op: 'set-value' as const, key: vendorApp, name: `v${i}`, value: dword(i) })));
    const live = new LiveState(await backend.read(rollbackReadRequests(journal, buildRollbackState(journal))));
    const conflicts = findRollbackConflicts(journal, live);
    expect(conflicts).toHaveLength(200_000);
    expect(conflicts.every((c) => c.kind === 'subtree-value')).toBe(true);
  });

  test('keys the apply created, untouched since or already partly removed: no conflict', async () => {
    const backend = new MemoryBackend().seed(root, 'Keep', dword(1));
    const journal = await applyJournaled(backend, desiredState(presentKey(vendorApp, [present('Path', sz('x'))]), presentKey(key('HKLM\\SOFTWARE\\NewVendor\\Other'))));
    expect(await conflictsOf(backend, journal)).toEqual([]);
    await backend.write([{ op: 'delete-key', key: vendorApp }]);
    expect(await conflictsOf(backend, journal)).toEqual([]);
    expect(journal.prior.find((p) => p.kind === 'key')?.key).toEqual(vendor);
  });

  test('a key the apply deleted, created again since with other content: named; recreated as it was (a rollback done twice): no conflict', async () => {
    const gone = key('HKLM\\SOFTWARE\\App\\Gone');
    const backend = new MemoryBackend().seed(gone, 'A', sz('a')).seed(key('HKLM\\SOFTWARE\\App\\Gone\\Sub'), 'B', dword(1));
    const journal = await applyJournaled(backend, desiredState(absentKey(gone)));
    await backend.write([{ op: 'set-value', key: gone, name: 'A', value: sz('changed') }, { op: 'create-key', key: key('HKLM\\SOFTWARE\\App\\Gone\\New') }]);
    expect((await conflictsOf(backend, journal)).sort()).toEqual([
      expect.stringMatching(/^HKLM\\SOFTWARE\\App\\Gone → A \(now REG_SZ "changed", before the apply it was REG_SZ "a"\) was written since the apply under HKLM\\SOFTWARE\\App\\Gone, which the apply deleted/),
      expect.stringMatching(/^key HKLM\\SOFTWARE\\App\\Gone\\New is not in the journal/),
    ]);
    await backend.write([{ op: 'delete-key', key: gone }]);
    expect(await rollBack(backend, journal)).toBeGreaterThan(0);
    expect(await conflictsOf(backend, journal)).toEqual([]);
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
