import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { findStaleChanges } from '../../apply/find-stale-changes.js';
import { describeChangeTarget } from '../../apply/check-change.js';
import { loadDesiredState } from '../../config/load-desired-state.js';
import { RegstateError } from '../../errors.js';
import { LiveState } from '../../model/live-state.js';
import { planChanges, readRequestsFor, readRequestsForPlan } from '../../plan/plan-changes.js';
import { looksLikeSavedPlan } from '../../plan/saved-plan.js';
import { formatValue } from '../../plan/format-data.js';
import { EXIT } from '../exit-codes.js';
import { type Io, useColor } from '../io.js';
import { type BackendOptions, openBackend, openRecordedTarget } from '../open-backend.js';
import { type SessionOptions, runRecorded, withRunLock } from '../run-session.js';
import { executePlan } from './execute-plan.js';
import { readSavedPlan } from './show.js';

export interface ApplyOptions extends BackendOptions, SessionOptions {
  format: 'text' | 'json';
  autoApprove?: boolean;
  maxChanges?: string;
  color?: boolean;
  verbose?: boolean;
}

function parseMaxChanges(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new RegstateError('USAGE', `--max-changes must be a whole number, not ${text}`);
  return n;
}

async function isSavedPlanFile(inputs: string[], io: Io): Promise<boolean> {
  if (inputs.length !== 1 || !inputs[0]?.toLowerCase().endsWith('.json')) return false;
  try {
    return looksLikeSavedPlan(await readFile(resolve(io.cwd, inputs[0]), 'utf8'));
  } catch {
    return false;
  }
}

function staleError(stale: ReturnType<typeof findStaleChanges>, file: string): RegstateError {
  return RegstateError.fromDiagnostics(
    stale.map(({ change, now, keyExists }) => {
      const is = change.action === 'create-key' || change.action === 'delete-key' ? (keyExists ? 'the key exists' : 'the key is missing') : now ? `it is now ${formatValue(now)}` : 'it is now absent';
      const was = change.action === 'create-key' ? 'missing' : change.action === 'delete-key' ? 'present' : change.before ? formatValue(change.before) : 'absent';
      return { code: 'STALE_PLAN' as const, message: `stale plan ${file}: ${describeChangeTarget(change)} was ${was} when planned, but ${is}; nothing was written, plan again` };
    }),
  );
}

export async function runApply(inputs: string[], opts: ApplyOptions, io: Io): Promise<number> {
  const color = useColor(io, opts.color);
  return runRecorded('apply', opts, io, async (outcome, stateDir) => {
    const maxChanges = parseMaxChanges(opts.maxChanges);
    const saved = (await isSavedPlanFile(inputs, io)) ? await readSavedPlan(inputs[0] as string, io) : undefined;
    const desired = saved ? undefined : await loadDesiredState(inputs, { cwd: io.cwd });
    outcome.configs = saved ? saved.meta.configs : (desired?.files ?? []).map(({ path, sha256 }) => ({ path, sha256 }));
    const backend = saved ? await openRecordedTarget(saved.meta.target, opts, io, `the plan ${inputs[0]}`) : await openBackend(opts, io);
    const b = backend;
    outcome.backend = b;
    const execution = await withRunLock(stateDir, b, 'apply', opts, io, async () => {
      let plan;
      let live;
      if (saved) {
        live = new LiveState(await b.read(readRequestsForPlan(saved.plan)));
        const stale = findStaleChanges(saved.plan, live);
        if (stale.length > 0) throw staleError(stale, inputs[0] as string);
        plan = saved.plan;
      } else if (desired) {
        live = new LiveState(await b.read(readRequestsFor(desired)));
        plan = planChanges(desired, live);
      } else {
        throw new RegstateError('INTERNAL', 'no plan and no desired state');
      }
      outcome.plan = plan;
      return executePlan(plan, live, b, { command: 'apply', format: opts.format, color, approved: saved !== undefined || opts.autoApprove === true, maxChanges, stateDir, configs: outcome.configs }, io);
    });
    outcome.result = execution.result;
    outcome.exitCode = execution.exitCode;
  });
}
