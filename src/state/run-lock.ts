import { randomBytes } from 'node:crypto';
import { readFileSync, rmdirSync, unlinkSync } from 'node:fs';
import { link, mkdir, readdir, readFile, rmdir, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RegstateError } from '../errors.js';
import { describeFsError } from '../fs/describe-fs-error.js';

// Why not proper-lockfile: it judges a holder dead only by the age of the lock's mtime, so a
// holder killed with SIGKILL (or by the Task Scheduler's time limit) blocks every run for `stale`
// ms, and a live holder whose event loop stalls longer than that silently loses its lock; its stale
// break is stat-then-rmdir, so two waiters breaking the same stale lock can remove each other's
// fresh lock and both go on; and it records no holder for the LOCK_TIMEOUT message.
//
// This lock instead records {pid, pidStartTime, hostname, startedAt, command} and is dead exactly
// when that process no longer exists on this host (a live pid that started at another time is a
// reused pid: dead too). Breaking it never deletes anything: the lock is a series of
// generation files `<n>.lock`, each created whole and exclusively (write a temp file, then link()),
// and the holder is the creator of the highest generation. To take over from a released or dead
// generation n, a process creates n+1; of all waiters racing to break the same dead holder, link()
// lets exactly one create n+1. A generation number can be reused only after its file was removed,
// so a creator re-lists after link() and backs off when a higher generation exists.

/** Who holds a run lock, as its lock file records it. */
export interface LockHolder {
  pid: number;
  /** When the holder process started, as the OS counts it (Linux: /proc/PID/stat field 22); absent where unknown. */
  pidStartTime?: string;
  hostname: string;
  /** ISO 8601, UTC. */
  startedAt: string;
  command: string;
  target: string;
  /** Random identity of this acquisition. */
  token: string;
}

export interface RunLockOptions {
  /** The folder holding this target's lock (see locateLock); created when missing. */
  dir: string;
  /** Stable id of what is locked, e.g. `regfile:/canonical/path` or `registry:HOST`. */
  target: string;
  /** How long to wait for another holder; 0 tries once. */
  timeoutMs: number;
  /** Called when the lock is found held, once per holder. */
  onWait?: (holder: LockHolder) => void;
  /** Recorded for other waiters; defaults to this process's command line. */
  command?: string;
  /** Poll interval while waiting (default 200 ms). */
  pollMs?: number;
}

export interface RunLock {
  readonly file: string;
  readonly holder: LockHolder;
  /** Removes the lock. Safe to call twice. */
  release(): Promise<void>;
}

const GENERATION = /^(\d{1,15})\.lock$/;
const TEMP = /^tmp-(\d+)-[0-9a-f]+$/;

// Tokens of the locks this process holds, and their files (for the exit handler).
const heldFiles = new Map<string, string>();
let exitHookInstalled = false;

type Attempt = { kind: 'held'; file: string } | { kind: 'busy'; file: string; holder?: LockHolder } | { kind: 'retry'; file?: string };

// Retries are normally over in a few rounds; past the deadline this many in a row end the wait.
const MAX_LATE_RETRIES = 20;

/**
 * Takes the lock of one target (one apply or rollback per target at a time), waiting up to
 * `timeoutMs` for a live holder; breaks a lock whose holder process is dead. Throws LOCK_TIMEOUT
 * naming the holder when the wait runs out.
 */
export async function acquireRunLock(options: RunLockOptions): Promise<RunLock> {
  const dir = options.dir;
  await makeLockDir(dir);
  installExitHook();
  const ownStart = readPidStartTime(process.pid);
  const holder: LockHolder = {
    pid: process.pid,
    ...(ownStart === undefined ? {} : { pidStartTime: ownStart }),
    hostname: os.hostname(),
    startedAt: new Date().toISOString(),
    command: options.command ?? defaultCommand(),
    target: options.target,
    token: randomBytes(16).toString('hex'),
  };
  try {
    return await waitForLock(dir, holder, options);
  } catch (error) {
    // Leaves no empty lock folder beside the target when the lock could not be had (a full disk, say).
    await rmdir(dir).catch(() => undefined);
    throw error;
  }
}

