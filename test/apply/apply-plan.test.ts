import { applyPlan } from '../../src/apply/apply-plan.js';
import { findStaleChanges } from '../../src/apply/find-stale-changes.js';
import type { KeyRef } from '../../src/model/key-ref.js';
import { LiveState } from '../../src/model/live-state.js';
import type { Change, Plan } from '../../src/plan/plan.js';
import { MemoryBackend } from '../../src/registry/memory/memory-backend.js';

const agpm: KeyRef = { hive: 'HKLM', path: 'SOFTWARE\\Microsoft\\AGPM', view: 64 };
const source = { file: 'agpm.yaml', line: 1, column: 1 };
const dword = (data: number) => ({ type: 'REG_DWORD' as const, data });

function agpmPlan(): Plan {
  const changes: Change[] = [
    { action: 'update', key: agpm, name: 'EncryptSmtp', before: dword(0), after: dword(1), source },
    { action: 'create', key: agpm, name: 'SmtpPort', before: null, after: dword(587), source },
  ];
  return { changes, unchanged: 0 };
}

async function readAgpm(backend: MemoryBackend): Promise<LiveState> {
  return new LiveState(await backend.read([{ key: agpm }]));
}

describe('applyPlan', () => {
  test('writes exactly the changes in one batch, verifies in one read, and converges', async () => {
    const backend = new MemoryBackend().seed(agpm, 'EncryptSmtp', dword(0)).seed(agpm, 'Other', dword(7));
    const result = await applyPlan(agpmPlan(), backend);
    expect(result.converged).toBe(true);
    expect(result.results.map((r) => r.outcome)).toEqual(['applied', 'applied']);
    expect(backend.stats().roundTrips).toBe(2);
    const live = await readAgpm(backend);
    expect(live.value(agpm, 'encryptsmtp')?.value).toEqual(dword(1));
    expect(live.value(agpm, 'SmtpPort')?.value).toEqual(dword(587));
    expect(live.value(agpm, 'Other')?.value).toEqual(dword(7));
  });

  test('a failed write is reported per change and the run does not converge', async () => {
    const backend = new MemoryBackend().seed(agpm, 'EncryptSmtp', dword(0));
    backend.readOnlyKeys.add('hklm\\software\\microsoft\\agpm');
    const result = await applyPlan(agpmPlan(), backend);
    expect(result.converged).toBe(false);
    expect(result.results.map((r) => [r.outcome, r.error?.code])).toEqual([
      ['failed', 'ACCESS_DENIED'],
      ['failed', 'ACCESS_DENIED'],
    ]);
  });

  test('a write the backend claims but the read-back does not show is not-converged', async () => {
    const backend = new MemoryBackend().seed(agpm, 'EncryptSmtp', dword(0));
    // A backend that acknowledges writes without performing them.
    backend.write = async (ops) => ops.map(() => ({ ok: true as const }));
    const result = await applyPlan(agpmPlan(), backend);
    expect(result.converged).toBe(false);
    expect(result.results.every((r) => r.outcome === 'not-converged' && r.error?.code === 'VERIFY_FAILED')).toBe(true);
  });

  test('the journal hook runs before any write', async () => {
    const backend = new MemoryBackend().seed(agpm, 'EncryptSmtp', dword(0));
    const seen: string[] = [];
    await applyPlan(agpmPlan(), backend, {
      beforeWrite: async (ops) => {
        seen.push(`before ${ops.length}`);
        expect((await readAgpm(backend)).value(agpm, 'EncryptSmtp')?.value).toEqual(dword(0));
      },
      afterWrite: async (outcomes) => void seen.push(`after ${outcomes.length}`),
    });
    expect(seen).toEqual(['before 2', 'after 2']);
  });

  test('an empty plan touches nothing', async () => {
    const backend = new MemoryBackend();
    expect(await applyPlan({ changes: [], unchanged: 3 }, backend)).toEqual({ results: [], converged: true });
    expect(backend.stats().roundTrips).toBe(0);
  });
});

