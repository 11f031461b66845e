import { resolve } from 'node:path';
import { RegstateError } from '../errors.js';
import { fileIdentity } from '../fs/file-identity.js';
import { escapeControl } from '../model/display-text.js';

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
