import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { RegstateError } from '../errors.js';
import { describeFsError } from './describe-fs-error.js';

/** What a path is, in words, when it is not a regular file. */
export function describeFileKind(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

// O_NONBLOCK makes opening a FIFO return at once (there is no such flag on Windows).
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/**
 * Reads a whole regular file (following links). A directory, FIFO, device or socket is refused
 * before anything blocks on it: FILE_UNREADABLE; a missing file is FILE_NOT_FOUND. `shown` is the
 * path as the user gave it, for messages.
 *
 * The calls are synchronous: a run has nothing to do while it waits for its input, and each
 * asynchronous call waited for a thread-pool thread to be scheduled, which on a busy two-core machine
 * (the collector's and compiler's threads) cost more than the read (tens of milliseconds a run).
 */
export async function readRegularFile(file: string, shown: string = file): Promise<Buffer> {
  return withRegularFile(file, shown, false, (fd, size) => {
    // read to the end, not to the size fstat gave: a file that grows while it is read is read whole
    let buffer = Buffer.allocUnsafe(size);
    let at = 0;
    for (;;) {
      if (at === buffer.length) {
        // all fstat promised is read: most often the end, which a small read tells without a copy
        const probe = Buffer.allocUnsafe(64 * 1024);
        const more = readSync(fd, probe, 0, probe.length, at);
        if (more === 0) return buffer;
        buffer = Buffer.concat([buffer, probe.subarray(0, more)], Math.max(buffer.length * 2, at + more));
        at += more;
        continue;
      }
      const read = readSync(fd, buffer, at, buffer.length - at, at);
      if (read === 0) return buffer.subarray(0, at);
      at += read;
    }
  });
}

/** How much of a file fileHasContent reads at a time. */
const COMPARE_CHUNK = 1 << 20;

/**
 * Whether a regular file holds exactly `expected` now (undefined when it is missing), compared a
 * piece at a time in one small buffer: checking that a file of many megabytes is unchanged costs no
 * copy of it. Refuses what readRegularFile refuses, with the same errors.
 */
export async function fileHasContent(file: string, expected: Uint8Array, shown: string = file): Promise<boolean | undefined> {
  return withRegularFile(file, shown, true, (fd, size) => {
    if (size !== expected.byteLength) return false;
    const want = Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength);
    const chunk = Buffer.allocUnsafe(Math.min(COMPARE_CHUNK, Math.max(1, expected.byteLength + 1)));
    // read to the end: a file that grew since fstat() is not the same
    for (let at = 0; ; ) {
      const bytesRead = readSync(fd, chunk, 0, chunk.length, at);
      if (bytesRead === 0) return at === want.length;
      if (at + bytesRead > want.length || !chunk.subarray(0, bytesRead).equals(want.subarray(at, at + bytesRead))) return false;
      at += bytesRead;
    }
  });
}

/**
 * Opens a regular file and hands its descriptor and size to `use`, closing it after. Checked before
 * anything blocks on it, and again once open (the path may have been swapped for a FIFO or device
 * between the two). With `missingOk`, a missing file gives undefined instead of FILE_NOT_FOUND.
 */
function withRegularFile<T>(file: string, shown: string, missingOk: false, use: (fd: number, size: number) => T): T;
function withRegularFile<T>(file: string, shown: string, missingOk: true, use: (fd: number, size: number) => T): T | undefined;
function withRegularFile<T>(file: string, shown: string, missingOk: boolean, use: (fd: number, size: number) => T): T | undefined {
  let stats: Stats;
  try {
    stats = statSync(file);
  } catch (cause) {
    const error = readError(shown, cause);
    if (missingOk && error.code === 'FILE_NOT_FOUND') return undefined;
    throw error;
  }
  if (!stats.isFile()) throw notRegular(shown, stats);
  let fd: number;
  try {
    fd = openSync(file, OPEN_FLAGS);
  } catch (cause) {
    const error = readError(shown, cause);
    if (missingOk && error.code === 'FILE_NOT_FOUND') return undefined;
    throw error;
  }
  try {
    const opened = fstatSync(fd);
    if (!opened.isFile()) throw notRegular(shown, opened);
    return use(fd, opened.size);
  } catch (cause) {
    throw cause instanceof RegstateError ? cause : readError(shown, cause);
  } finally {
    closeSync(fd);
  }
}

function notRegular(file: string, stats: Stats): RegstateError {
  return new RegstateError('FILE_UNREADABLE', `cannot read ${file}: it is ${describeFileKind(stats)}, not a regular file`);
}

function readError(file: string, cause: unknown): RegstateError {
  const code = (cause as NodeJS.ErrnoException).code;
  const missing = code === 'ENOENT' || code === 'ENOTDIR';
  return new RegstateError(missing ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE', `cannot read ${file}: ${missing ? 'file not found' : describeFsError(cause)}`, { cause });
}
