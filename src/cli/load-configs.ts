import { resolve } from 'node:path';
import { type HostVarTable, loadDesiredState, loadDesiredStates } from '../config/load-desired-state.js';
import { readRegularFile } from '../fs/read-regular-file.js';
import { RegstateError } from '../errors.js';
import type { VarTable } from '../fleet/fleet-model.js';
import type { DesiredState } from '../model/desired-state.js';
import type { Io } from './io.js';
import { suggestName } from '../config/did-you-mean.js';
import { escapeControl } from '../model/display-text.js';

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

async function isRegFile(file: string, io: Io): Promise<boolean> {
  // loaded only on this error path, like the saved-plan reader
  const [{ decodeRegBytes }, { HEADER_4, HEADER_5 }] = await Promise.all([import('../registry/reg-file/decode-reg-bytes.js'), import('../registry/reg-file/parse-reg-file.js')]);
  try {
    const { text } = decodeRegBytes(await readRegularFile(resolve(io.cwd, file), file), file);
    const header = text.slice(0, Math.max(0, text.indexOf('\n')) || text.length).trim();
    return header === HEADER_5 || header === HEADER_4;
  } catch {
    return false;
  }
}

/**
 * A saved plan or a .reg file given instead of a config fails validation with errors about the
 * wrong things (a dozen schema errors, "save it as UTF-8"); then say what it is and which commands take it.
 */
async function explainFailure(error: unknown, configs: string[], io: Io): Promise<never> {
  if (!(error instanceof RegstateError)) throw error;
  for (const file of configs) {
    if (await isSavedPlanFile(file, io)) {
      throw new RegstateError('USAGE', `${file} is a saved plan, not a desired-state file: read it with \`regstate show ${file}\`, apply it with \`regstate apply ${file}\``);
    }
    if (await isRegFile(file, io)) {
      throw new RegstateError('USAGE', `${file} is a .reg file (a registry export), not a desired-state file: \`regstate import ${file} -o FILE.yaml\` turns it into one, and \`--registry ${file}\` uses it as the registry`);
    }
  }
  throw error;
}

/** A warning for each --var that no config references: most likely a misspelt name. */
export function warnUnusedVars(vars: VarTable, referenced: Set<string>, io: Io): void {
  for (const [name, value] of vars) {
    if (value.origin.kind !== 'cli' || referenced.has(name)) continue;
    const guess = suggestName(name, [...referenced]);
    io.stderr.write(`regstate: warning: --var ${escapeControl(name)} is not used by any config${guess === undefined ? '' : ` (did you mean ${guess}?)`}\n`);
  }
}

/** loadDesiredState for a command that takes configs, with the command line's variables. */
export async function loadConfigs(configs: string[], io: Io, vars?: VarTable): Promise<DesiredState> {
  const referenced = new Set<string>();
  let desired: DesiredState;
  try {
    desired = await loadDesiredState(configs, vars === undefined ? { cwd: io.cwd } : { cwd: io.cwd, vars, referenced });
  } catch (error) {
    return explainFailure(error, configs, io);
  }
  if (vars) warnUnusedVars(vars, referenced, io);
  return desired;
}

/** loadDesiredStates for a command that works on the hosts of an inventory: each host's DesiredState by name. */
export async function loadHostConfigs(configs: string[], io: Io, hosts: readonly HostVarTable[]): Promise<Map<string, DesiredState>> {
  try {
    return await loadDesiredStates(configs, hosts, { cwd: io.cwd });
  } catch (error) {
    return explainFailure(error, configs, io);
  }
}
