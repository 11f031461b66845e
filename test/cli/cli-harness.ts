import { cp, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
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
export async function runCli(args: string[], options: { cwd?: string; env?: Record<string, string>; input?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  const result = await execa('node', [bin, ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { NO_COLOR: '1', ...options.env },
    input: options.input,
    reject: false,
    timeout: options.timeoutMs ?? 120_000,
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

/** Starts the built CLI without waiting for it (for concurrent runs and kills). */
export function startCli(args: string[], options: { cwd?: string } = {}) {
  return execa('node', [bin, ...args], { cwd: options.cwd ?? repoRoot, env: { NO_COLOR: '1' }, reject: false, timeout: 120_000 });
}

/** The pinned PowerShell 7, passed to the CLI with --powershell. */
export const pwsh = join(repoRoot, '.tools', 'pwsh');

/** A run's JSON report, as `--report FILE` wrote it. */
export async function readJson<T = Record<string, any>>(file: string): Promise<T> {
  return JSON.parse(await readFile(file, 'utf8')) as T;
}

/**
 * Waits (polling) until `check` is true, for at most `deadlineMs`. A deadline of its own: when jest's
 * test timeout fires first, a loop without one would go on polling and keep jest from exiting.
 */
export async function waitFor(check: () => Promise<boolean> | boolean, deadlineMs = 30_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`waitFor: still not true after ${deadlineMs} ms`);
    await sleep(50);
  }
}

export async function listJournals(stateDir: string): Promise<string[]> {
  return (await readdir(join(stateDir, 'journals')).catch(() => [] as string[])).filter((n) => n.endsWith('.json')).sort().map((n) => join(stateDir, 'journals', n));
}

export interface HiveValue {
  name: string;
  kind: string | number;
  data: unknown;
}

/** Writes a simulated hive file; `faults` as simulated-hive.ps1 documents. */
export async function writeHive(file: string, keys: { path: string; values: HiveValue[] }[], faults?: { exitAfterWrites?: number; delayMsPerWrite?: number }): Promise<void> {
  await writeFile(file, JSON.stringify({ format: 'regstate-simulated-hive', version: 1, ...(faults ? { faults } : {}), keys }, null, 2));
}

/**
 * A hive file's registry, value for value: every key that exists (a listed key makes its
 * ancestors exist) with its values sorted by name; case of names kept as stored.
 */
export async function readHive(file: string): Promise<Record<string, Record<string, { kind: unknown; data: unknown }>>> {
  const doc = await readJson<{ keys: { path: string; values: HiveValue[] }[]; faults?: unknown }>(file);
  const out: Record<string, Record<string, { kind: unknown; data: unknown }>> = {};
  for (const k of doc.keys) {
    const parts = k.path.split('\\');
    for (let i = 2; i <= parts.length; i++) out[parts.slice(0, i).join('\\')] ??= {};
    const values = out[k.path] as Record<string, { kind: unknown; data: unknown }>;
    for (const v of k.values) values[v.name] = { kind: v.kind, data: v.data };
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** Pids of the direct children of a process (Linux `ps`). */
export async function childPids(pid: number): Promise<number[]> {
  const { stdout } = await execa('ps', ['-o', 'pid=', '--ppid', String(pid)], { reject: false });
  return stdout.split('\n').map((s) => Number(s.trim())).filter((n) => n > 0);
}

/** Is the process running? A zombie (exited, not yet reaped, as orphans can stay in a container) is not. */
export async function isAlive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return !/^\d+ \(.*\) [ZX] /s.test(stat);
}

/** The lock files (`<generation>.lock`) of a target file (kept beside it), with the holders they record. */
export async function listLocks(targetFile: string): Promise<{ file: string; pid: number }[]> {
  const locks: { file: string; pid: number }[] = [];
  const dir = join(dirname(targetFile), `.${basename(targetFile)}.regstate-lock`);
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.endsWith('.lock')) continue;
    const file = join(dir, name);
    locks.push({ file, pid: (await readJson<{ pid: number }>(file)).pid });
  }
  return locks;
}
