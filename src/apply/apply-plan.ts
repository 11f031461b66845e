import { type ErrorCode, RegstateError } from '../errors.js';
import { type KeyRef, keyId } from '../model/key-ref.js';
import { LiveState } from '../model/live-state.js';
import type { Change, Plan } from '../plan/plan.js';
import type { ReadRequest, RegistryBackend, WriteOp, WriteOutcome } from '../registry/backend.js';
import { changeToOp } from './changes-to-ops.js';
import { hasConverged } from './check-change.js';

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

/**
 * The keys to read back after writing: each touched key once, with the names of the values changed
 * in it (a key's creation or deletion needs only whether it exists).
 */
export function verifyRequests(changes: Change[]): ReadRequest[] {
  const seen = new Map<string, { key: KeyRef; values: string[] }>();
  for (const c of changes) {
    const id = keyId(c.key);
    let request = seen.get(id);
    if (!request) seen.set(id, (request = { key: c.key, values: [] }));
    if ('name' in c) request.values.push(c.name);
  }
  return [...seen.values()];
}

/**
 * One write batch. When the batch as a whole breaks off (a crashed PowerShell, say), some of its
 * writes may have happened: every change is reported failed with the cause, and the journal, written
 * before, is what restores the prior state.
 */
async function writeBatch(backend: RegistryBackend, ops: WriteOp[]): Promise<WriteOutcome[]> {
  try {
    return await backend.write(ops);
  } catch (error) {
    if (!(error instanceof RegstateError)) throw error;
    const message = `the write batch broke off, so this change may or may not have been written: ${error.message}`;
    return ops.map(() => ({ ok: false, code: error.code, message }));
  }
}

/** The read-back: the keys as they are now, except those whose read failed (by key id, with why). */
interface ReadBack {
  live?: LiveState;
  failedKeys: Map<string, string>;
  /** Why nothing could be read back (live is then absent). */
  error?: string;
}

/**
 * Reads back the touched keys in one batch. When the read fails for some keys only (a backend that
 * names the key of each problem: another program writing a key during every read, say), the other keys
 * are read again without them, so their changes are still verified, and only the changes of the keys
 * that could not be read are VERIFY_FAILED, each with its key's own reason.
 */
async function readBackChanges(backend: RegistryBackend, requests: ReadRequest[]): Promise<ReadBack> {
  try {
    return { live: new LiveState(await backend.read(requests)), failedKeys: new Map() };
  } catch (error) {
    if (!(error instanceof RegstateError)) throw error;
    const failedKeys = new Map<string, string>();
    for (const d of error.diagnostics) {
      if (!d.key) return { failedKeys, error: error.message };
      const id = keyId(d.key);
      failedKeys.set(id, failedKeys.has(id) ? `${failedKeys.get(id)}; ${d.message}` : d.message);
    }
    const rest = requests.filter((r) => !failedKeys.has(keyId(r.key)));
    if (failedKeys.size === 0 || rest.length === 0) return { failedKeys: new Map(), error: error.message };
    try {
      return { live: new LiveState(await backend.read(rest)), failedKeys };
    } catch (again) {
      if (!(again instanceof RegstateError)) throw again;
      return { failedKeys: new Map(), error: again.message };
    }
  }
}

/**
 * Writes exactly the plan's changes in one batch, then reads back every touched key in one
 * batch and checks each change took effect. Preconditions are the caller's business.
 */
export async function applyPlan(plan: Plan, backend: RegistryBackend, hooks: ApplyHooks = {}): Promise<ApplyResult> {
  if (plan.changes.length === 0) return { results: [], converged: true };
  const ops = plan.changes.map(changeToOp);
  await hooks.beforeWrite?.(ops);
  const outcomes = await writeBatch(backend, ops);
  await hooks.afterWrite?.(outcomes);
  const readBack = await readBackChanges(backend, verifyRequests(plan.changes));
  const results = plan.changes.map((change, i): ChangeResult => {
    const outcome = outcomes[i];
    if (!outcome) return { change, outcome: 'failed', error: { code: 'WRITE_FAILED', message: 'the backend returned no outcome' } };
    if (!outcome.ok) return { change, outcome: 'failed', error: { code: outcome.code, message: outcome.message } };
    const unread = readBack.live ? readBack.failedKeys.get(keyId(change.key)) : readBack.error;
    if (unread !== undefined || !readBack.live) return { change, outcome: 'not-converged', error: { code: 'VERIFY_FAILED', message: `could not read back: ${unread}` } };
    if (!hasConverged(change, readBack.live)) {
      return { change, outcome: 'not-converged', error: { code: 'VERIFY_FAILED', message: 'the read-back does not show the change' } };
    }
    return { change, outcome: 'applied' };
  });
  return { results, converged: results.every((r) => r.outcome === 'applied') };
}
