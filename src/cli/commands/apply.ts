import { planDesiredState, recheckSavedPlan } from '../../apply/prepare-plan.js';
import { RegstateError } from '../../errors.js';
import type { DesiredState } from '../../model/desired-state.js';
import { looksLikeSavedPlan } from '../../plan/saved-plan-kind.js';
import { hasUnavailableUsers } from '../../plan/plan.js';
import { EXIT } from '../exit-codes.js';
import { type Io, useColor } from '../io.js';
import { type BackendOptions, EarlyPowerShell, openBackend, openRecordedTarget } from '../open-backend.js';
import { type SessionOptions, runRecorded, withRunLock } from '../run-session.js';
import { executeAndReport } from './execute-plan.js';
import { readJsonArgument } from '../read-json-argument.js';
import { looksLikeFleetPlan } from '../../fleet/fleet-plan-kind.js';
import { markBackendPhases, markPhase } from '../phase-timings.js';
import { type VarOptions, readLocalVars } from '../var-options.js';
import { loadConfigs } from '../load-configs.js';
import { type FleetCliOptions, checkFleetOptions } from '../fleet-setup.js';

export interface ApplyOptions extends BackendOptions, SessionOptions, VarOptions {
  format: 'text' | 'json';
  autoApprove?: boolean;
  maxChanges?: string;
  color?: boolean;
  verbose?: boolean;
}

/** --max-changes as a number (absent: no limit). */
export function parseMaxChanges(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new RegstateError('USAGE', `--max-changes must be a whole number, not ${text}`);
  return n;
}

export async function runApply(inputs: string[], opts: ApplyOptions & FleetCliOptions, io: Io): Promise<number> {
  // The one `.json` argument, if any (a saved plan of one registry or of a fleet), read once.
  const json = await readJsonArgument(inputs, io);
  // the fleet commands are loaded only for a fleet run
  if (opts.inventory || (json && looksLikeFleetPlan(json.text))) return (await import('./fleet-apply.js')).runFleetApply(inputs, opts, io, json);
  checkFleetOptions(opts);
  const color = useColor(io, opts.color);
  // A saved plan names its own target, opened when the plan has been read.
  const early = json && looksLikeSavedPlan(json.text) ? undefined : await EarlyPowerShell.start(opts, io);
  try {
    return await runRecorded('apply', opts, io, async (outcome, stateDir) => {
      const maxChanges = parseMaxChanges(opts.maxChanges);
      // the saved-plan reader (and the YAML library it needs) loads only for a saved plan
      const saved = json && looksLikeSavedPlan(json.text) ? { file: json.file, ...(await import('../../plan/saved-plan.js')).parseSavedPlan(json.text, json.file) } : undefined;
      if (saved && (opts.var !== undefined || opts.varFile !== undefined)) {
        throw new RegstateError('USAGE', `--var and --var-file set variables of configs; the plan ${saved.file} already holds the values it applies`);
      }
      markPhase('load config');
      const desired = saved ? undefined : await loadConfigs(inputs, io, await readLocalVars(opts, io.cwd));
      markPhase('read registry');
      outcome.configs = saved ? saved.meta.configs : (desired?.files ?? []).map(({ path, sha256 }) => ({ path, sha256 }));
      const backend = saved ? await openRecordedTarget(saved.meta.target, opts, io, `the plan ${saved?.file}`) : await openBackend(opts, io, await early?.take((desired as DesiredState).keys.length > 0));
      markBackendPhases(backend);
      outcome.backend = backend;
      const execution = await withRunLock(backend, 'apply', opts, io, async () => {
        markPhase('plan');
        const { plan, live } = saved ? await recheckSavedPlan(saved.plan, backend, saved.file) : await planDesiredState(desired as DesiredState, backend);
        outcome.plan = plan;
        const approved = saved !== undefined || opts.autoApprove === true;
        return executeAndReport(plan, live, backend, { command: 'apply', format: opts.format, color, approved, maxChanges, stateDir, configs: outcome.configs }, io);
      });
      outcome.result = execution.result;
      // Users whose hives could not be read were not planned: a run that wrote the others is still not done (1),
      // unless writes failed (3 says more about the registry).
      const unreached = execution.plan.users?.filter((u) => u.unavailable).length ?? 0;
      if (unreached > 0 && opts.format === 'text') io.stdout.write(`Not reached: ${unreached} user${unreached === 1 ? '' : 's'} whose hive could not be read (listed above); nothing was written for ${unreached === 1 ? 'it' : 'them'}.\n`);
      outcome.exitCode = execution.exitCode === EXIT.OK && hasUnavailableUsers(execution.plan) ? EXIT.ERROR : execution.exitCode;
    });
  } finally {
    await early?.close();
  }
}
