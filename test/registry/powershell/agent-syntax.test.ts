import { readFileSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { ASSET_NAMES } from '../../../src/assets.js';
import { AGENT_SCRIPTS, AGENT_SOURCES, agentScriptPath } from '../../../src/registry/powershell/powershell-session.js';
import { describeWithPwsh, repoRoot, tempDir } from './pwsh-helper.js';

interface Finding {
  line: number;
  rule: string;
}

describeWithPwsh('the agent scripts stay within Windows PowerShell 5.1 (real pwsh parser)', (pwsh) => {
  const guard = join(repoRoot, 'scripts', 'check-ps51-syntax.ps1');

  async function check(file: string): Promise<{ exitCode: number; findings: Finding[] }> {
    const result = await execa(pwsh(), ['-NoProfile', '-NonInteractive', '-File', guard, '-Path', file], { reject: false });
    return { exitCode: result.exitCode ?? -1, findings: JSON.parse(result.stdout) as Finding[] };
  }

  test.each(AGENT_SCRIPTS)('%s parses without errors, is ASCII, and uses nothing 5.1 lacks', async (name) => {
    expect(await check(agentScriptPath(name))).toEqual({ exitCode: 0, findings: [] });
  });

  test('the fleet driver (src/fleet/remoting.ps1) parses without errors, is ASCII, and uses nothing 5.1 lacks', async () => {
    expect(await check(join(repoRoot, 'src', 'fleet', 'remoting.ps1'))).toEqual({ exitCode: 0, findings: [] });
  });

  test('the guard flags every 5.1-incompatible construct in the violations fixture, on its line, and nothing else', async () => {
    const fixture = join(repoRoot, 'test', 'fixtures', 'ps51-violations.ps1');
    const expected = readFileSync(fixture, 'utf8')
      .split('\n')
      .flatMap((text, i) => {
        const tag = /# expect: (.+)$/.exec(text);
        return tag ? [{ line: i + 1, rule: tag[1] }] : [];
      });
    expect(expected.length).toBeGreaterThanOrEqual(15);
    const { exitCode, findings } = await check(fixture);
    expect(exitCode).toBe(1);
    expect(findings.map(({ line, rule }) => ({ line, rule }))).toEqual(expected);
  });

  // Windows PowerShell 5.1's Add-Type compiles with the .NET Framework's csc: C# 5. PowerShell 7 adds RS_CORE.
  async function compileCs5(files: string[], define: string): Promise<{ exitCode: number; findings: { line: number; message: string }[] }> {
    const guardCs = join(repoRoot, 'scripts', 'check-cs5-syntax.ps1');
    const result = await execa(pwsh(), ['-NoProfile', '-NonInteractive', '-File', guardCs, '-Path', files.join(','), '-Define', define], { reject: false });
    return { exitCode: result.exitCode ?? -1, findings: JSON.parse(result.stdout) as { line: number; message: string }[] };
  }

  test.each([
    ['PowerShell 7', 'RS_CORE'],
    ['Windows PowerShell 5.1', ''],
  ])('the agent C# (%s) compiles as C# 5 without errors or warnings', async (_, define) => {
    expect(await compileCs5(AGENT_SOURCES.map((name) => agentScriptPath(name)), define)).toEqual({ exitCode: 0, findings: [] });
  }, 300_000);

  test('every C# file beside the agent is an agent source, shipped as an asset, and sent by the fleet fixture', () => {
    const dir = join(repoRoot, 'src', 'registry', 'powershell');
    expect(readdirSync(dir).filter((f) => f.endsWith('.cs')).sort()).toEqual([...AGENT_SOURCES].sort());
    for (const name of AGENT_SOURCES) expect(ASSET_NAMES).toContain(`src/registry/powershell/${name}`);
    // the fleet tests' stand-in for a session builds the same code from its own list
    const fixture = readFileSync(join(repoRoot, 'test', 'fleet', 'fixtures', 'connection-info.ps1'), 'utf8');
    const listed = /\$code = \(@\(([^)]*)\)/.exec(fixture)?.[1];
    expect(listed?.split(',').map((n) => n.trim().replace(/^'|'$/g, ''))).toEqual([...AGENT_SOURCES]);
  });

  test.each(AGENT_SOURCES)('%s is ASCII', (name) => {
    expect(/^[\x00-\x7f]*$/.test(readFileSync(agentScriptPath(name), 'utf8'))).toBe(true);
  });

  test('the C# 5 guard flags C# 6 syntax on its line', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const file = join(dir, 'newer.cs');
      await writeFile(file, 'namespace X {\n  public class Y {\n    public int Z => 1;\n  }\n}\n');
      const { exitCode, findings } = await compileCs5([file], '');
      expect(exitCode).toBe(1);
      expect(findings).toEqual([{ line: 3, message: expect.stringContaining('CS8026') }]);
    } finally {
      await cleanup();
    }
  }, 300_000);

  test('the guard reports parse errors and non-ASCII text', async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const broken = join(dir, 'broken.ps1');
      await writeFile(broken, "$x = 1\nfunction Broken {\n  'Grüße'\n");
      const { exitCode, findings } = await check(broken);
      expect(exitCode).toBe(1);
      expect(findings.map((f) => f.rule).sort()).toEqual(['non-ascii', 'parse-error']);
      expect(findings.find((f) => f.rule === 'non-ascii')?.line).toBe(3);
    } finally {
      await cleanup();
    }
  });
});
