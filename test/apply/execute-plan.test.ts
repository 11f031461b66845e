import { mkdir, mkdtemp, readdir, readFile, stat } from 'node:fs/promises';
import { jest } from '@jest/globals';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ancestorRequests, executePlan, LiveState, MemoryBackend, parseJournal, planChanges, planDesiredState, planRollback, readRequestsFor } from '../../src/index.js';
import { desiredState, dword, key, present, presentKey } from '../builders.js';
import { countedChanges } from '../../src/apply/execute-plan.js';
import type { Plan } from '../../src/plan/plan.js';

const agpm = key('HKLM\\SOFTWARE\\Microsoft\\AGPM');
const desired = desiredState(presentKey(agpm, [present('EncryptSmtp', dword(1)), present('SmtpPort', dword(587))]));

async function planFor(backend: MemoryBackend) {
  const live = new LiveState(await backend.read([...readRequestsFor(desired), ...ancestorRequests([agpm])]));
  return { plan: planChanges(desired, live), live };
}

const journalDir = async () => join(await mkdtemp(join(tmpdir(), 'regstate-exec-')), 'journals');

describe('executePlan, as a library caller uses it', () => {
  test('journals the prior state before writing, writes, verifies, and leaves a finished owner-only journal', async () => {
    const backend = new MemoryBackend().seed(agpm, 'EncryptSmtp', dword(0));
    const { plan, live } = await planFor(backend);
    const dir = await journalDir();
    const execution = await executePlan(plan, live, backend, { command: 'apply', journalDir: dir, configs: [] });
    expect(execution.result?.converged).toBe(true);
    expect(execution.journalFile).toMatch(/-apply\.json$/);
    const journalFile = execution.journalFile as string;
    expect(await readdir(dir)).toEqual([journalFile.slice(dir.length + 1)]);
    expect((await stat(journalFile)).mode & 0o777).toBe(0o600);
    const journal = parseJournal(await readFile(journalFile, 'utf8'), journalFile);
    expect(journal).toMatchObject({ command: 'apply', status: 'finished', target: backend.target, outcomes: [{ ok: true }, { ok: true }] });
    expect(journal.prior).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'value', name: 'EncryptSmtp', before: { type: 'REG_DWORD', data: 0 } })]));
  });

  test('--max-changes and a refused approval write nothing and leave no journal; approval is asked after the guard', async () => {
    const backend = new MemoryBackend().seed(agpm, 'EncryptSmtp', dword(0));
    const { plan, live } = await planFor(backend);
    const dir = await journalDir();
    const asked: number[] = [];
    const approve = async () => {
      asked.push(1);
      return false;
    };
    await expect(executePlan(plan, live, backend, { command: 'apply', journalDir: dir, configs: [], maxChanges: 1, approve })).rejects.toMatchObject({ code: 'MAX_CHANGES' });
    expect(asked).toEqual([]);
    await expect(executePlan(plan, live, backend, { command: 'apply', journalDir: dir, configs: [], approve })).rejects.toMatchObject({ code: 'NOT_APPROVED' });
    expect(asked).toEqual([1]);
    expect(await readdir(dir).catch(() => [])).toEqual([]);
    expect((await planFor(backend)).plan.changes).toHaveLength(2);
  });

  test('an approved plan with nothing to do writes no journal', async () => {
    const backend = new MemoryBackend().seed(agpm, 'EncryptSmtp', dword(1)).seed(agpm, 'SmtpPort', dword(587));
    const { plan, live } = await planFor(backend);
    const dir = await journalDir();
    expect(await executePlan(plan, live, backend, { command: 'apply', journalDir: dir, configs: [] })).toEqual({ plan });
    expect(await readdir(dir).catch(() => [])).toEqual([]);
  });
});

describe('the library runs an apply and its rollback end to end', () => {
  test('planDesiredState, executePlan, then planRollback of its journal restores the registry; a later change under a created key blocks it', async () => {
    const backend = new MemoryBackend().seed(agpm, 'EncryptSmtp', dword(0));
    const before = await backend.read([{ key: key('HKLM\\SOFTWARE'), recursive: true }]);
    const dir = await journalDir();
    const fresh = key('HKLM\\SOFTWARE\\Fresh');
    const { plan, live } = await planDesiredState(desiredState(...desired.keys, presentKey(fresh, [present('V', dword(1))])), backend);
    const { journalFile } = await executePlan(plan, live, backend, { command: 'apply', journalDir: dir, configs: [] });
    const journal = parseJournal(await readFile(journalFile as string, 'utf8'), journalFile as string);

    await backend.write([{ op: 'set-value', key: fresh, name: 'Theirs', value: dword(2) }]);
    await expect(planRollback(journal, backend)).rejects.toMatchObject({ code: 'STALE_PLAN', message: expect.stringContaining('Fresh → Theirs') });
    await backend.write([{ op: 'delete-value', key: fresh, name: 'Theirs' }]);

    const undo = await planRollback(journal, backend);
    expect((await executePlan(undo.plan, undo.live, backend, { command: 'rollback', journalDir: dir, configs: [] })).result?.converged).toBe(true);
    expect(await backend.read([{ key: key('HKLM\\SOFTWARE'), recursive: true }])).toEqual(before);
  });
});

describe('a journal that cannot be saved', () => {
  afterEach(() => jest.useRealTimers());

  test('leaves no image file behind, and nothing is written', async () => {
    // a backend with an image, as a .reg file has
    const backend = Object.assign(new MemoryBackend().seed(agpm, 'EncryptSmtp', dword(0)), {
      captureImage: async () => ({ bytes: new Uint8Array([1, 2, 3]), sha256: '039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81' }),
    });
    const { plan, live } = await planFor(backend);
    const dir = await journalDir();
    // the journal's name holds the time: with the clock held, a folder can stand where it is saved
    const now = new Date('2026-12-02T10:00:00.000Z');
    jest.useFakeTimers({ now, doNotFake: ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'] });
    const journalFile = join(dir, `${now.toISOString().replace(/:/g, '-')}-${process.pid}-apply.json`);
    await mkdir(join(journalFile, 'in-the-way'), { recursive: true });
    await expect(executePlan(plan, live, backend, { command: 'apply', journalDir: dir, configs: [] })).rejects.toThrow();
    expect(await readdir(dir)).toEqual([journalFile.slice(dir.length + 1)]);
    expect((await planFor(backend)).plan.changes).toHaveLength(2);
  });
});

describe('countedChanges (what --max-changes counts)', () => {
  test('each change once, and a deleted key once more for each value and subkey under it', () => {
    const gone = { hive: 'HKLM' as const, path: 'SOFTWARE\\Gone', view: 64 as const };
    const source = { file: 'c.yaml', line: 1, column: 1 };
    const plan: Plan = {
      changes: [
        { action: 'create', key: gone, name: 'a', before: null, after: { type: 'REG_DWORD', data: 1 }, source },
        { action: 'delete-key', key: gone, before: null, after: null, contents: { values: 40, subkeys: 3 }, subtree: [], source },
        { action: 'delete-key', key: gone, before: null, after: null, contents: { values: 0, subkeys: 0 }, subtree: [], source },
      ],
      unchanged: 0,
    };
    expect(countedChanges(plan)).toBe(1 + (1 + 43) + 1);
    expect(countedChanges({ changes: [], unchanged: 5 })).toBe(0);
  });
});
