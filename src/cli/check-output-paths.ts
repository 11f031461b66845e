import { type BigIntStats, realpathSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { RegstateError } from '../errors.js';
import { escapeControl } from '../model/display-text.js';

/** A file named on the command line, and what it is to the run (for the message). */
export interface NamedFile {
  path: string;
  /** `--out`, `--registry`, `a file named on the command line`, ... */
  role: string;
}

interface FileIdentity {
  stats: BigIntStats;
  real: string;
}

// What a path names now, following links; undefined when nothing is there (or it cannot be looked at:
// the commands' own checks then say why).
function identify(path: string): FileIdentity | undefined {
  try {
    const stats = statSync(path, { bigint: true, throwIfNoEntry: false });
    return stats === undefined ? undefined : { stats, real: realpathSync.native(path) };
  } catch {
    return undefined;
  }
}

// The same file: the same device and file number where the file system gives them (hard links and
// symbolic links included), else the same real path (Windows compares names without case).
function sameFile(a: FileIdentity, b: FileIdentity, platform: NodeJS.Platform): boolean {
  if (a.stats.ino !== 0n && b.stats.ino !== 0n) return a.stats.dev === b.stats.dev && a.stats.ino === b.stats.ino;
  return platform === 'win32' ? a.real.toLowerCase() === b.real.toLowerCase() : a.real === b.real;
}

/**
 * Refuses a run whose output file (`--out`, `--report`) is one of its own inputs (a config, a saved plan
 * or journal, the `--registry` file, a `--var-file`, ...): the output would replace the input, a config
 * or a registry file lost to a plan's JSON. USAGE, exit 1, before anything is read or written.
 */
export function refuseOutputsThatAreInputs(outputs: readonly NamedFile[], inputs: readonly NamedFile[], cwd: string, platform: NodeJS.Platform): void {
  for (const output of outputs) {
    const written = identify(resolve(cwd, output.path));
    if (!written) continue;
    for (const input of inputs) {
      const read = identify(resolve(cwd, input.path));
      if (!read || !sameFile(written, read, platform)) continue;
      const same = input.path === output.path ? '' : ` (${escapeControl(input.path)})`;
      throw new RegstateError('USAGE', `${output.role} ${escapeControl(output.path)} is also ${input.role}${same}: writing it would replace what the run reads; nothing was read or written (write the output elsewhere)`);
    }
  }
}
