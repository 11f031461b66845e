import { randomBytes } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { type FileHandle, chmod, chown, lstat, open, realpath, rename, rm, stat } from 'node:fs/promises';
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
  const absolute = resolve(file);
  try {
    const real = await realpath(absolute);
    const existing = await stat(real);
    if (!existing.isFile()) throw writeFailed(file, `it is ${describeFileKind(existing)}, not a regular file`);
    return { path: real, existing };
  } catch (cause) {
    if (cause instanceof RegstateError) throw cause;
    if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') throw writeFailed(file, describeFsError(cause), cause);
  }
  const link = await lstat(absolute).catch(() => undefined);
  if (link?.isSymbolicLink()) throw writeFailed(file, 'it is a symbolic link to a file that does not exist');
  const folder = dirname(absolute);
  let realFolder: string;
  try {
    realFolder = await realpath(folder);
    if (!(await stat(realFolder)).isDirectory()) throw writeFailed(file, `${folder} is not a directory`);
  } catch (cause) {
    if (cause instanceof RegstateError) throw cause;
    const code = (cause as NodeJS.ErrnoException).code;
    throw writeFailed(file, code === 'ENOENT' ? `the folder ${folder} does not exist` : code === 'ENOTDIR' ? `${folder} is not a directory` : describeFsError(cause), cause);
  }
  return { path: join(realFolder, basename(absolute)) };
}

/**
 * Replaces `file` atomically and durably with `data` (text as UTF-8, bytes, or pieces of bytes in order): readers see the old content or the new, never part of
 * it, and once this returns the new content survives a power loss (file and folder are fsynced).
 * Writes through a symbolic link to its target; an existing file keeps its mode and owner, a new
 * one gets `mode` (default 0666 less the umask). Nothing is left behind on failure. Throws
 * WRITE_FAILED naming the file and the reason.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array | readonly Uint8Array[], mode?: number): Promise<void> {
  const target = await resolveWriteTarget(file);
  const temp = join(dirname(target.path), `.${basename(target.path)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  installExitHook();
  liveTemps.add(temp);
  let handle: FileHandle | undefined;
  try {
    handle = await open(temp, 'wx', target.existing ? target.existing.mode & 0o7777 : (mode ?? 0o666));
    await writeAll(handle, data);
    await keepOwnerAndMode(temp, target.existing, mode);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await renameOver(temp, target.path);
    liveTemps.delete(temp);
    await syncFolder(dirname(target.path));
  } catch (cause) {
    await handle?.close().catch(() => undefined);
    await rm(temp, { force: true }).catch(() => undefined);
    liveTemps.delete(temp);
    throw cause instanceof RegstateError ? cause : writeFailed(file, describeFsError(cause), cause);
  }
}

// Every byte, or an error: a full disk is an error, never a short file.
async function writeAll(handle: FileHandle, data: string | Uint8Array | readonly Uint8Array[]): Promise<void> {
  // FileHandle.writeFile loops until every byte is written.
  if (!Array.isArray(data)) return handle.writeFile(data as string | Uint8Array);
  // Pieces are written one after another, without joining them into one copy first.
  for (const piece of data as readonly Uint8Array[]) {
    for (let at = 0; at < piece.byteLength; ) {
      const { bytesWritten } = await handle.write(piece, at, piece.byteLength - at);
      if (bytesWritten <= 0) throw Object.assign(new Error('the write made no progress'), { code: 'EIO' });
      at += bytesWritten;
    }
  }
}

async function keepOwnerAndMode(temp: string, existing: Stats | undefined, mode: number | undefined): Promise<void> {
  if (existing && process.getuid && (existing.uid !== process.getuid() || existing.gid !== process.getgid?.())) {
    // Only root may give a file away; anyone else keeps the file as theirs.
    await chown(temp, existing.uid, existing.gid).catch((e: NodeJS.ErrnoException) => {
      if (process.getuid?.() === 0 && e.code !== 'ENOSYS') throw e;
    });
  }
  const wanted = existing ? existing.mode & 0o7777 : mode;
  // open() applies the umask; chmod sets the mode exactly (after chown, which may clear setuid bits).
  if (wanted !== undefined && process.platform !== 'win32') await chmod(temp, wanted);
}

// Windows refuses to replace a file another process has open for a moment (a virus scanner, a reader).
async function renameOver(from: string, to: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await rename(from, to);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (process.platform !== 'win32' || attempt >= 10 || (code !== 'EPERM' && code !== 'EACCES' && code !== 'EBUSY')) throw e;
      await sleep(50 * attempt);
    }
  }
}

// The rename is durable only once the folder's entry is on disk. Windows cannot open a folder for fsync.
async function syncFolder(folder: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
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
