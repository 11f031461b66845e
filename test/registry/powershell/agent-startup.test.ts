import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { encodeReadRequest } from '../../../src/registry/powershell/agent-protocol.js';
import { agentLoadLine, requestLines } from '../../../src/registry/powershell/powershell-session.js';
import { describeWithPwsh, tempDir } from './pwsh-helper.js';

// What every run pays before its first read: pwsh's own start, then the agent's load and hello.
describeWithPwsh('the agent\'s load', (pwsh) => {
  test('loading the agent, its hello and a read import no PowerShell module (New-Object alone would import Microsoft.PowerShell.Utility)', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const read = encodeReadRequest([{ key: { hive: 'HKLM', path: 'SOFTWARE\\RegstateStartup', view: 64 } }], join(dir, 'hive.json'));
      const script = [agentLoadLine(), ...requestLines(read), "[Console]::Out.WriteLine('MODULES:' + ((Get-Module | ForEach-Object Name) -join ','))", 'exit'].join('\n');
      // A cache of the compiled agent of its own (XDG_DATA_HOME is where .NET puts local application data):
      // the first process compiles it (Add-Type, which does import a module), the second loads it as every run does.
      const run = () => execa(pwsh(), ['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', '-'], { input: `${script}\n`, reject: false, env: { XDG_DATA_HOME: join(dir, 'data') } });
      await run();
      expect(readdirSync(join(dir, 'data', 'regstate')).filter((f) => /^agent-[0-9a-f]{32}-[0-9a-f]{64}\.dll$/.test(f))).toHaveLength(1);
      const result = await run();
      // (pwsh may put terminal control sequences before a line)
      const answers = [...result.stdout.matchAll(/REGSTATE:([A-Za-z0-9+/=]+)/g)].map((m) => JSON.parse(Buffer.from(m[1] as string, 'base64').toString('utf8')) as { ok: boolean });
      // the hello and the read were answered, so the agent did load
      expect(answers.map((a) => a.ok)).toEqual([true, true]);
      expect([...result.stdout.matchAll(/MODULES:(.*?)\r?$/gm)].map((m) => m[1])).toEqual(['']);
    } finally {
      await cleanup();
    }
  }, 300_000);

  test('with module auto-loading off ($PSModuleAutoLoadingPreference = None) the agent still compiles and answers', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const read = encodeReadRequest([{ key: { hive: 'HKLM', path: 'SOFTWARE\\RegstateStartup', view: 64 } }], join(dir, 'hive.json'));
      const script = ["$PSModuleAutoLoadingPreference = 'None'", agentLoadLine(), ...requestLines(read), 'exit'].join('\n');
      // an empty cache of compiled agents: this process must compile it (Add-Type)
      const result = await execa(pwsh(), ['-NoLogo', '-NoProfile', '-NonInteractive', '-Command', '-'], { input: `${script}\n`, reject: false, env: { XDG_DATA_HOME: join(dir, 'data') } });
      const answers = [...result.stdout.matchAll(/REGSTATE:([A-Za-z0-9+/=]+)/g)].map((m) => JSON.parse(Buffer.from(m[1] as string, 'base64').toString('utf8')) as { ok: boolean; errors: unknown[] });
      expect(answers.map((a) => [a.ok, a.errors])).toEqual([
        [true, []],
        [true, []],
      ]);
    } finally {
      await cleanup();
    }
  }, 300_000);
});
