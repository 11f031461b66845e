import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { agpmConfig, runCli } from '../cli/cli-harness.js';
import { describeWithPwsh, fixturesDir, tempDir } from '../registry/powershell/pwsh-helper.js';

// Faults through the real CLI: the exit code the README documents, a --report that says exactly
// what happened, and `regstate rollback --auto-approve` back to the state before the run.
const AGPM = 'HKLM\\SOFTWARE\\Microsoft\\AGPM';

function hive(encryptReadOnly: boolean): string {
  const values = [
    { name: 'EncryptSmtp', kind: 'DWord', data: 0, ...(encryptReadOnly ? { readOnly: true } : {}) },
    { name: 'SmtpPort', kind: 'DWord', data: 25 },
  ];
  return JSON.stringify({ format: 'regstate-simulated-hive', version: 1, keys: [{ path: AGPM, values }] });
}

/** The values of the AGPM key as the hive file holds them. */
async function agpmValues(file: string): Promise<unknown> {
  const doc = JSON.parse(await readFile(file, 'utf8')) as { keys: { path: string; values: { name: string; kind: string; data: unknown }[] }[] };
  const key = doc.keys.find((k) => k.path.toLowerCase() === AGPM.toLowerCase());
  return key?.values.map(({ name, kind, data }) => ({ name, kind, data })).sort((a, b) => a.name.localeCompare(b.name));
}

describeWithPwsh('faults through the real CLI', (pwsh) => {
  test('a write denied on one value: exit 3, the report names it, rollback restores the rest', async () => {
    const { dir, cleanup } = await tempDir('regstate-fault-');
    try {
      const hiveFile = join(dir, 'hive.json');
      await writeFile(hiveFile, hive(true));
      const before = await agpmValues(hiveFile);
      const common = ['--simulated-hive', hiveFile, '--powershell', pwsh(), '--state-dir', join(dir, 'state'), '--auto-approve'];
      const apply = await runCli(['apply', agpmConfig, ...common, '--report', join(dir, 'apply.json')]);
      expect(apply.exitCode).toBe(3);
      const report = JSON.parse(await readFile(join(dir, 'apply.json'), 'utf8'));
      expect(report).toMatchObject({ command: 'apply', exitCode: 3 });
      const outcome = Object.fromEntries(report.changes.map((c: { name: string; outcome: string; error?: { code: string } }) => [c.name, [c.outcome, c.error?.code]]));
      expect(outcome).toEqual({ EncryptSmtp: ['failed', 'ACCESS_DENIED'], SmtpPort: ['applied', undefined] });
      // The denied value kept its data; the other one was written.
      expect(await agpmValues(hiveFile)).toEqual([{ name: 'EncryptSmtp', kind: 'DWord', data: 0 }, { name: 'SmtpPort', kind: 'DWord', data: 587 }]);

      const rollback = await runCli(['rollback', ...common, '--report', join(dir, 'rollback.json')]);
      expect(rollback.exitCode).toBe(0);
      expect(await agpmValues(hiveFile)).toEqual(before);
      expect(JSON.parse(await readFile(join(dir, 'rollback.json'), 'utf8'))).toMatchObject({ command: 'rollback', exitCode: 0 });
    } finally {
      await cleanup();
    }
  });

  test('a hung PowerShell: exit 1 after --timeout, the report says so, nothing written and nothing to roll back', async () => {
    const { dir, cleanup } = await tempDir('regstate-fault-');
    try {
      const hiveFile = join(dir, 'hive.json');
      await writeFile(hiveFile, hive(false));
      const bytes = await readFile(hiveFile);
      const state = ['--state-dir', join(dir, 'state'), '--auto-approve'];
      const apply = await runCli(['apply', agpmConfig, '--simulated-hive', hiveFile, '--powershell', join(fixturesDir, 'fake-pwsh.mjs'), '--timeout', '2', ...state, '--report', join(dir, 'apply.json')], {
        env: { FAKE_PWSH_MODE: 'hang' },
      });
      expect(apply.exitCode).toBe(1);
      expect(apply.stderr).not.toMatch(/^\s+at /m);
      const report = JSON.parse(await readFile(join(dir, 'apply.json'), 'utf8'));
      expect(report).toMatchObject({ command: 'apply', exitCode: 1, error: { code: 'POWERSHELL_TIMEOUT' } });
      expect(report.changes.filter((c: { outcome: string }) => c.outcome === 'applied')).toEqual([]);
      expect(await readFile(hiveFile)).toEqual(bytes);
      // The hung run left no journal: rollback has nothing to undo and says so; the hive stays as it was.
      const rollback = await runCli(['rollback', '--simulated-hive', hiveFile, '--powershell', pwsh(), ...state]);
      expect(rollback.exitCode).toBe(1);
      expect(rollback.stderr).toContain('nothing to roll back');
      expect(await readFile(hiveFile)).toEqual(bytes);
    } finally {
      await cleanup();
    }
  });
});
