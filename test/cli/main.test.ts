import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { bin, repoRoot, runCli, tempWorkspace } from './cli-harness.js';

// Enough planned changes that the text plan is far larger than a pipe's buffer (64 KiB on Linux),
// so the CLI is still writing when its reader goes away.
const VALUES = 3000;

async function bigConfig(dir: string): Promise<string> {
  const lines = ['version: 1', 'keys:', '  - path: HKLM\\SOFTWARE\\RegstateOutputTest', '    values:'];
  for (let i = 0; i < VALUES; i++) lines.push(`      - { name: Value${i}, type: REG_SZ, data: "a value long enough to fill the pipe ${i}" }`);
  const file = join(dir, 'big.yaml');
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

/** Runs the CLI with its standard output closed by the reader after the first piece it reads. */
async function runWithReaderGone(args: string[]): Promise<{ exitCode: number; stderr: string; firstPiece: string }> {
  const child = execa('node', [bin, ...args], { cwd: repoRoot, env: { NO_COLOR: '1' }, reject: false, timeout: 120_000, buffer: { stdout: false } });
  let firstPiece = '';
  child.stdout.once('data', (piece: Buffer) => {
    firstPiece = piece.toString('utf8');
    child.stdout.destroy();
  });
  const result = await child;
  return { exitCode: result.exitCode ?? -1, stderr: String(result.stderr), firstPiece };
}

describe('the CLI process when its output cannot be written', () => {
  test('plan | head: the reader going away is no error, no stack trace, the exit code is the plan\'s own', async () => {
    const { dir, snapshot } = await tempWorkspace();
    const config = await bigConfig(dir);
    const plain = await runWithReaderGone(['plan', config, '--registry', snapshot]);
    expect(plain.firstPiece).toMatch(/^regstate will perform the following actions/);
    expect(plain.stderr).toBe('');
    expect(plain.exitCode).toBe(0);

    const detailed = await runWithReaderGone(['plan', config, '--registry', snapshot, '--detailed-exitcode']);
    expect(detailed.stderr).toBe('');
    expect(detailed.exitCode).toBe(2);
  });

  test('an apply whose reader went away still writes, verifies and journals every change', async () => {
    const { dir, snapshot } = await tempWorkspace();
    const config = await bigConfig(dir);
    const state = join(dir, 'state');
    const applied = await runWithReaderGone(['apply', config, '--registry', snapshot, '--auto-approve', '--state-dir', state]);
    expect(applied.stderr).toBe('');
    expect(applied.exitCode).toBe(0);
    // read back from the file itself: every value is there
    const after = await runCli(['plan', config, '--registry', snapshot, '--detailed-exitcode']);
    expect(after.exitCode).toBe(0);
    expect(after.stdout).toMatch(/No changes/);
    const text = (await readFile(snapshot)).toString('utf16le');
    expect(text).toContain(`"Value${VALUES - 1}"="a value long enough to fill the pipe ${VALUES - 1}"`);
  });

  // /dev/full fails every write with ENOSPC: the full disk behind `regstate plan > plan.txt`
  test('a full disk behind standard output: said once on standard error, exit 1 where it would be 0', async () => {
    const { snapshot } = await tempWorkspace();
    const config = join(repoRoot, 'configs', 'agpm-email-security.yaml');
    const result = await execa('bash', ['-c', 'node "$0" plan "$1" --registry "$2" > /dev/full', bin, config, snapshot], { env: { NO_COLOR: '1' }, reject: false, timeout: 120_000 });
    expect(result.stderr).toBe('regstate: error: cannot write to standard output (ENOSPC); the rest of it is lost');
    expect(result.exitCode).toBe(1);

    // with --detailed-exitcode the pending changes still say 2: a failure, as 0 would not be
    const detailed = await execa('bash', ['-c', 'node "$0" plan "$1" --registry "$2" --detailed-exitcode > /dev/full', bin, config, snapshot], { env: { NO_COLOR: '1' }, reject: false, timeout: 120_000 });
    expect(detailed.exitCode).toBe(2);
  });
});
