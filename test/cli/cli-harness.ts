import { cp, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const bin = join(repoRoot, 'bin', 'regstate.js');
export const agpmConfig = join(repoRoot, 'configs', 'agpm-email-security.yaml');
export const agpmSnapshot = join(repoRoot, 'configs', 'examples', 'agpm-server-snapshot.reg');

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a real process; never throws on a non-zero exit. */
export async function runCli(args: string[], options: { cwd?: string; env?: Record<string, string>; input?: string } = {}): Promise<CliResult> {
  const result = await execa('node', [bin, ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { NO_COLOR: '1', ...options.env },
    input: options.input,
    reject: false,
    timeout: 120_000,
  });
  return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** A fresh temporary directory holding a copy of the AGPM snapshot, as `snapshot.reg`. */
export async function tempWorkspace(): Promise<{ dir: string; snapshot: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'regstate-cli-'));
  const snapshot = join(dir, 'snapshot.reg');
  await cp(agpmSnapshot, snapshot);
  return { dir, snapshot };
}