describe('findStaleChanges', () => {
  test('a plan whose before values still hold is not stale', async () => {
    const backend = new MemoryBackend().seed(agpm, 'EncryptSmtp', dword(0));
    expect(findStaleChanges(agpmPlan(), await readAgpm(backend))).toEqual([]);
  });

  test('names every value that changed since planning, with what it is now', async () => {
    const backend = new MemoryBackend().seed(agpm, 'EncryptSmtp', dword(5)).seed(agpm, 'SmtpPort', dword(25));
    const stale = findStaleChanges(agpmPlan(), await readAgpm(backend));
    expect(stale.map((s) => [('name' in s.change && s.change.name) || '', s.now])).toEqual([
      ['EncryptSmtp', dword(5)],
      ['SmtpPort', dword(25)],
    ]);
  });

  test('a key that appeared since a create-key was planned is stale', async () => {
    const key = { ...agpm, path: 'SOFTWARE\\New' };
    const plan: Plan = { changes: [{ action: 'create-key', key, before: null, after: null, source }], unchanged: 0 };
    const backend = new MemoryBackend().seedKey(key);
    expect(findStaleChanges(plan, new LiveState(await backend.read([{ key }])))).toHaveLength(1);
  });
});

describe('applyPlan when the backend breaks off', () => {
  test('a write batch that throws marks every change failed with the cause, and the read-back still runs', async () => {
    const backend = new MemoryBackend().seed(agpm, 'EncryptSmtp', dword(0));
    const { RegstateError } = await import('../../src/errors.js');
    backend.write = async () => {
      throw new RegstateError('POWERSHELL_CRASHED', 'PowerShell exited with code 137');
    };
    const result = await applyPlan(agpmPlan(), backend);
    expect(result.converged).toBe(false);
    expect(result.results.map((r) => [r.outcome, r.error?.code])).toEqual([
      ['failed', 'POWERSHELL_CRASHED'],
      ['failed', 'POWERSHELL_CRASHED'],
    ]);
  });

  test('a read-back that fails leaves written changes not-converged', async () => {
    const backend = new MemoryBackend().seed(agpm, 'EncryptSmtp', dword(0));
    const { RegstateError } = await import('../../src/errors.js');
    backend.read = async () => {
      throw new RegstateError('POWERSHELL_TIMEOUT', 'timed out');
    };
    const result = await applyPlan(agpmPlan(), backend);
    expect(result.results.map((r) => [r.outcome, r.error?.code])).toEqual([
      ['not-converged', 'VERIFY_FAILED'],
      ['not-converged', 'VERIFY_FAILED'],
    ]);
  });

  test("a read-back that fails for one key only: that key's changes are VERIFY_FAILED with its reason, the others are verified", async () => {
    const busy: KeyRef = { ...agpm, path: 'SOFTWARE\\Busy' };
    const backend = new MemoryBackend().seed(agpm, 'EncryptSmtp', dword(0)).seed(busy, 'Tick', dword(0));
    const { RegstateError } = await import('../../src/errors.js');
    const read = backend.read.bind(backend);
    const asked: string[][] = [];
    backend.read = async (requests) => {
      asked.push(requests.map((r) => r.key.path));
      if (requests.some((r) => r.key.path === busy.path)) {
        throw RegstateError.fromDiagnostics([{ code: 'TARGET_CHANGED', message: 'cannot read HKLM\\SOFTWARE\\Busy: it changed during each of 5 reads', key: busy }]);
      }
      return read(requests);
    };
    const plan = agpmPlan();
    plan.changes.push({ action: 'update', key: busy, name: 'Tick', before: dword(0), after: dword(1), source });
    const result = await applyPlan(plan, backend);
    expect(result.converged).toBe(false);
    expect(result.results.map((r) => [r.outcome, r.error?.code, r.error?.message])).toEqual([
      ['applied', undefined, undefined],
      ['applied', undefined, undefined],
      ['not-converged', 'VERIFY_FAILED', 'could not read back: cannot read HKLM\\SOFTWARE\\Busy: it changed during each of 5 reads'],
    ]);
    // the second read is of the other keys only, from the target itself
    expect(asked).toEqual([[agpm.path, busy.path], [agpm.path]]);
  });

  test('a read-back whose failure names no key leaves every written change not-converged', async () => {
    const backend = new MemoryBackend().seed(agpm, 'EncryptSmtp', dword(0));
    const { RegstateError } = await import('../../src/errors.js');
    let reads = 0;
    backend.read = async () => {
      reads++;
      throw RegstateError.fromDiagnostics([{ code: 'TARGET_CHANGED', message: 'cannot read the file' }]);
    };
    const result = await applyPlan(agpmPlan(), backend);
    expect(result.results.map((r) => [r.outcome, r.error?.message])).toEqual([
      ['not-converged', 'could not read back: cannot read the file'],
      ['not-converged', 'could not read back: cannot read the file'],
    ]);
    expect(reads).toBe(1);
  });
});
