import { hasUnavailableUsers } from '../plan/plan.js';
import type { HostRun, HostStatus } from './host-run.js';

/** Whether some host's plan has a user whose hive could not be read: that user was not planned or written. */
export function hasUnreachedUsers(runs: readonly HostRun[]): boolean {
  return runs.some((r) => r.plan !== undefined && hasUnavailableUsers(r.plan));
}

/**
 * A fleet run's exit code from its hosts' statuses (README, "Fleet: exit codes"). apply and rollback:
 * 3 when any host has failed or unverified writes, else 1 when any host was not reached, was stale, or
 * stopped before writing, or has a user whose hive could not be read (`unreachedUsers`, as a single
 * machine's run), else 0. plan: 1 when any host could not be planned or has such a user, else 2 with
 * --detailed-exitcode when any host drifts, else 0. The code that says the most about the registries
 * wins: writes that went wrong on one host outrank hosts left untouched.
 */
export function fleetExitCode(command: 'plan' | 'apply' | 'rollback', statuses: HostStatus[], options: { detailedExitcode?: boolean; unreachedUsers?: boolean } = {}): 0 | 1 | 2 | 3 {
  const any = (...wanted: HostStatus[]) => statuses.some((s) => wanted.includes(s));
  if (command !== 'plan' && any('partial')) return 3;
  if (any('unreachable', 'stale', 'error', 'not-planned', 'partial') || options.unreachedUsers) return 1;
  if (command === 'plan' && options.detailedExitcode && any('drift')) return 2;
  return 0;
}
