import { resolve } from 'node:path';
import { loadDesiredState } from '../config/load-desired-state.js';
import { readRegularFile } from '../fs/read-regular-file.js';
import { RegstateError } from '../errors.js';
import type { DesiredState } from '../model/desired-state.js';
import type { Io } from './io.js';

async function isSavedPlanFile(file: string, io: Io): Promise<boolean> {
  // loaded only on this error path: it reads JSON with the `yaml` library, which a valid config does not need
  const { looksLikeSavedPlan } = await import('../plan/saved-plan.js');
  try {
    // A regular file only: a FIFO given as a config must not hang the run here either.
    return looksLikeSavedPlan((await readRegularFile(resolve(io.cwd, file), file)).toString('utf8'));
  } catch {
    return false;
  }
}

/**
 * loadDesiredState for a command that takes configs. A saved plan given instead fails validation
 * with a dozen schema errors; then say what it is and which commands take it.
 */
export async function loadConfigs(configs: string[], io: Io): Promise<DesiredState> {
  try {
    return await loadDesiredState(configs, { cwd: io.cwd });
  } catch (error) {
    if (!(error instanceof RegstateError)) throw error;
    for (const file of configs) {
      if (await isSavedPlanFile(file, io)) {
        throw new RegstateError('USAGE', `${file} is a saved plan, not a desired-state file: read it with \`regstate show ${file}\`, apply it with \`regstate apply ${file}\``);
      }
    }
    throw error;
  }
}
