import { join, resolve } from 'node:path';
import { RegstateError } from '../errors.js';
import { fileIdentity, realPathKey } from '../fs/file-identity.js';
import { escapeControl } from '../model/display-text.js';
import { STATE_SUBDIRS } from '../state/state-dir.js';

/** A file named on the command line, and what it is to the run (for the message). */
export interface NamedFile {
  path: string;
  /** `--out`, `--registry`, `a file named on the command line`, ... */
  role: string;
}

/**
 * Refuses a run whose output file (`--out`, `--report`) is one of its own inputs (a config, a saved plan
 * or journal, the `--registry` file, a `--var-file`, ...): the output would replace the input, a config
 * or a registry file lost to a plan's JSON. USAGE, exit 1, before anything is read or written.
 */
export function refuseOutputsThatAreInputs(outputs: readonly NamedFile[], inputs: readonly NamedFile[], cwd: string, platform: NodeJS.Platform): void {
  for (const output of outputs) {
    const written = fileIdentity(resolve(cwd, output.path), platform);
    if (written === undefined) continue;
    for (const input of inputs) {
      if (fileIdentity(resolve(cwd, input.path), platform) !== written) continue;
      const same = input.path === output.path ? '' : ` (${escapeControl(input.path)})`;
      throw new RegstateError('USAGE', `${output.role} ${escapeControl(output.path)} is also ${input.role}${same}: writing it would replace what the run reads; nothing was read or written (write the output elsewhere)`);
    }
  }
}

/**
 * Refuses an output file (`--out`, `--report`) that is one of regstate's own records: a file already in
 * the state directory's journals (what rollback restores from) or reports, by any path or link. A plan
 * written over a journal would leave its apply with no way back. USAGE, exit 1, before anything is read
 * or written. A new file there, or a file elsewhere in the state directory, is the user's own.
 */
export function refuseOutputsInStateDir(outputs: readonly NamedFile[], stateDir: string, cwd: string, platform: NodeJS.Platform): void {
  if (outputs.length === 0) return;
  const sep = platform === 'win32' ? '\\' : '/';
  const folders = STATE_SUBDIRS.flatMap((sub) => {
    const real = realPathKey(join(stateDir, sub), platform);
    return real === undefined ? [] : [{ sub, prefix: real.endsWith(sep) ? real : real + sep }];
  });
  if (folders.length === 0) return;
  for (const output of outputs) {
    const real = realPathKey(resolve(cwd, output.path), platform);
    if (real === undefined) continue;
    const folder = folders.find((f) => real.startsWith(f.prefix));
    if (folder === undefined) continue;
    throw new RegstateError(
      'USAGE',
      `${output.role} ${escapeControl(output.path)} is a file in regstate's state directory (${escapeControl(join(stateDir, folder.sub))}), which keeps the journals rollback restores from and the run reports: writing it could replace one; nothing was read or written (write the output elsewhere)`,
    );
  }
}
