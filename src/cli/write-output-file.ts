import { resolve } from 'node:path';
import { resolveWriteTarget, writeFileAtomic } from '../fs/write-file-atomic.js';
import type { Io } from './io.js';

/** Checks that a command's `--out` file can be written (a folder that exists, not a directory), before any work. */
export async function checkOutputFile(file: string, io: Io): Promise<void> {
  await resolveWriteTarget(resolve(io.cwd, file));
}

/** Writes a command's `--out` file atomically; a failure is a WRITE_FAILED naming the file, not an internal error. */
export async function writeOutputFile(file: string, data: string | Uint8Array, io: Io): Promise<void> {
  await writeFileAtomic(resolve(io.cwd, file), data);
}
