import { resolve } from 'node:path';
import { loadDesiredState } from '../../config/load-desired-state.js';
import { LiveState } from '../../model/live-state.js';
import { planChanges, readRequestsFor } from '../../plan/plan-changes.js';
import { renderSavedPlan } from '../../plan/saved-plan.js';
import { EXIT } from '../exit-codes.js';
import { type Io, useColor } from '../io.js';
import { type BackendOptions, openBackend } from '../open-backend.js';
import { markBackendPhases, markPhase } from '../phase-timings.js';
import { type PlanFormat, renderPlan } from '../render-plan.js';
import { writeFileAtomic } from '../write-file-atomic.js';
import { reportStats } from './report-stats.js';

export interface PlanOptions extends BackendOptions {
  format: PlanFormat;
  out?: string;
  detailedExitcode?: boolean;
  color?: boolean;
  verbose?: boolean;
}

export async function runPlan(configs: string[], opts: PlanOptions, io: Io): Promise<number> {
  markPhase('load config');
  const desired = await loadDesiredState(configs, { cwd: io.cwd });
  markPhase('read registry');
  const backend = markBackendPhases(await openBackend(opts, io));
  try {
    const live = new LiveState(await backend.read(readRequestsFor(desired)));
    markPhase('plan');
    const plan = planChanges(desired, live);
    markPhase('render');
    const meta = { createdAt: new Date().toISOString(), target: backend.target, configs: desired.files.map(({ path, sha256 }) => ({ path, sha256 })) };
    if (opts.out) await writeFileAtomic(resolve(io.cwd, opts.out), `${renderSavedPlan(plan, meta)}\n`);
    io.stdout.write(renderPlan(plan, opts.format, useColor(io, opts.color), { target: backend.target, stats: backend.stats() }, backend.target));
    if (opts.out && opts.format === 'text') io.stdout.write(`\nSaved the plan to ${opts.out}. Review it, then run: regstate apply ${opts.out}\n`);
    reportStats(backend, opts, io);
    return opts.detailedExitcode && plan.changes.length > 0 ? EXIT.CHANGES : EXIT.OK;
  } finally {
    await backend.close();
  }
}
