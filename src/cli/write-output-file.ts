import { lstat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { RegstateError, describeFsError } from '../errors.js';
import type { Io } from './io.js';
import { writeFileAtomic } from './write-file-atomic.js';

/**
 * Writes a command's `--out` file atomically; a failure is a WRITE_FAILED naming the file, not an internal
 * error. With `overwrite: false` an existing file (or anything else at that path) is refused, nothing written.
 */
export async function writeOutputFile(file: string, data: string | Uint8Array, io: Io, options: { overwrite?: boolean } = {}): Promise<void> {
  const path = resolve(io.cwd, file);
  if (options.overwrite === false && (await lstat(path).then(() => true, () => false))) {
    throw new RegstateError('FILE_EXISTS', `${file} already exists; nothing was written (--force replaces it)`);
  }
  try {
    await writeFileAtomic(path, data);
  } catch (cause) {
    throw new RegstateError('WRITE_FAILED', `cannot write ${file}: ${describeFsError(cause)}`, { cause });
  }
}
