import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agpmConfig, isAlive, repoRoot, runCli } from './cli-harness.js';

// PowerShell starts while the configs load (src/cli/open-backend.ts, EarlyPowerShell): a stand-in
// PowerShell records what it was sent, so each test sees what a run asked of it and whether it outlived
// the run. A shell script records its pid first: a run that fails at once may end the stand-in before
// node, which it then runs, has started.
const fakePwsh = join(repoRoot, 'test', 'fixtures', 'fake-powershell', 'fake-pwsh.mjs');
const INVALID = 'version: 1\nkeys:\n  - path: HKLM\\SOFTWARE\\X\n    values:\n      - { name: a, type: REG_DWORD, data: x }\n';

describe('PowerShell started while the configs load', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'regstate-early-pwsh-'));
    await writeFile(join(dir, 'pwsh'), `#!/bin/sh\necho $$ > "$FAKE_PWSH_PID_FILE"\nexec "${process.execPath}" "${fakePwsh}" "$@"\n`);
    await chmod(join(dir, 'pwsh'), 0o755);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function run(args: string[], mode = 'ok') {
    const files = { stdin: join(dir, 'stdin.log'), pid: join(dir, 'pid') };
    const result = await runCli([...args, '--powershell', join(dir, 'pwsh')], { env: { FAKE_PWSH_MODE: mode, FAKE_PWSH_STDIN_LOG: files.stdin, FAKE_PWSH_PID_FILE: files.pid } });
    const started = existsSync(files.pid);
    // The op of every request PowerShell received (a request is base64 JSON on its line).
    const lines = started && existsSync(files.stdin) ? (await readFile(files.stdin, 'utf8')).split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as string) : [];
    const ops = lines.flatMap((line) => [...line.matchAll(/-RequestBase64 '([A-Za-z0-9+/=]*)'/g)].map((m) => (JSON.parse(Buffer.from(m[1] as string, 'base64').toString('utf8')) as { op: string }).op));
    const alive = started ? await isAlive(Number(await readFile(files.pid, 'utf8'))) : false;
    return { ...result, started, ops, alive };
  }

  test.each([['plan'], ['status'], ['apply']])('%s of an invalid config: the error as before; PowerShell, started, asked for nothing but its hello and is gone', async (command) => {
    const config = join(dir, 'bad.yaml');
    await writeFile(config, INVALID);
    const hive = join(dir, 'hive.json');
    const extra = command === 'apply' ? ['--auto-approve', '--state-dir', join(dir, 'state')] : [];
    const result = await run([command, config, '--simulated-hive', hive, '--create-registry', ...extra]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('bad.yaml:5:43: keys[0].values[0].data: REG_DWORD data must be an integer');
    expect(result.stderr).not.toContain('PowerShell');
    expect(result.started).toBe(true);
    // it may be ended before it reads its first line; whatever it read asked for nothing but the hello
    expect(result.ops.filter((op) => op !== 'hello')).toEqual([]);
    expect(result.alive).toBe(false);
    expect(existsSync(hive)).toBe(false);
  });

  test('an invalid config with a PowerShell that dies at start: only the config error is reported', async () => {
    const config = join(dir, 'bad.yaml');
    await writeFile(config, INVALID);
    const result = await run(['plan', config, '--simulated-hive', join(dir, 'hive.json'), '--create-registry'], 'exit-at-start');
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('bad.yaml:5:43: keys[0].values[0].data: REG_DWORD data must be an integer');
    expect(result.stderr).not.toContain('PowerShell');
    expect(result.started).toBe(true);
  });

  test('a valid plan reads through the PowerShell started early: one process, one round trip after the hello', async () => {
    const result = await run(['plan', agpmConfig, '--simulated-hive', join(dir, 'hive.json'), '--create-registry', '--verbose', '--detailed-exitcode']);
    expect(result.exitCode).toBe(2);
    expect(result.ops).toEqual(['hello', 'read']);
    expect(result.stderr).toContain('1 PowerShell process, 1 round trip');
    expect(result.alive).toBe(false);
  });

  test('a config with no keys reads nothing: the PowerShell started early is closed and not counted', async () => {
    const config = join(dir, 'empty.yaml');
    await writeFile(config, 'version: 1\nkeys: []\n');
    const result = await run(['plan', config, '--simulated-hive', join(dir, 'hive.json'), '--create-registry', '--verbose']);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain('0 PowerShell processes, 0 round trips');
    expect(result.ops).not.toContain('read');
    expect(result.alive).toBe(false);
  });

  test('with --registry no PowerShell starts', async () => {
    const config = join(dir, 'bad.yaml');
    await writeFile(config, INVALID);
    const result = await run(['plan', config, '--registry', join(dir, 'none.reg')]);
    expect(result.exitCode).toBe(1);
    expect(result.started).toBe(false);
  });
});
