import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPowerShellBackend } from '../../../src/registry/powershell/powershell-backend.js';
import { asKeyName, hostileStrings } from './hostile-strings.js';
import { MAX_LINE_BYTES, PowerShellSession, requestLines } from '../../../src/registry/powershell/powershell-session.js';
import { describeWithPwsh, fixturesDir, tempDir } from './pwsh-helper.js';

const fake = join(fixturesDir, 'fake-pwsh.mjs');
const probe = { op: 'read', simulatedHive: null, keys: [{ hive: 'HKLM', path: '', view: 64, recursive: false }] };

function fakeSession(mode: string, timeoutMs?: number): PowerShellSession {
  return new PowerShellSession({ executable: fake, timeoutMs, env: { ...process.env, FAKE_PWSH_MODE: mode } });
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

describe('PowerShell session faults (fake PowerShell programs)', () => {
  test('the fake answers like the agent: a correct session works', async () => {
    const session = fakeSession('ok');
    try {
      const answer = await session.request(probe);
      expect(answer).toMatchObject({ ok: true, results: [{ request: 0, exists: false }] });
      expect(session.stats()).toEqual({ processes: 1, roundTrips: 1 });
    } finally {
      await session.close();
    }
  });

  test('lines ended with CRLF (PowerShell on Windows) are read like LF lines', async () => {
    const session = fakeSession('crlf', 20_000);
    try {
      expect(await session.request(probe)).toMatchObject({ ok: true, results: [{ request: 0, exists: false }] });
      expect(await session.request(probe)).toMatchObject({ ok: true });
    } finally {
      await session.close();
    }
  });

  test('an answer longer than the bound is VALUE_TOO_LARGE, not an out-of-memory: the process is killed and the session spent', async () => {
    const session = new PowerShellSession({ executable: fake, timeoutMs: 120_000, maxAnswerBytes: 4 * 1024 * 1024, env: { ...process.env, FAKE_PWSH_MODE: 'endless-answer' } });
    const pending = session.request(probe);
    const pid = session.pid;
    await expect(pending).rejects.toMatchObject({ code: 'VALUE_TOO_LARGE', message: expect.stringMatching(/^PowerShell's answer is more than 4194304 bytes \(\d+ so far\)/) });
    expect(isRunning(pid as number)).toBe(false);
    await expect(session.request(probe)).rejects.toMatchObject({ code: 'VALUE_TOO_LARGE' });
    await session.close();
  });

  test('a value in an answer larger than 64 MiB is VALUE_TOO_LARGE naming its key and name, as in a .reg file', async () => {
    const { dir, cleanup } = await tempDir();
    const backend = await createPowerShellBackend({ executable: fake, simulatedHive: join(dir, 'hive.json'), platform: 'linux', env: { ...process.env, FAKE_PWSH_MODE: 'huge-value' } });
    try {
      await expect(backend.read([{ key: { hive: 'HKLM', path: 'SOFTWARE\\Big', view: 64 } }])).rejects.toMatchObject({
        code: 'VALUE_TOO_LARGE',
        message: 'cannot read HKLM\\SOFTWARE\\Big, value "Big": REG_SZ data is 67108866 bytes; at most 67108864 (64 MiB) are allowed',
      });
    } finally {
      await backend.close();
      await cleanup();
    }
  });

  test('a hang hits the timeout: the process is killed (even though it ignores SIGTERM) and the session is spent', async () => {
    const session = fakeSession('hang', 2500);
    const pending = session.request(probe);
    const pid = session.pid;
    expect(pid).toEqual(expect.any(Number));
    await expect(pending).rejects.toMatchObject({ code: 'POWERSHELL_TIMEOUT', message: expect.stringContaining(`process ${pid} was killed`) });
    expect(isRunning(pid as number)).toBe(false);
    await expect(session.request(probe)).rejects.toMatchObject({ code: 'POWERSHELL_TIMEOUT' });
    expect(session.stats().processes).toBe(1);
    await session.close();
  });

  test('a crash mid-answer is POWERSHELL_CRASHED with the exit code and what it said on stderr', async () => {
    const session = fakeSession('crash-mid-answer');
    const error = await session.request(probe).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'POWERSHELL_CRASHED', message: expect.stringContaining('exited with code 3 before it answered') });
    expect((error as Error).message).toContain('Internal CLR error. (simulated)');
    expect((error as Error).message).not.toMatch(/\b[0-9A-Za-z]{16}\b/);
    expect(session.pid).toBeUndefined();
    await session.close();
  });

  test('an exit before the agent is loaded is POWERSHELL_CRASHED', async () => {
    const session = fakeSession('exit-at-start');
    await expect(session.request(probe)).rejects.toMatchObject({ code: 'POWERSHELL_CRASHED', message: expect.stringContaining('code 7') });
    await session.close();
  });

  test.each([
    ['garbage instead of the answer', 'garbage', 'Get-Thing : something went wrong'],
    ['a marker followed by no base64', 'bad-base64', 'not*base64!'],
    ['two answer lines', 'two-answers', '2 answer lines'],
  ])('%s is POWERSHELL_PROTOCOL, quoting what came back, and the process is ended', async (_label, mode, quoted) => {
    const session = fakeSession(mode);
    const pending = session.request(probe);
    const pid = session.pid as number;
    await expect(pending).rejects.toMatchObject({ code: 'POWERSHELL_PROTOCOL', message: expect.stringContaining(quoted) });
    expect(isRunning(pid)).toBe(false);
    await session.close();
  });

  test.each([
    ['a BOM, terminal escapes and a noise line before the answer', 'bom-noise'],
    ['noise on stderr beside a correct answer', 'stderr-noise'],
  ])('%s still gives the answer', async (_label, mode) => {
    const session = fakeSession(mode);
    try {
      expect(await session.request(probe)).toMatchObject({ ok: true, results: [{ exists: false }] });
      expect(await session.request(probe)).toMatchObject({ ok: true });
      expect(session.stats()).toEqual({ processes: 1, roundTrips: 2 });
    } finally {
      await session.close();
    }
  });

  test.each([
    ['linux', ['-NoLogo', '-NoProfile', '-NonInteractive', '-NoExit', '-Command', '-']],
    ['win32', ['-NoLogo', '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-NoExit', '-Command', '-']],
  ] as const)('on %s the process gets fixed arguments only', async (platform, args) => {
    const { dir, cleanup } = await tempDir();
    const argvFile = join(dir, 'argv.json');
    const session = new PowerShellSession({ executable: fake, platform, env: { ...process.env, FAKE_PWSH_ARGV_FILE: argvFile } });
    try {
      await session.request(probe);
      expect(JSON.parse(readFileSync(argvFile, 'utf8'))).toEqual(args);
    } finally {
      await session.close();
      await cleanup();
    }
  });

  test('every line sent to PowerShell is fixed text around base64, whatever the data', async () => {
    const { dir, cleanup } = await tempDir();
    const log = join(dir, 'stdin.log');
    const hostile = hostileStrings((n) => join(dir, `canary-${n}`));
    const backend = await createPowerShellBackend({ executable: fake, simulatedHive: join(dir, "it's $(hive).json"), platform: 'linux', env: { ...process.env, FAKE_PWSH_STDIN_LOG: log } });
    try {
      await backend.read(hostile.map((s) => ({ key: { hive: 'HKCU', path: asKeyName(s), view: 64 } })));
      await backend.write(hostile.map((s) => ({ op: 'set-value', key: { hive: 'HKCU', path: asKeyName(s), view: 64 }, name: s, value: { type: 'REG_MULTI_SZ', data: [s] } })));
      const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as string);
      const B64 = "'[A-Za-z0-9+/]*={0,2}'";
      const grammar = new RegExp(
        [
          '^\\[Console\\]::(Out|Error)\\.WriteLine\\("[0-9A-Za-z]{16}"\\)$',
          `^Invoke-RegstateRequest -RequestBase64 ${B64}$`,
          `^Add-RegstateRequestChunk -Base64 ${B64}$`,
          `^\\. \\(\\[ScriptBlock\\]::Create\\(\\[Text\\.Encoding\\]::UTF8\\.GetString\\(\\[Convert\\]::FromBase64String\\(${B64}\\)\\)\\)\\); Import-RegstateAgentCode -SourceBase64 ${B64}; Invoke-RegstateRequest -RequestBase64 ${B64}$`,
        ].join('|'),
      );
      expect(lines.filter((l) => !grammar.test(l))).toEqual([]);
      expect(lines.filter((l) => l.startsWith('Invoke-Regstate') || l.startsWith('. ('))).toHaveLength(3);
    } finally {
      await backend.close();
      await cleanup();
    }
  });

  test('a request of many megabytes goes as lines of at most 1 MiB, joined into one request in one call', async () => {
    const { dir, cleanup } = await tempDir();
    const log = join(dir, 'stdin.log');
    const keys = Array.from({ length: 40_000 }, (_, i) => ({ hive: 'HKLM', path: Buffer.from(`SOFTWARE\\Key${i}`).toString('base64'), view: 64, recursive: false }));
    const session = new PowerShellSession({ executable: fake, env: { ...process.env, FAKE_PWSH_STDIN_LOG: log } });
    try {
      const body = { op: 'read', simulatedHive: null, keys, padding: 'x'.repeat(3_000_000) };
      expect(requestLines(body).length).toBeGreaterThan(4);
      const answer = await session.request(body);
      expect((answer.results as unknown[]).length).toBe(40_000);
      expect(session.stats()).toEqual({ processes: 1, roundTrips: 1 });
      const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as string);
      expect(lines.filter((l) => l.startsWith('Add-RegstateRequestChunk')).length).toBeGreaterThan(4);
      expect(Math.max(...lines.map((l) => Buffer.byteLength(l) + 1))).toBeLessThanOrEqual(MAX_LINE_BYTES);
    } finally {
      await session.close();
      await cleanup();
    }
  });

  test('requests made at the same time are answered one after the other, each with its own answer', async () => {
    const session = fakeSession('ok');
    try {
      const keys = (n: number) => Array.from({ length: n }, () => probe.keys[0]);
      const answers = await Promise.all([1, 2, 3].map((n) => session.request({ ...probe, keys: keys(n) })));
      expect(answers.map((a) => (a.results as unknown[]).length)).toEqual([1, 2, 3]);
    } finally {
      await session.close();
    }
  });

  test('a missing executable is POWERSHELL_NOT_FOUND', async () => {
    const session = new PowerShellSession({ executable: join(fixturesDir, 'no-such-powershell') });
    await expect(session.request(probe)).rejects.toMatchObject({ code: 'POWERSHELL_NOT_FOUND' });
    await session.close();
  });
});

