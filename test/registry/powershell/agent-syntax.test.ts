import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { AGENT_SCRIPTS, agentScriptPath } from '../../../src/registry/powershell/powershell-session.js';
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
