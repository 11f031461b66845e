import { readdirSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { encodeReadRequest } from '../../../src/registry/powershell/agent-protocol.js';
import { AGENT_SCRIPTS, PowerShellSession, agentScriptPath } from '../../../src/registry/powershell/powershell-session.js';
import { describeWithPwsh, tempDir } from './pwsh-helper.js';

// The agent compiles agent.cs and simulated-hive.cs once and keeps the assembly in the user's local
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

  test('the first process compiles and keeps one assembly, the next loads it unchanged; a damaged one is compiled again and stale ones go', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const hive = join(dir, 'hive.json');
      await writeFile(hive, JSON.stringify({ format: 'regstate-simulated-hive', version: 1, keys: [{ path: 'HKLM\\SOFTWARE\\A', values: [{ name: 'v', kind: 'DWord', data: 1 }] }] }));
      const cache = join(dir, 'data', 'regstate');

      expect(await readThrough(join(dir, 'data'), hive)).toEqual({ ok: true, values: 1 });
      const [kept] = dlls(cache);
      expect(dlls(cache)).toEqual([expect.stringMatching(/^agent-[0-9a-f]{32}\.dll$/)]);
      const first = statSync(join(cache, kept as string));

      expect(await readThrough(join(dir, 'data'), hive)).toEqual({ ok: true, values: 1 });
      const second = statSync(join(cache, kept as string));
      expect({ ino: second.ino, mtimeMs: second.mtimeMs, size: second.size }).toEqual({ ino: first.ino, mtimeMs: first.mtimeMs, size: first.size });

      await writeFile(join(cache, kept as string), 'not an assembly');
      await writeFile(join(cache, 'agent-00000000000000000000000000000000.dll'), 'an older agent');
      expect(await readThrough(join(dir, 'data'), hive)).toEqual({ ok: true, values: 1 });
      expect(dlls(cache)).toEqual([kept]);
      expect(statSync(join(cache, kept as string)).size).toBe(first.size);
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
