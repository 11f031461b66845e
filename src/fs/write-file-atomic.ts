import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, closeSync, fsyncSync, lstatSync, openSync, realpathSync, renameSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RegstateError } from '../errors.js';
import { describeFsError } from './describe-fs-error.js';
import { describeFileKind } from './read-regular-file.js';

// Why not the write-file-atomic package: it drops fs.write's byte count (on a nearly full disk a
// short write is renamed over the target), does not fsync the directory, and does not retry a
// rename Windows refuses for a moment. This keeps its good parts: through links, mode and owner kept.

// Temp files of writes under way, removed if the process exits in the middle (a signal, say).
const liveTemps = new Set<string>();
let exitHookInstalled = false;

/** Where a write of `file` really lands, and what is there now (undefined: nothing yet). */
export interface WriteTarget {
  path: string;
  existing?: Stats;
}

/**
 * Resolves the file a write must replace: a symbolic link is followed to its target (the link
 * stays a link), a missing file is created in its folder (which must exist). Refuses a directory,
 * FIFO, device, or a link that points nowhere. Throws WRITE_FAILED naming `file`.
 */
export async function resolveWriteTarget(file: string): Promise<WriteTarget> {
  return resolveWriteTargetNow(file);
}

function resolveWriteTargetNow(file: string): WriteTarget {
  const absolute = resolve(file);
  try {
    const real = realpathSync.native(absolute);
    const existing = statSync(real);
    if (!existing.isFile()) throw writeFailed(file, `it is ${describeFileKind(existing)}, not a regular file`);
    return { path: real, existing };
  } catch (cause) {
    if (cause instanceof RegstateError) throw cause;
    if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') throw writeFailed(file, describeFsError(cause), cause);
  }
  const link = lstatOrUndefined(absolute);
  if (link?.isSymbolicLink()) throw writeFailed(file, 'it is a symbolic link to a file that does not exist');
  const folder = dirname(absolute);
  let realFolder: string;
  try {
    realFolder = realpathSync.native(folder);
    if (!statSync(realFolder).isDirectory()) throw writeFailed(file, `${folder} is not a directory`);
  } catch (cause) {
    if (cause instanceof RegstateError) throw cause;
    const code = (cause as NodeJS.ErrnoException).code;
    throw writeFailed(file, code === 'ENOENT' ? `the folder ${folder} does not exist` : code === 'ENOTDIR' ? `${folder} is not a directory` : describeFsError(cause), cause);
  }
  return { path: join(realFolder, basename(absolute)) };
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Replaces `file` atomically and durably with `data` (text as UTF-8, bytes, or pieces of bytes in order): readers see the old content or the new, never part of
 * it, and once this returns the new content survives a power loss (file and folder are fsynced).
 * Writes through a symbolic link to its target; an existing file keeps its mode and owner, a new
 * one gets `mode` (default 0666 less the umask). Nothing is left behind on failure. Throws
 * WRITE_FAILED naming the file and the reason.
 *
 * The file calls are synchronous, as the reads are (readRegularFile): a run has nothing to do while
 * its journal, registry file or report is written, and each asynchronous call waited for a thread-pool
 * thread, which on a busy two-core machine cost more than the call (some 0.1-0.2 s of an apply of
 * 100,000 values, in a dozen calls per file). Only a rename Windows refuses for a moment waits
 * asynchronously before it tries again.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array | readonly Uint8Array[], mode?: number): Promise<void> {
  const target = resolveWriteTargetNow(file);
  const temp = join(dirname(target.path), `.${basename(target.path)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  installExitHook();
  liveTemps.add(temp);
  let fd: number | undefined;
  try {
    fd = openSync(temp, 'wx', target.existing ? target.existing.mode & 0o7777 : (mode ?? 0o666));
    writeAll(fd, data);
    keepOwnerAndMode(temp, target.existing, mode);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    await renameOver(temp, target.path);
    liveTemps.delete(temp);
    syncFolder(dirname(target.path));
  } catch (cause) {
    if (fd !== undefined) closeQuietly(fd);
    removeQuietly(temp);
    liveTemps.delete(temp);
    throw cause instanceof RegstateError ? cause : writeFailed(file, describeFsError(cause), cause);
  }
}

// On a failed write, the write's own error is the one to report.
function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // reported: the write's error
  }
}

function removeQuietly(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // reported: the write's error
  }
}

// Every byte, or an error: a full disk is an error, never a short file.
function writeAll(fd: number, data: string | Uint8Array | readonly Uint8Array[]): void {
  // Pieces are written one after another, without joining them into one copy first.
  const pieces: readonly Uint8Array[] = typeof data === 'string' ? [Buffer.from(data, 'utf8')] : Array.isArray(data) ? (data as readonly Uint8Array[]) : [data as Uint8Array];
  for (const piece of pieces) {
    for (let at = 0; at < piece.byteLength; ) {
      const bytesWritten = writeSync(fd, piece, at, piece.byteLength - at);
      if (bytesWritten <= 0) throw Object.assign(new Error('the write made no progress'), { code: 'EIO' });
      at += bytesWritten;
    }
  }
}

function keepOwnerAndMode(temp: string, existing: Stats | undefined, mode: number | undefined): void {
  if (existing && process.getuid && (existing.uid !== process.getuid() || existing.gid !== process.getgid?.())) {
    // Only root may give a file away; anyone else keeps the file as theirs.
    try {
      chownSync(temp, existing.uid, existing.gid);
    } catch (e) {
      if (process.getuid?.() === 0 && (e as NodeJS.ErrnoException).code !== 'ENOSYS') throw e;
    }
  }
  const wanted = existing ? existing.mode & 0o7777 : mode;
  // open() applies the umask; chmod sets the mode exactly (after chown, which may clear setuid bits).
  if (wanted !== undefined && process.platform !== 'win32') chmodSync(temp, wanted);
}

// Windows refuses to replace a file another process has open for a moment (a virus scanner, a reader).
async function renameOver(from: string, to: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return renameSync(from, to);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (process.platform !== 'win32' || attempt >= 10 || (code !== 'EPERM' && code !== 'EACCES' && code !== 'EBUSY')) throw e;
      await sleep(50 * attempt);
    }
  }
}

// The rename is durable only once the folder's entry is on disk. Windows cannot open a folder for fsync.
function syncFolder(folder: string): void {
  if (process.platform === 'win32') return;
  const fd = openSync(folder, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function writeFailed(file: string, reason: string, cause?: unknown): RegstateError {
  return new RegstateError('WRITE_FAILED', `cannot write ${file}: ${reason}`, cause === undefined ? {} : { cause });
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const temp of liveTemps) {
      try {
        unlinkSync(temp);
      } catch {
        // already renamed or removed
      }
    }
  });
}