async function waitForLock(dir: string, holder: LockHolder, options: RunLockOptions): Promise<RunLock> {
  const deadline = Date.now() + Math.max(0, options.timeoutMs);
  const pollMs = options.pollMs ?? 200;
  let seen: string | undefined;
  let lateRetries = 0;
  for (;;) {
    const attempt = await tryAcquire(dir, holder);
    if (attempt.kind === 'held') return makeLock(attempt.file, holder);
    if (attempt.kind === 'busy') {
      if (attempt.holder && attempt.holder.token !== seen) {
        seen = attempt.holder.token;
        options.onWait?.(attempt.holder);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw lockTimeout(options, attempt.file, attempt.holder);
      await sleep(Math.min(pollMs, left));
    } else {
      // Someone else changed the generations meanwhile: look again after a short random pause.
      if (Date.now() > deadline && ++lateRetries > MAX_LATE_RETRIES) throw lockTimeout(options, attempt.file ?? dir, undefined);
      await sleep(5 + Math.floor(Math.random() * 20));
    }
  }
}

// How often mkdir is tried again after the folder vanished under it (see makeLockDir).
const MKDIR_ATTEMPTS = 100;

async function makeLockDir(dir: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await mkdir(dir, { recursive: true });
      return;
    } catch (e) {
      // mkdir -p checks an existing folder with a stat after EEXIST. A holder that releases the lock
      // removes the empty folder, and when that falls between the two, the stat fails with ENOENT
      // though nothing is wrong: the folder is simply to be made again.
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' && attempt < MKDIR_ATTEMPTS) continue;
      throw new RegstateError('STATE_DIR', `cannot create lock directory ${dir}: ${describeFsError(e)}`, { cause: e });
    }
  }
}

async function tryAcquire(dir: string, holder: LockHolder): Promise<Attempt> {
  const generations = await listGenerations(dir).catch(async (e: NodeJS.ErrnoException) => {
    // The last holder removed the empty folder on release: make it again.
    if (e.code !== 'ENOENT') throw e;
    await makeLockDir(dir);
    return undefined;
  });
  if (generations === undefined) return { kind: 'retry' };
  const top = generations.at(-1);
  if (top !== undefined) {
    const file = generationFile(dir, top);
    const current = await readHolder(file);
    if (current === 'gone') return { kind: 'retry' };
    if (current === 'unreadable') return { kind: 'busy', file };
    if (current === 'busy-file') return { kind: 'retry', file };
    if (isHolderAlive(current)) return { kind: 'busy', file, holder: current };
  }
  const mine = (top ?? 0) + 1;
  const file = generationFile(dir, mine);
  if (!(await createExclusive(dir, file, holder))) return { kind: 'retry' };
  const after = await listGenerations(dir);
  if (after.some((g) => g > mine)) {
    // Our number was reused after its earlier file had been cleaned up: a later generation rules.
    heldFiles.delete(holder.token);
    await removeQuietly(file);
    return { kind: 'retry' };
  }
  await cleanUp(dir, after.filter((g) => g < mine));
  return { kind: 'held', file };
}

