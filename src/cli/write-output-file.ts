import { lstat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { RegstateError } from '../errors.js';
import { resolveWriteTarget, writeFileAtomic } from '../fs/write-file-atomic.js';
import type { Io } from './io.js';

/**
 * Checks that a command's `--out` file can be written (a folder that exists, not a directory), before any
 * work. With `overwrite: false` an existing file (or anything else at that path) is refused.
 */
export async function checkOutputFile(file: string, io: Io, options: { overwrite?: boolean } = {}): Promise<void> {
  const path = resolve(io.cwd, file);
  if (options.overwrite === false && (await lstat(path).then(() => true, () => false))) {
    throw new RegstateError('FILE_EXISTS', `${file} already exists; nothing was written (--force replaces it)`);
  }
  await resolveWriteTarget(path);
}

/**
 * Writes a command's `--out` file atomically; a failure is a WRITE_FAILED naming the file, not an internal
 * error. With `overwrite: false` an existing file (or anything else at that path) is refused, nothing written.
 */
export async function writeOutputFile(file: string, data: string | Uint8Array, io: Io, options: { overwrite?: boolean } = {}): Promise<void> {
  await checkOutputFile(file, io, options);
  await writeFileAtomic(resolve(io.cwd, file), data);
}
