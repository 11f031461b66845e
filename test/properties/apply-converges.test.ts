import fc from 'fast-check';
import { join } from 'node:path';
import { applyPlan } from '../../src/apply/apply-plan.js';
import { changeToOp } from '../../src/apply/changes-to-ops.js';
import type { DesiredState } from '../../src/model/desired-state.js';
import { foldName } from '../../src/model/fold-name.js';
import { keyId } from '../../src/model/key-ref.js';
import { LiveState } from '../../src/model/live-state.js';
import { valueToJson } from '../../src/model/value-json.js';
import { planChanges, readRequestsFor } from '../../src/plan/plan-changes.js';
import type { RegistryBackend, WriteOp } from '../../src/registry/backend.js';
import { MemoryBackend } from '../../src/registry/memory/memory-backend.js';
import { createPowerShellBackend } from '../../src/registry/powershell/powershell-backend.js';
import { PowerShellSession } from '../../src/registry/powershell/powershell-session.js';
import { openRegFile } from '../../src/registry/reg-file/reg-file-backend.js';
import { key } from '../builders.js';
import { describeWithPwsh, tempDir } from '../registry/powershell/pwsh-helper.js';
import { desiredState, liveOps, runs } from './arbitraries.js';

// Everything the arbitraries can touch, in both views.
const ROOTS = [key('HKLM\\SOFTWARE\\P'), key('HKLM\\SOFTWARE\\P', 32), key('HKCU\\Software\\P')];

/** The whole touched registry as comparable JSON. */
async function snapshot(backend: RegistryBackend): Promise<unknown> {
  const keys = await backend.read(ROOTS.map((k) => ({ key: k, recursive: true })));
  return keys
    .filter((k) => k.exists)
    .map((k) => [keyId(k.key), k.values.map((v) => [foldName(v.name), v.name, valueToJson(v.value)]).sort((a, b) => String(a[0]).localeCompare(String(b[0])))])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
}

async function checkConverges(backend: RegistryBackend, seed: WriteOp[], desired: DesiredState): Promise<void> {
  expect((await backend.write(seed)).every((o) => o.ok)).toBe(true);
  const plan = planChanges(desired, new LiveState(await backend.read(readRequestsFor(desired))));
  const result = await applyPlan(plan, backend);
  expect(result.converged).toBe(true);
  // Planning again finds nothing to do.
  expect(planChanges(desired, new LiveState(await backend.read(readRequestsFor(desired)))).changes).toEqual([]);
  // Writing the same plan a second time changes nothing.
  const after = await snapshot(backend);
  expect((await backend.write(plan.changes.map(changeToOp))).every((o) => o.ok)).toBe(true);
  expect(await snapshot(backend)).toEqual(after);
}

test('memory: apply(plan) converges and a second apply changes nothing', async () => {
  await fc.assert(
    fc.asyncProperty(liveOps, desiredState, (seed, desired) => checkConverges(new MemoryBackend(), seed, desired)),
    { numRuns: runs(300) },
  );
});

test('.reg file: apply(plan) converges and a second apply changes nothing, also when the file is reopened', async () => {
  const { dir, cleanup } = await tempDir('regstate-prop-');
  let n = 0;
  try {
    await fc.assert(
      fc.asyncProperty(liveOps, desiredState, async (seed, desired) => {
        const file = join(dir, `r${n++}.reg`);
        await checkConverges(await openRegFile(file, { create: true }), seed, desired);
        const reopened = await openRegFile(file, { create: true });
        expect(planChanges(desired, new LiveState(await reopened.read(readRequestsFor(desired)))).changes).toEqual([]);
      }),
      { numRuns: runs(150) },
    );
  } finally {
    await cleanup();
  }
});

describeWithPwsh('PowerShell (simulated hive): apply(plan) converges', (pwsh) => {
  let session: PowerShellSession;
  beforeAll(() => {
    session = new PowerShellSession({ executable: pwsh() });
  });
  afterAll(async () => {
    await session?.close();
  });

  test('apply(plan) converges and a second apply changes nothing, one pwsh process for every run', async () => {
    const { dir, cleanup } = await tempDir('regstate-prop-ps-');
    let n = 0;
    try {
      await fc.assert(
        fc.asyncProperty(liveOps, desiredState, async (seed, desired) => {
          const backend = await createPowerShellBackend({ simulatedHive: join(dir, `h${n++}.json`), session, platform: 'linux' });
          await checkConverges(backend, seed, desired);
        }),
        { numRuns: runs(20) },
      );
    } finally {
      await cleanup();
    }
    expect(session.stats().processes).toBe(1);
  });
});
