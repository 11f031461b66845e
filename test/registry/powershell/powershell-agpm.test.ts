import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { applyPlan } from '../../../src/apply/apply-plan.js';
import { loadDesiredState } from '../../../src/config/index.js';
import { LiveState } from '../../../src/model/live-state.js';
import { planChanges, readRequestsFor } from '../../../src/plan/plan-changes.js';
import { createPowerShellBackend } from '../../../src/registry/powershell/powershell-backend.js';
import { describeWithPwsh, repoRoot, tempDir } from './pwsh-helper.js';

// The first real config, end to end through the agent: a server with encryption off is planned,
// applied in one batch, verified, and then reads as in desired state.
describeWithPwsh('AGPM e-mail security through the PowerShell backend (real pwsh, simulated hive)', (pwsh) => {
  test('plan, apply, verify, re-plan: converged, in 1 process and 4 round trips', async () => {
    const { dir, cleanup } = await tempDir();
    const hive = join(dir, 'agpm-server.json');
    await writeFile(
      hive,
      JSON.stringify({
        format: 'regstate-simulated-hive',
        version: 1,
        keys: [{ path: 'HKLM\\SOFTWARE\\Microsoft\\AGPM', values: [{ name: 'EncryptSmtp', kind: 'DWord', data: 0 }, { name: 'Archive', kind: 'String', data: 'C:\\AGPM' }] }],
      }),
    );
    const desired = await loadDesiredState([join(repoRoot, 'configs', 'agpm-email-security.yaml')]);
    const backend = await createPowerShellBackend({ executable: pwsh(), simulatedHive: hive, platform: 'linux' });
    try {
      const plan = planChanges(desired, new LiveState(await backend.read(readRequestsFor(desired))));
      expect(plan.changes.map((c) => [c.action, 'name' in c ? c.name : null, c.before, c.after])).toEqual([
        ['update', 'EncryptSmtp', { type: 'REG_DWORD', data: 0 }, { type: 'REG_DWORD', data: 1 }],
        ['create', 'SmtpPort', null, { type: 'REG_DWORD', data: 587 }],
      ]);
      const result = await applyPlan(plan, backend);
      expect(result.converged).toBe(true);
      const again = planChanges(desired, new LiveState(await backend.read(readRequestsFor(desired))));
      expect(again.changes).toEqual([]);
      expect(backend.stats()).toEqual({ processes: 1, roundTrips: 4 });

      const doc = JSON.parse(await readFile(hive, 'utf8'));
      expect(doc.keys.find((k: { path: string }) => k.path === 'HKLM\\SOFTWARE\\Microsoft\\AGPM').values).toEqual([
        { name: 'EncryptSmtp', kind: 'DWord', data: 1 },
        { name: 'Archive', kind: 'String', data: 'C:\\AGPM' },
        { name: 'SmtpPort', kind: 'DWord', data: 587 },
      ]);
    } finally {
      await backend.close();
      await cleanup();
    }
  });
});
