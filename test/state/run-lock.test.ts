import { mkdir, mkdtemp, readdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { acquireRunLock, readPidStartTime, type LockHolder } from '../../src/state/run-lock.js';
import { compileSources } from './fixtures/compile-sources.js';

const WORKER = path.resolve('test/state/fixtures/lock-worker.mjs');
const TARGET = 'regfile:/srv/snapshots/agpm.reg';
let tmp: string;
let runLockJs: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'regstate-lock-'));
  await compileSources(['state/run-lock.ts', 'errors.ts', 'fs/describe-fs-error.ts', 'model/display-text.ts'], path.join(tmp, 'build'));
  runLockJs = path.join(tmp, 'build', 'state', 'run-lock.js');
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

let caseNo = 0;
/** A fresh lock folder (not created yet: acquireRunLock makes it, and the last release removes it). */
async function newStateDir(): Promise<string> {
  return path.join(await mkdtemp(path.join(tmp, `state-${++caseNo}-`)), 'lock');
}

function worker(stateDir: string, mode: string, ...args: string[]): ResultPromise {
  return execa(process.execPath, [WORKER, runLockJs, stateDir, TARGET, mode, ...args]);
}

/** Starts a worker that takes the lock and waits; resolves once it holds it (wrapped: the child is a thenable). */
async function startHolder(stateDir: string): Promise<{ child: ResultPromise }> {
  const child = execa(process.execPath, [WORKER, runLockJs, stateDir, TARGET, 'hold'], { reject: false });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('acquired')) resolve();
    });
    child.once('exit', () => reject(new Error('holder exited before acquiring')));
  });
  return { child };
}

async function killHard({ child }: { child: ResultPromise }): Promise<void> {
  child.kill('SIGKILL');
  const result = await child;
  expect(result.signal).toBe('SIGKILL');
}

/** Reads a child's stdout line by line. */
function collectLines(child: ResultPromise): { next(): Promise<string> } {
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  let buffer = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    for (let cut = buffer.indexOf('\n'); cut >= 0; cut = buffer.indexOf('\n')) {
      const line = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 1);
      const waiter = waiting.shift();
      if (waiter) waiter(line);
      else lines.push(line);
    }
  });
  return {
    next: () => new Promise((resolve) => {
      const line = lines.shift();
      if (line !== undefined) resolve(line);
      else waiting.push(resolve);
    }),
  };
}

async function lockFiles(stateDir: string): Promise<string[]> {
  return (await readdir(stateDir).catch(() => [] as string[])).filter((n) => n.endsWith('.lock'));
}

