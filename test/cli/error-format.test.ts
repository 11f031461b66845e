import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../src/cli/run.js';
import { runCli } from './cli-harness.js';

async function workspace(files: Record<string, string | Buffer>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'regstate-errors-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

async function runWithTerminal(argv: string[], cwd: string, env: Record<string, string> = {}): Promise<{ exitCode: number; stderr: string }> {
  let stderr = '';
  const exitCode = await run(argv, {
    stdout: { write: () => true, isTTY: true },
    stderr: { write: (s: string) => (stderr += s), isTTY: true },
    stdinIsTTY: false,
    env,
    cwd,
    platform: 'linux',
  });
  return { exitCode, stderr };
}

const BAD = 'version: 1\nkeys:\n  - path: HKXX\\SOFTWARE\\X\n    values:\n      - name: A\n        type: REG_DWORD\n        data: 4294967296\n';

describe('config errors in text show the source line and a caret, as compilers do', () => {
  test('each error: FILE:LINE:COLUMN: message, the line, a caret under the column', async () => {
    const dir = await workspace({ 'bad.yaml': BAD });
    const result = await runCli(['validate', 'bad.yaml'], { cwd: dir });
    expect(result.exitCode).toBe(1);
    const lines = result.stderr.split('\n');
    expect(lines).toHaveLength(6);
    expect(lines[0]).toMatch(/^bad\.yaml:3:11: keys\[0\]\.path: unknown hive "HKXX"/);
    expect(lines.slice(1, 3)).toEqual(['    3 |   - path: HKXX\\SOFTWARE\\X', '      |           ^']);
    expect(lines[3]).toMatch(/^bad\.yaml:7:15: /);
    expect(lines.slice(4, 6)).toEqual(['    7 |         data: 4294967296', '      |               ^']);
  });

  test('wide characters and tabs keep the caret under the column; control characters never reach the terminal', async () => {
    const dir = await workspace({ 'wide.yaml': 'version: 1\nkeys:\n  - path: "HKLM\\\\日本\\te\u001b[31m"\n    view: 99\n  - {path: "日本", view: 7}\n' });
    const result = await runCli(['validate', 'wide.yaml'], { cwd: dir });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).not.toContain('\u001b');
    const lines = result.stderr.split('\n');
    const last = lines.lastIndexOf('    5 |   - {path: "日本", view: 7}');
    expect(last).toBeGreaterThan(0);
    // "  - {path: "日本", view: " is 25 columns wide on a terminal (each CJK character takes two).
    expect(lines[last + 1]).toBe(`      | ${' '.repeat(25)}^`);
  });

  test('--format json is unchanged: errors as data, no excerpt', async () => {
    const dir = await workspace({ 'bad.yaml': BAD });
    const result = await runCli(['validate', 'bad.yaml', '--format', 'json'], { cwd: dir });
    expect(result.exitCode).toBe(1);
    expect(JSON.parse(result.stdout).errors).toEqual([
      expect.objectContaining({ code: 'KEY_PATH', file: 'bad.yaml', line: 3, column: 11 }),
      expect.objectContaining({ code: 'VALUE_RANGE', file: 'bad.yaml', line: 7, column: 15 }),
    ]);
    expect(result.stdout).not.toContain('|');
  });

  test('colour only on a terminal, never with --no-color or NO_COLOR', async () => {
    const dir = await workspace({ 'bad.yaml': BAD });
    const tty = await runWithTerminal(['validate', 'bad.yaml'], dir);
    expect(tty.exitCode).toBe(1);
    expect(tty.stderr).toContain('\u001b[');
    expect((await runWithTerminal(['validate', 'bad.yaml', '--no-color'], dir)).stderr).not.toContain('\u001b[');
    expect((await runWithTerminal(['validate', 'bad.yaml'], dir, { NO_COLOR: '1' })).stderr).not.toContain('\u001b[');
    expect((await runCli(['validate', 'bad.yaml'], { cwd: dir, env: { NO_COLOR: '' } })).stderr).not.toContain('\u001b[');
  });
});
