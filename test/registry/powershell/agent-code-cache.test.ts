import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { encodeReadRequest } from '../../../src/registry/powershell/agent-protocol.js';
import { AGENT_SCRIPTS, PowerShellSession, agentScriptPath } from '../../../src/registry/powershell/powershell-session.js';
import { describeWithPwsh, tempDir } from './pwsh-helper.js';

// The agent compiles its C# sources (AGENT_SOURCES) once and keeps the assembly in the user's local
// application data (on Linux $XDG_DATA_HOME/regstate): later processes load it instead of compiling.
describeWithPwsh('the agent code cache (real pwsh)', (pwsh) => {
  const read = [{ key: { hive: 'HKLM' as const, path: 'SOFTWARE', view: 64 as const }, recursive: true }];

  async function readThrough(dataHome: string, hive: string): Promise<{ ok: boolean; values: number | undefined }> {
    const session = new PowerShellSession({ executable: pwsh(), timeoutMs: 300_000, env: { ...process.env, XDG_DATA_HOME: dataHome } });
    try {
      const answer = await session.request(encodeReadRequest(read, hive));
      return { ok: answer.ok, values: answer.stats?.values };
    } finally {
      await session.close();
    }
  }

  const dlls = (dir: string): string[] => readdirSync(dir).filter((name) => name.endsWith('.dll'));
  // agent-<source and versions>-<sha256 of the file's own bytes>.dll
  const CACHED = /^agent-[0-9a-f]{32}-([0-9a-f]{64})\.dll$/;
  const holdsItsHash = (dir: string, name: string): boolean => CACHED.exec(name)?.[1] === createHash('sha256').update(readFileSync(join(dir, name))).digest('hex');

  test('the first process compiles and keeps one assembly, the next loads it unchanged; a damaged one is compiled again and another version\'s copy goes once it is 30 days old', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const hive = join(dir, 'hive.json');
      await writeFile(hive, JSON.stringify({ format: 'regstate-simulated-hive', version: 1, keys: [{ path: 'HKLM\\SOFTWARE\\A', values: [{ name: 'v', kind: 'DWord', data: 1 }] }] }));
      const cache = join(dir, 'data', 'regstate');

      expect(await readThrough(join(dir, 'data'), hive)).toEqual({ ok: true, values: 1 });
      const [kept] = dlls(cache);
      expect(dlls(cache)).toEqual([expect.stringMatching(CACHED)]);
      expect(holdsItsHash(cache, kept as string)).toBe(true);
      const first = statSync(join(cache, kept as string));

      expect(await readThrough(join(dir, 'data'), hive)).toEqual({ ok: true, values: 1 });
      const second = statSync(join(cache, kept as string));
      expect({ ino: second.ino, mtimeMs: second.mtimeMs, size: second.size }).toEqual({ ino: first.ino, mtimeMs: first.mtimeMs, size: first.size });

      await writeFile(join(cache, kept as string), 'not an assembly');
      // another version's copies: one in use lately stays, one 40 days old goes
      const recent = `agent-11111111111111111111111111111111-${'1'.repeat(64)}.dll`;
      const old = `agent-00000000000000000000000000000000-${'0'.repeat(64)}.dll`;
      await writeFile(join(cache, recent), 'another version, compiled yesterday');
      await writeFile(join(cache, old), 'an older agent');
      const fortyDaysAgo = new Date(Date.now() - 40 * 24 * 3600 * 1000);
      await utimes(join(cache, old), fortyDaysAgo, fortyDaysAgo);
      expect(await readThrough(join(dir, 'data'), hive)).toEqual({ ok: true, values: 1 });
      const again = dlls(cache).find((n) => n !== recent);
      expect(dlls(cache).sort()).toEqual([again, recent].sort());
      expect(again).toMatch(CACHED);
      expect(holdsItsHash(cache, again as string)).toBe(true);
      expect(statSync(join(cache, again as string)).size).toBe(first.size);
    } finally {
      await cleanup();
    }
  }, 600_000);

  test('a cached copy swapped for another assembly or cut short is not loaded: its bytes do not match its name, it is compiled again', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const hive = join(dir, 'hive.json');
      await writeFile(hive, JSON.stringify({ format: 'regstate-simulated-hive', version: 1, keys: [{ path: 'HKLM\\SOFTWARE\\A', values: [{ name: 'v', kind: 'DWord', data: 1 }] }] }));
      const cache = join(dir, 'data', 'regstate');
      expect(await readThrough(join(dir, 'data'), hive)).toEqual({ ok: true, values: 1 });
      const [kept] = dlls(cache);
      const original = await readFile(join(cache, kept as string));

      // An assembly that loads and names the agent's class, but is not the agent, put in place of the kept copy.
      const impostor = join(dir, 'impostor.dll');
      const source = 'namespace Regstate.Agent { public class RsAgent { } }';
      const built = await execa(pwsh(), ['-NoProfile', '-NonInteractive', '-Command', `Add-Type -TypeDefinition '${source}' -OutputAssembly '${impostor}' -OutputType Library`], { reject: false });
      expect(built.exitCode).toBe(0);
      await writeFile(join(cache, kept as string), await readFile(impostor));
      expect(await readThrough(join(dir, 'data'), hive)).toEqual({ ok: true, values: 1 });
      const [rebuilt] = dlls(cache);
      expect(dlls(cache)).toEqual([expect.stringMatching(CACHED)]);
      expect(holdsItsHash(cache, rebuilt as string)).toBe(true);

      // The same copy cut short: not loaded either.
      const whole = await readFile(join(cache, rebuilt as string));
      await writeFile(join(cache, rebuilt as string), whole.subarray(0, Math.floor(whole.length / 2)));
      expect(await readThrough(join(dir, 'data'), hive)).toEqual({ ok: true, values: 1 });
      const [last] = dlls(cache);
      expect(dlls(cache)).toEqual([expect.stringMatching(CACHED)]);
      expect(holdsItsHash(cache, last as string)).toBe(true);
      expect(original.length).toBe(whole.length);
    } finally {
      await cleanup();
    }
  }, 600_000);

  test('a cache place that cannot be written still gives a working agent (compiled in memory)', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const hive = join(dir, 'hive.json');
      await writeFile(hive, JSON.stringify({ format: 'regstate-simulated-hive', version: 1, keys: [{ path: 'HKLM\\SOFTWARE\\A', values: [{ name: 'v', kind: 'String', data: 'x' }] }] }));
      // regstate/ under the data home is a file, so no directory can be made there.
      await mkdir(join(dir, 'data'));
      await writeFile(join(dir, 'data', 'regstate'), 'in the way');
      expect(await readThrough(join(dir, 'data'), hive)).toEqual({ ok: true, values: 1 });
    } finally {
      await cleanup();
    }
  }, 600_000);

  test('C# that does not compile makes every request fail with the compiler error, nothing else', async () => {
    const script = AGENT_SCRIPTS.map((name) => `. '${agentScriptPath(name)}'`).join('; ');
    const bad = Buffer.from('namespace Regstate.Agent { public class Broken { int x = ; } }').toString('base64');
    const hello = Buffer.from(JSON.stringify({ op: 'hello' })).toString('base64');
    const { dir, cleanup } = await tempDir();
    try {
      const result = await execa(pwsh(), ['-NoProfile', '-NonInteractive', '-Command', `${script}; Import-RegstateAgentCode -SourceBase64 '${bad}'; Invoke-RegstateRequest -RequestBase64 '${hello}'`], {
        env: { XDG_DATA_HOME: join(dir, 'data') },
        reject: false,
      });
      const line = result.stdout.split('\n').find((l) => l.startsWith('REGSTATE:')) ?? '';
      const answer = JSON.parse(Buffer.from(line.slice('REGSTATE:'.length), 'base64').toString('utf8')) as { ok: boolean; errors: { code: string; message: string }[] };
      expect(answer).toMatchObject({ ok: false, errors: [{ code: 'INTERNAL', message: expect.stringContaining('the agent code did not compile or load') }] });
    } finally {
      await cleanup();
    }
  }, 600_000);
});
