import type { ApplyResult } from '../apply/apply-plan.js';
import type { Plan } from '../plan/plan.js';
import type { BackendStats, Target } from '../registry/backend.js';

/**
 * What became of one host in a fleet run.
 * plan: in-sync, drift; apply: in-sync (nothing to do), converged, partial (some writes failed or did
 * not verify); both: unreachable (no connection, or it dropped before writing), stale (a saved plan's
 * values changed on the host), error (anything else that stopped the host before writing: an invalid
 * config for its variables, a lock timeout, a wrong target), not-planned (a saved plan has no plan
 * for it: the host was not reached when it was made).
 */
export type HostStatus = 'in-sync' | 'drift' | 'converged' | 'partial' | 'unreachable' | 'stale' | 'error' | 'not-planned';

export interface HostProblem {
  code: string;
  message: string;
}

export interface HostRun {
  /** The host's name, as the inventory (or the saved plan) writes it. */
  host: string;
  status: HostStatus;
  target?: Target;
  plan?: Plan;
  result?: ApplyResult;
  /** Why the host stopped (unreachable, stale, error); every problem when there are several. */
  problems?: HostProblem[];
  journalFile?: string;
  durationMs: number;
  stats?: BackendStats;
}

/** True when the host did not get where the run meant to take it. */
export function hasFailed(status: HostStatus): boolean {
  return status === 'partial' || status === 'unreachable' || status === 'stale' || status === 'error' || status === 'not-planned';
}
