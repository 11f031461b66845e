import { resolve } from 'node:path';
import { readRegularFile } from '../fs/read-regular-file.js';
import type { Io } from './io.js';

/**
 * The text of the one `.json` file the arguments name (a saved plan, perhaps), read once. Undefined
 * when the arguments are not exactly one readable `.json` file: the caller then reads them as configs,
 * and the config loader reports a file it cannot read with its own error.
 */
export async function readJsonArgument(inputs: string[], io: Io): Promise<{ file: string; text: string } | undefined> {
  const file = inputs[0];
  if (inputs.length !== 1 || file === undefined || !file.toLowerCase().endsWith('.json')) return undefined;
  try {
    return { file, text: (await readRegularFile(resolve(io.cwd, file), file)).toString('utf8') };
  } catch {
    return undefined;
  }
}
