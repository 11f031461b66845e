import { planDesiredState } from '../../apply/prepare-plan.js';
import { hasUnavailableUsers } from '../../plan/plan.js';
import { EXIT } from '../exit-codes.js';
import { loadConfigs } from '../load-configs.js';
import { type Io, useColor } from '../io.js';
import { type BackendOptions, EarlyPowerShell, openBackend } from '../open-backend.js';
import { markBackendPhases, markPhase } from '../phase-timings.js';
import { type PlanFormat, renderPlan } from '../render-plan.js';
import { checkOutputFile, writeOutputFile } from '../write-output-file.js';
import { reportStats } from './report-stats.js';
import { escapeControl } from '../../model/display-text.js';
import { type VarOptions, readLocalVars } from '../var-options.js';
import { type FleetCliOptions, checkFleetOptions } from '../fleet-setup.js';

export interface PlanOptions extends BackendOptions, VarOptions {
  format: PlanFormat;
  out?: string;
  detailedExitcode?: boolean;
  color?: boolean;
  verbose?: boolean;
}

export async function runPlan(configs: string[], opts: PlanOptions & FleetCliOptions, io: Io): Promise<number> {
  if (opts.inventory) return (await import('./fleet-plan.js')).runFleetPlan(configs, opts, io);
  checkFleetOptions(opts);
  const early = await EarlyPowerShell.start(opts, io);
  try {
    // A plan that cannot be saved is found out before the registry is read.
    if (opts.out) await checkOutputFile(opts.out, io);
    markPhase('load config');
    const desired = await loadConfigs(configs, io, await readLocalVars(opts, io.cwd));
    markPhase('read registry');
    const backend = markBackendPhases(await openBackend(opts, io, await early.take(desired.keys.length > 0)));
    try {
      // the plan's reads go to 'read registry' and come back here (markBackendPhases)
      markPhase('plan');
      const { plan } = await planDesiredState(desired, backend, { ancestors: false });
      markPhase('render');
      const meta = { createdAt: new Date().toISOString(), target: backend.target, configs: desired.files.map(({ path, sha256 }) => ({ path, sha256 })) };
      if (opts.out) {
        // the saved-plan module (and the YAML library its reader needs) loads only for a plan that is saved
        const { renderSavedPlan } = await import('../../plan/saved-plan.js');
        await writeOutputFile(opts.out, `${renderSavedPlan(plan, meta)}\n`, io);
      }
      io.stdout.write(await renderPlan(plan, opts.format, useColor(io, opts.color), { target: backend.target, stats: backend.stats() }, backend.target));
      if (opts.out && opts.format === 'text') io.stdout.write(`\nSaved the plan to ${escapeControl(opts.out)}. Review it, then run: regstate apply ${escapeControl(opts.out)}\n`);
      reportStats(backend, opts, io);
      // a user whose hive could not be read was not planned: the run did not reach every target
      if (hasUnavailableUsers(plan)) return EXIT.ERROR;
      return opts.detailedExitcode && plan.changes.length > 0 ? EXIT.CHANGES : EXIT.OK;
    } finally {
      await backend.close();
    }
  } finally {
    await early.close();
  }
}
