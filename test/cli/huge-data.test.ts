import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { bin } from './cli-harness.js';

// A long-lived process (a jest worker, a service) can reach V8's limit on compiled regular expression
// code, after which no regular expression is optimised and a loop such as /^[0-9]+$/ overflows the
// stack past a few million characters. --no-regexp-optimization puts the CLI in that state from the start.

const digits = '9'.repeat(5_000_000);

/** One value v (type, data as written) under HKLM\SOFTWARE\X; its data starts at line 7, column 15. */
const config = (type: string, data: string, extra = ''): string => `version: 1\nkeys:\n  - path: HKLM\\SOFTWARE\\X\n    values:\n      - name: v\n        type: ${type}\n        data: ${data}\n${extra}`;

async function plan(text: string): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'regstate-huge-'));
  await writeFile(join(dir, 'c.yaml'), text);
  await writeFile(join(dir, 'empty.reg'), 'Windows Registry Editor Version 5.00\r\n\r\n');
  const result = await execa('node', ['--no-regexp-optimization', bin, 'plan', 'c.yaml', '--registry', 'empty.reg'], { cwd: dir, env: { NO_COLOR: '1' }, reject: false, timeout: 120_000 });
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** A refusal names the data's place and says why, with no stack trace. */
function expectRefused(result: { exitCode: number; stderr: string }, message: RegExp): void {
  expect(result.exitCode).toBe(1);
  expect(result.stderr).toMatch(/^c\.yaml:7:15: keys\[0\]\.values\[0\]\.data: /);
  expect(result.stderr).toMatch(message);
  expect(result.stderr).not.toMatch(/RangeError|nested too deeply|\n\s+at /);
}

describe('data of millions of characters, without optimised regular expressions', () => {
  test.each([
    ['quoted', `"${digits}"`],
    ['plain', digits],
  ])('a %s REG_QWORD of 5 million digits is out of range at its data', async (_style, data) => {
    expectRefused(await plan(config('REG_QWORD', data)), /REG_QWORD data 9{10,}… \(5000000 characters\) is out of range/);
  });

  test('the same on the reference path, with every other problem of the file', async () => {
    const result = await plan(config('REG_QWORD', digits, '        bogus: 1\n'));
    expectRefused(result, /is out of range/);
    expect(result.stderr).toContain('c.yaml:8:9: keys[0].values[0]: unknown property "bogus"');
  });

  test('a plain float of 5 million digits is not a REG_DWORD', async () => {
    expectRefused(await plan(config('REG_DWORD', `${digits}.5`)), /REG_DWORD data must be an integer/);
  });

  test('a REG_DWORD of 0x, 5 million zeros and 1 is 1', async () => {
    const result = await plan(config('REG_DWORD', `"0x${'0'.repeat(5_000_000)}1"`));
    expect([result.exitCode, result.stderr]).toEqual([0, '']);
    expect(result.stdout).toMatch(/\+ v {2}REG_DWORD {2}1 \(0x00000001\)/);
  });

  test('a REG_BINARY of 3 million bytes is planned; one stray character in it is refused at the data', async () => {
    const hex = 'ab'.repeat(3_000_000);
    const good = await plan(config('REG_BINARY', `"${hex}"`));
    expect([good.exitCode, good.stderr]).toEqual([0, '']);
    expect(good.stdout).toContain('(3000000 bytes)');
    expectRefused(await plan(config('REG_BINARY', `"${hex}g"`)), /REG_BINARY/);
  });
});
