import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { agpmConfig, repoRoot, runCli } from './cli-harness.js';

const fakePwsh = join(repoRoot, 'test', 'fixtures', 'fake-powershell', 'fake-pwsh.mjs');

describe('a PowerShell found by default that exits before answering (as Wine\'s stub powershell.exe does)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'regstate-pwsh-choice-'));
    await writeFile(join(dir, 'pwsh'), `#!/bin/sh\nexec "${process.execPath}" "${fakePwsh}" "$@"\n`);
    await chmod(join(dir, 'pwsh'), 0o755);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('plan exits 1 naming the executable and how to choose another, without a stack trace', async () => {
    const hive = join(dir, 'hive.json');
    const result = await runCli(['plan', agpmConfig, '--simulated-hive', hive, '--create-registry'], {
      env: { PATH: [dir, dirname(process.execPath), '/usr/bin', '/bin'].join(delimiter), REGSTATE_POWERSHELL: '', FAKE_PWSH_MODE: 'exit-at-start' },
    });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`regstate: error: PowerShell (${join(dir, 'pwsh')}) exited with code 7 before it answered`);
    expect(lines[0]).toContain('--powershell PATH');
    expect(lines[0]).toContain('REGSTATE_POWERSHELL');
  });

  test('a PowerShell that fails after its hello is not told to be replaced', async () => {
    const hive = join(dir, 'hive2.json');
    const result = await runCli(['plan', agpmConfig, '--simulated-hive', hive, '--create-registry', '--powershell', fakePwsh], { env: { FAKE_PWSH_MODE: 'crash-mid-answer' } });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^regstate: error: PowerShell \(.*\) (exited|was killed)/);
    expect(result.stderr).not.toContain('REGSTATE_POWERSHELL');
  });
});