/** Creates `file` with the holder's record, whole, only if it does not exist yet. */
async function createExclusive(dir: string, file: string, holder: LockHolder): Promise<boolean> {
  const temp = path.join(dir, `tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    // Readable by all: another user's run waiting on this target must see who holds it.
    await writeFile(temp, `${JSON.stringify(holder)}\n`, { flag: 'wx', mode: 0o644 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new RegstateError('STATE_DIR', `cannot create lock file in ${dir}: ${describeFsError(e)}`, { cause: e });
  }
  // Registered before link() so that a waiter in this same process sees the new file as live.
  heldFiles.set(holder.token, file);
  try {
    await link(temp, file);
    return true;
  } catch (e) {
    heldFiles.delete(holder.token);
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new RegstateError('STATE_DIR', `cannot create lock file ${file}: ${(e as Error).message}`, { cause: e });
  } finally {
    await removeQuietly(temp);
  }
}

// Removes older generations (all released or dead) and temp files of dead processes.
async function cleanUp(dir: string, older: number[]): Promise<void> {
  for (const g of older) await removeQuietly(generationFile(dir, g));
  for (const name of await readdir(dir)) {
    const pid = TEMP.exec(name)?.[1];
    if (pid !== undefined && Number(pid) !== process.pid && !isPidAlive(Number(pid))) await removeQuietly(path.join(dir, name));
  }
}

function makeLock(file: string, holder: LockHolder): RunLock {
  let released = false;
  return {
    file,
    holder,
    async release() {
      if (released) return;
      released = true;
      const current = await readHolder(file);
      if (typeof current === 'object' && current.token === holder.token) await removeQuietly(file);
      heldFiles.delete(holder.token);
      // Leaves nothing beside the target; fails harmlessly while another run uses the folder.
      await rmdir(path.dirname(file)).catch(() => undefined);
    },
  };
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Releases what a crashing or exiting process still holds; a killed one is detected by its pid.
  process.on('exit', () => {
    for (const [token, file] of heldFiles) {
      try {
        if ((JSON.parse(readFileSync(file, 'utf8')) as LockHolder).token === token) {
          unlinkSync(file);
          rmdirSync(path.dirname(file));
        }
      } catch {
        // already gone or unreadable: nothing of ours to remove
      }
    }
    heldFiles.clear();
  });
}

/** A holder is dead when it ran on this host and its pid no longer exists. */
export function isHolderAlive(holder: LockHolder): boolean {
  // Another host's pid cannot be checked from here: wait for it rather than risk two runs.
  if (holder.hostname !== os.hostname()) return true;
  // Our own pid: live only if this process really holds that lock (else the pid was reused by us).
  if (holder.pid === process.pid) return heldFiles.has(holder.token);
  if (!isPidAlive(holder.pid)) return false;
  // The pid exists, but if it started at another time than the holder did, it was reused.
  const start = holder.pidStartTime === undefined ? undefined : readPidStartTime(holder.pid);
  return start === undefined || start === holder.pidStartTime;
}

/**
 * A process's start time as the OS counts it: Linux's /proc/PID/stat field 22 (clock ticks since
 * boot). Undefined elsewhere (Windows, macOS): there a lock trusts the pid alone.
 */
export function readPidStartTime(pid: number): string | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (the command name) may hold spaces and parentheses: count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

async function listGenerations(dir: string): Promise<number[]> {
  const names = await readdir(dir);
  const generations: number[] = [];
  for (const name of names) {
    const m = GENERATION.exec(name);
    if (m?.[1] !== undefined) generations.push(Number(m[1]));
  }
  return generations.sort((a, b) => a - b);
}

function generationFile(dir: string, generation: number): string {
  return path.join(dir, `${String(generation).padStart(12, '0')}.lock`);
}

// 'busy-file': Windows refuses to open a file while it is being deleted (its holder just released it).
async function readHolder(file: string): Promise<LockHolder | 'gone' | 'busy-file' | 'unreadable'> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'gone';
    return code === 'EPERM' || code === 'EACCES' || code === 'EBUSY' ? 'busy-file' : 'unreadable';
  }
  try {
    const h = JSON.parse(text) as Partial<LockHolder>;
    if (typeof h.pid === 'number' && typeof h.hostname === 'string' && typeof h.token === 'string') {
      const start = typeof h.pidStartTime === 'string' ? { pidStartTime: h.pidStartTime } : {};
      return { pid: h.pid, ...start, hostname: h.hostname, token: h.token, startedAt: String(h.startedAt), command: String(h.command), target: String(h.target) };
    }
  } catch {
    // fall through
  }
  return 'unreadable';
}

async function removeQuietly(file: string): Promise<void> {
  try {
    await unlink(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

function defaultCommand(): string {
  const [, script, ...args] = process.argv;
  return [script === undefined ? 'regstate' : path.basename(script), ...args].join(' ');
}

function lockTimeout(options: RunLockOptions, file: string, holder: LockHolder | undefined): RegstateError {
  const waited = `waited ${Math.round(options.timeoutMs / 100) / 10} s`;
  if (!holder) {
    return new RegstateError('LOCK_TIMEOUT', `${options.target} is locked and its lock file ${file} is unreadable (${waited}); delete it if no regstate run is active`);
  }
  return new RegstateError(
    'LOCK_TIMEOUT',
    `${options.target} is locked by another regstate run: pid ${holder.pid} on ${holder.hostname} since ${holder.startedAt}, running "${holder.command}" (${waited}; lock file ${file})`,
  );
}