describe('acquireRunLock in one process', () => {
  test('a second acquirer waits, then fails with LOCK_TIMEOUT naming the holder', async () => {
    const stateDir = await newStateDir();
    const first = await acquireRunLock({ dir: stateDir, target: TARGET, timeoutMs: 0, command: 'regstate apply a.yaml' });
    const seen: LockHolder[] = [];
    const second = acquireRunLock({ dir: stateDir, target: TARGET, timeoutMs: 300, pollMs: 20, onWait: (h) => seen.push(h) });
    await expect(second).rejects.toMatchObject({ code: 'LOCK_TIMEOUT' });
    const { message } = (await second.catch((e: Error) => e)) as Error;
    expect(message).toContain(`pid ${process.pid}`);
    expect(message).toContain(first.holder.startedAt);
    expect(message).toContain('regstate apply a.yaml');
    expect(seen).toEqual([first.holder]);
    await first.release();
  });

  test('release lets the waiting acquirer in', async () => {
    const stateDir = await newStateDir();
    const first = await acquireRunLock({ dir: stateDir, target: TARGET, timeoutMs: 0 });
    let waiting!: () => void;
    const waited = new Promise<void>((resolve) => (waiting = resolve));
    const second = acquireRunLock({ dir: stateDir, target: TARGET, timeoutMs: 60000, pollMs: 10, onWait: () => waiting() });
    await waited;
    await first.release();
    const lock = await second;
    expect(lock.holder.token).not.toBe(first.holder.token);
    expect(await lockFiles(stateDir)).toEqual([path.basename(lock.file)]);
    await lock.release();
    expect(await lockFiles(stateDir)).toEqual([]);
  });

  test('different targets do not block each other; release twice is harmless', async () => {
    const stateDir = await newStateDir();
    const a = await acquireRunLock({ dir: path.join(stateDir, 'a'), target: 'registry:host-a', timeoutMs: 0 });
    const b = await acquireRunLock({ dir: path.join(stateDir, 'b'), target: 'registry:host-b', timeoutMs: 0 });
    await a.release();
    await a.release();
    await b.release();
  });

  test('the lock folder removed and made again by other runs meanwhile never fails an acquire', async () => {
    // Every release removes the empty folder; mkdir -p's check of an existing folder can then meet
    // ENOENT. Another run's release is played here by a loop that removes and makes the folder.
    const stateDir = await newStateDir();
    let stop = false;
    const churn = (async () => {
      while (!stop) {
        await rmdir(stateDir).catch(() => undefined);
        await mkdir(stateDir).catch(() => undefined);
        // One turn of the event loop: a loop that never yields would keep the acquirer from ever finding the folder.
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const failures: string[] = [];
    try {
      for (let i = 0; i < 30; i++) {
        try {
          const lock = await acquireRunLock({ dir: stateDir, target: TARGET, timeoutMs: 30000, pollMs: 5 });
          await lock.release();
        } catch (e) {
          failures.push((e as Error).message);
        }
      }
    } finally {
      stop = true;
      await churn;
    }
    expect(failures).toEqual([]);
  });

  test('an unreadable lock file is not broken: LOCK_TIMEOUT names the file', async () => {
    const stateDir = await newStateDir();
    const first = await acquireRunLock({ dir: stateDir, target: TARGET, timeoutMs: 0 });
    await writeFile(first.file, 'not json');
    const error = await acquireRunLock({ dir: stateDir, target: TARGET, timeoutMs: 0 }).catch((e: Error) => e);
    expect(error).toMatchObject({ code: 'LOCK_TIMEOUT' });
    expect((error as Error).message).toContain(first.file);
    await rm(first.file);
  });

  test('a live pid that started at another time than the holder is a reused pid: the lock is broken', async () => {
    const stateDir = await newStateDir();
    const first = await acquireRunLock({ dir: stateDir, target: TARGET, timeoutMs: 0 });
    const live = process.ppid;
    const realStart = readPidStartTime(live);
    expect(realStart).toMatch(/^\d+$/);
    await writeFile(first.file, JSON.stringify({ ...first.holder, pid: live, pidStartTime: realStart }));
    // The same pid with its real start time is a live holder...
    await expect(acquireRunLock({ dir: stateDir, target: TARGET, timeoutMs: 0 })).rejects.toMatchObject({ code: 'LOCK_TIMEOUT' });
    // ...and with another start time, a dead one whose pid was reused.
    await writeFile(first.file, JSON.stringify({ ...first.holder, pid: live, pidStartTime: String(Number(realStart) + 1) }));
    const next = await acquireRunLock({ dir: stateDir, target: TARGET, timeoutMs: 0 });
    expect(next.holder.pidStartTime).toBe(readPidStartTime(process.pid));
    await next.release();
  });

  test('a lock recorded on another host is never broken', async () => {
    const stateDir = await newStateDir();
    const first = await acquireRunLock({ dir: stateDir, target: TARGET, timeoutMs: 0 });
    const other = { ...first.holder, hostname: `not-${os.hostname()}`, pid: 1 << 22 };
    await writeFile(first.file, JSON.stringify(other));
    const error = await acquireRunLock({ dir: stateDir, target: TARGET, timeoutMs: 0 }).catch((e: Error) => e);
    expect(error).toMatchObject({ code: 'LOCK_TIMEOUT' });
    expect((error as Error).message).toContain(other.hostname);
    await rm(first.file);
  });
});

describe('acquireRunLock across processes', () => {
  test('runs of several processes never interleave', async () => {
    const stateDir = await newStateDir();
    const log = path.join(path.dirname(stateDir), 'log.txt');
    await writeFile(log, '');
    const children = [1, 2, 3, 4].map(() => worker(stateDir, 'log', log, '20', '3'));
    const pids = children.map((c) => String(c.pid));
    await Promise.all(children);
    const lines = (await readFile(log, 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(4 * 3 * 2);
    for (let i = 0; i < lines.length; i += 2) {
      const pid = lines[i]?.split(' ')[1];
      expect([lines[i], lines[i + 1]]).toEqual([`start ${pid}`, `end ${pid}`]);
    }
    expect(new Set(lines.map((l) => l.split(' ')[1]))).toEqual(new Set(pids));
    expect(await lockFiles(stateDir)).toEqual([]);
  });

  test('a lock held by a process killed with SIGKILL is broken by the next acquirer at once', async () => {
    const stateDir = await newStateDir();
    const holder = await startHolder(stateDir);
    const holderPid = holder.child.pid;
    const held = await acquireRunLock({ dir: stateDir, target: TARGET, timeoutMs: 0 }).catch((e: Error) => e);
    expect(held).toMatchObject({ code: 'LOCK_TIMEOUT' });
    expect((held as Error).message).toContain(`pid ${holderPid}`);

    await killHard(holder);
    const waits: LockHolder[] = [];
    const lock = await acquireRunLock({ dir: stateDir, target: TARGET, timeoutMs: 0, onWait: (h) => waits.push(h) });
    expect(waits).toEqual([]);
    expect(await lockFiles(stateDir)).toEqual([path.basename(lock.file)]);
    await lock.release();
  });

  test('a process that crashes while holding the lock removes it on exit', async () => {
    const stateDir = await newStateDir();
    const result = await worker(stateDir, 'crash').catch((e: { exitCode: number; stdout: string }) => e);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe('acquired');
    expect(await lockFiles(stateDir)).toEqual([]);
    // Nothing is left beside the target, not even the empty lock folder.
    expect(await readdir(path.dirname(stateDir))).toEqual([]);
  });

  test.each([1, 2, 3])('waiters racing to break the same dead holder: exactly one wins (round %i)', async () => {
    const stateDir = await newStateDir();
    await killHard(await startHolder(stateDir));
    const racers = [1, 2, 3, 4, 5].map(() => execa(process.execPath, [WORKER, runLockJs, stateDir, TARGET, 'try-once']));
    const lines = racers.map((child) => collectLines(child));
    await Promise.all(lines.map((l) => l.next()));
    for (const child of racers) child.stdin?.write('go\n');
    const outcomes = await Promise.all(lines.map((l) => l.next()));
    expect(outcomes.filter((o) => o === 'won')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'LOCK_TIMEOUT')).toHaveLength(4);
    for (const child of racers) child.stdin?.end();
    await Promise.all(racers);
    expect(await lockFiles(stateDir)).toEqual([]);
  });

  test('two acquirers in one process racing to break a dead holder: exactly one wins', async () => {
    const stateDir = await newStateDir();
    await killHard(await startHolder(stateDir));
    const outcomes = await Promise.allSettled([1, 2, 3].map(() => acquireRunLock({ dir: stateDir, target: TARGET, timeoutMs: 0 })));
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toMatchObject({ code: 'LOCK_TIMEOUT' });
    await won[0]?.value.release();
  });
});
