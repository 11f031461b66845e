import type { HostStatus } from './host-run.js';

/**
 * A fleet run's exit code from its hosts' statuses (README, "Fleet: exit codes"). apply and rollback:
 * 3 when any host has failed or unverified writes, else 1 when any host was not reached, was stale, or
 * stopped before writing, else 0. plan: 1 when any host could not be planned, else 2 with
 * --detailed-exitcode when any host drifts, else 0. The code that says the most about the registries
 * wins: writes that went wrong on one host outrank hosts left untouched.
 */
export function fleetExitCode(command: 'plan' | 'apply' | 'rollback', statuses: HostStatus[], options: { detailedExitcode?: boolean } = {}): 0 | 1 | 2 | 3 {
  const any = (...wanted: HostStatus[]) => statuses.some((s) => wanted.includes(s));
  if (command !== 'plan' && any('partial')) return 3;
  if (any('unreachable', 'stale', 'error', 'not-planned', 'partial')) return 1;
  if (command === 'plan' && options.detailedExitcode && any('drift')) return 2;
  return 0;
}