describeWithPwsh('PowerShell session lifetime (real pwsh)', (pwsh) => {
  test('close() ends the process, is safe twice, and later requests are refused', async () => {
    const session = new PowerShellSession({ executable: pwsh() });
    await session.request({ op: 'hello' });
    const pid = session.pid as number;
    expect(isRunning(pid)).toBe(true);
    await session.close();
    await session.close();
    expect(isRunning(pid)).toBe(false);
    await expect(session.request({ op: 'hello' })).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  test('a request the agent rejects is an ok:false answer, and the session stays usable', async () => {
    const session = new PowerShellSession({ executable: pwsh() });
    try {
      expect(await session.request({ op: 'no-such-op' })).toMatchObject({ ok: false, errors: [{ code: 'INTERNAL' }] });
      expect(await session.request({ op: 'hello' })).toMatchObject({ ok: true, results: { agent: 'regstate', protocol: 1 } });
    } finally {
      await session.close();
    }
  });

  test('a backend that was never used starts no process', async () => {
    const { dir, cleanup } = await tempDir();
    const backend = await createPowerShellBackend({ executable: pwsh(), simulatedHive: join(dir, 'h.json'), platform: 'linux' });
    expect(await backend.read([])).toEqual([]);
    expect(await backend.write([])).toEqual([]);
    await backend.close();
    expect(backend.stats()).toEqual({ processes: 0, roundTrips: 0 });
    await cleanup();
  });
});
