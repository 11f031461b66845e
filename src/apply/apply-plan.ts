import type { ErrorCode } from '../errors.js';
import { type KeyRef, keyId } from '../model/key-ref.js';
import { LiveState } from '../model/live-state.js';
import type { Change, Plan } from '../plan/plan.js';
import type { ReadRequest, RegistryBackend, WriteOp, WriteOutcome } from '../registry/backend.js';
import { changeToOp } from './changes-to-ops.js';
import { checkAfter } from './check-change.js';

export type ChangeOutcome = 'applied' | 'failed' | 'not-converged';

export interface ChangeResult {
  change: Change;
  outcome: ChangeOutcome;
  error?: { code: ErrorCode; message: string };
}

export interface ApplyResult {
  results: ChangeResult[];
  /** True when every change was written and the read-back shows it. */
  converged: boolean;
}

export interface ApplyHooks {
  /** Runs after the ops are known and before anything is written (the undo journal). */
  beforeWrite?: (ops: WriteOp[]) => Promise<void>;
  /** Runs right after the write batch, with each op's outcome. */
  afterWrite?: (outcomes: WriteOutcome[]) => Promise<void>;
}

/** The keys to read back after writing: each touched key once. */
export function verifyRequests(changes: Change[]): ReadRequest[] {
  const seen = new Map<string, KeyRef>();
  for (const c of changes) seen.set(keyId(c.key), c.key);
  return [...seen.values()].map((key) => ({ key }));
}

/**
 * Writes exactly the plan's changes in one batch, then reads back every touched key in one
 * batch and checks each change took effect. Preconditions are the caller's business.
 */
export async function applyPlan(plan: Plan, backend: RegistryBackend, hooks: ApplyHooks = {}): Promise<ApplyResult> {
  if (plan.changes.length === 0) return { results: [], converged: true };
  const ops = plan.changes.map(changeToOp);
  await hooks.beforeWrite?.(ops);
  const outcomes = await backend.write(ops);
  await hooks.afterWrite?.(outcomes);
  const live = new LiveState(await backend.read(verifyRequests(plan.changes)));
  const results = plan.changes.map((change, i): ChangeResult => {
    const outcome = outcomes[i];
    if (!outcome) return { change, outcome: 'failed', error: { code: 'WRITE_FAILED', message: 'the backend returned no outcome' } };
    if (!outcome.ok) return { change, outcome: 'failed', error: { code: outcome.code, message: outcome.message } };
    if (checkAfter(change, live)) {
      return { change, outcome: 'not-converged', error: { code: 'VERIFY_FAILED', message: 'the read-back does not show the change' } };
    }
    return { change, outcome: 'applied' };
  });
  return { results, converged: results.every((r) => r.outcome === 'applied') };
}
