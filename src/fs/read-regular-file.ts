import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
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
 */
export async function readRegularFile(file: string, shown: string = file): Promise<Buffer> {
  let stats: Stats;
  try {
    stats = await stat(file);
  } catch (cause) {
    throw readError(shown, cause);
  }
  if (!stats.isFile()) throw notRegular(shown, stats);
  let handle;
  try {
    handle = await open(file, OPEN_FLAGS);
  } catch (cause) {
    throw readError(shown, cause);
  }
  try {
    // The path may have been swapped for a FIFO or device between stat() and open().
    const opened = await handle.stat();
    if (!opened.isFile()) throw notRegular(shown, opened);
    return await handle.readFile();
  } catch (cause) {
    throw cause instanceof RegstateError ? cause : readError(shown, cause);
  } finally {
    await handle.close();
  }
}

/** How much of a file fileHasContent reads at a time. */
const COMPARE_CHUNK = 1 << 20;

/**
 * Whether a regular file holds exactly `expected` now (undefined when it is missing), compared a
 * piece at a time in one small buffer: checking that a file of many megabytes is unchanged costs no
 * copy of it. Refuses what readRegularFile refuses, with the same errors.
 */
export async function fileHasContent(file: string, expected: Uint8Array, shown: string = file): Promise<boolean | undefined> {
  let stats: Stats;
  try {
    stats = await stat(file);
  } catch (cause) {
    const error = readError(shown, cause);
    if (error.code === 'FILE_NOT_FOUND') return undefined;
    throw error;
  }
  if (!stats.isFile()) throw notRegular(shown, stats);
  let handle;
  try {
    handle = await open(file, OPEN_FLAGS);
  } catch (cause) {
    const error = readError(shown, cause);
    if (error.code === 'FILE_NOT_FOUND') return undefined;
    throw error;
  }
  try {
    const opened = await handle.stat();
    if (!opened.isFile()) throw notRegular(shown, opened);
    if (opened.size !== expected.byteLength) return false;
    const want = Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength);
    const chunk = Buffer.allocUnsafe(Math.min(COMPARE_CHUNK, Math.max(1, expected.byteLength + 1)));
    // read to the end: a file that grew since fstat() is not the same
    for (let at = 0; ; ) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, at);
      if (bytesRead === 0) return at === want.length;
      if (at + bytesRead > want.length || !chunk.subarray(0, bytesRead).equals(want.subarray(at, at + bytesRead))) return false;
      at += bytesRead;
    }
  } catch (cause) {
    throw cause instanceof RegstateError ? cause : readError(shown, cause);
  } finally {
    await handle.close();
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
