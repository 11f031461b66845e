import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { findStaleChanges } from '../../apply/find-stale-changes.js';
import { ancestorRequests } from '../../apply/journal.js';
import { describeChangeTarget } from '../../apply/check-change.js';
import { loadDesiredState } from '../../config/load-desired-state.js';
import { RegstateError } from '../../errors.js';
import type { DesiredState } from '../../model/desired-state.js';
import type { Plan } from '../../plan/plan.js';
import type { RegistryBackend } from '../../registry/backend.js';
import { LiveState } from '../../model/live-state.js';
import { planChanges, readRequestsFor, readRequestsForPlan } from '../../plan/plan-changes.js';
import { looksLikeSavedPlan, parseSavedPlan } from '../../plan/saved-plan.js';
import { formatValue } from '../../plan/format-data.js';
import { type Io, useColor } from '../io.js';
import { type BackendOptions, openBackend, openRecordedTarget } from '../open-backend.js';
import { type SessionOptions, runRecorded, withRunLock } from '../run-session.js';
import { executePlan } from './execute-plan.js';
import { markBackendPhases, markPhase } from '../phase-timings.js';

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

/** The saved plan named by the arguments, if they are one `.json` file that is a saved plan; read once. */
async function readIfSavedPlan(inputs: string[], io: Io): Promise<(ReturnType<typeof parseSavedPlan> & { file: string }) | undefined> {
  const file = inputs[0];
  if (inputs.length !== 1 || file === undefined || !file.toLowerCase().endsWith('.json')) return undefined;
  let text: string;
  try {
    text = await readFile(resolve(io.cwd, file), 'utf8');
  } catch {
    // Not readable as a plan: loadDesiredState reports it with its own error.
    return undefined;
  }
  return looksLikeSavedPlan(text) ? { file, ...parseSavedPlan(text, file) } : undefined;
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

/** Re-reads what a saved plan touches and refuses it when any `before` no longer holds. */
async function checkSavedPlan(saved: { plan: Plan }, file: string, backend: RegistryBackend): Promise<{ plan: Plan; live: LiveState }> {
  const created = saved.plan.changes.filter((c) => c.action === 'create-key').map((c) => c.key);
  const live = new LiveState(await backend.read([...readRequestsForPlan(saved.plan), ...ancestorRequests(created)]));
  const stale = findStaleChanges(saved.plan, live);
  if (stale.length > 0) throw staleError(stale, file);
  return { plan: saved.plan, live };
}

/** Reads what the desired state needs (and the ancestors of keys it may create, for the journal) and plans. */
async function planDesired(desired: DesiredState, backend: RegistryBackend): Promise<{ plan: Plan; live: LiveState }> {
  const present = desired.keys.filter((k) => k.ensure === 'present').map((k) => k.key);
  const live = new LiveState(await backend.read([...readRequestsFor(desired), ...ancestorRequests(present)]));
  markPhase('plan');
  const plan = planChanges(desired, live);
  markPhase('other');
  return { plan, live };
}

export async function runApply(inputs: string[], opts: ApplyOptions, io: Io): Promise<number> {
  const color = useColor(io, opts.color);
  return runRecorded('apply', opts, io, async (outcome, stateDir) => {
    const maxChanges = parseMaxChanges(opts.maxChanges);
    const saved = await readIfSavedPlan(inputs, io);
    markPhase('load config');
    const desired = saved ? undefined : await loadDesiredState(inputs, { cwd: io.cwd });
    markPhase('read registry');
    outcome.configs = saved ? saved.meta.configs : (desired?.files ?? []).map(({ path, sha256 }) => ({ path, sha256 }));
    const backend = saved ? await openRecordedTarget(saved.meta.target, opts, io, `the plan ${saved?.file}`) : await openBackend(opts, io);
    markBackendPhases(backend);
    outcome.backend = backend;
    const execution = await withRunLock(stateDir, backend, 'apply', opts, io, async () => {
      const { plan, live } = saved ? await checkSavedPlan(saved, saved.file, backend) : await planDesired(desired as DesiredState, backend);
      outcome.plan = plan;
      const approved = saved !== undefined || opts.autoApprove === true;
      return executePlan(plan, live, backend, { command: 'apply', format: opts.format, color, approved, maxChanges, stateDir, configs: outcome.configs }, io);
    });
    outcome.result = execution.result;
    outcome.exitCode = execution.exitCode;
  });
}
