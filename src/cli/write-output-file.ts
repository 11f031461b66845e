import { resolve } from 'node:path';
import { RegstateError } from '../errors.js';
import type { Io } from './io.js';
import { writeFileAtomic } from './write-file-atomic.js';

/** Writes a command's `--out` file atomically; a failure is a WRITE_FAILED naming the file, not an internal error. */
export async function writeOutputFile(file: string, data: string | Uint8Array, io: Io): Promise<void> {
  try {
    await writeFileAtomic(resolve(io.cwd, file), data);
  } catch (cause) {
    throw new RegstateError('WRITE_FAILED', `cannot write ${file}: ${(cause as Error).message}`, { cause });
  }
}
