import { fleetExitCode } from '../../src/fleet/fleet-exit-code.js';
import type { HostStatus } from '../../src/fleet/host-run.js';

describe('fleet exit codes aggregate the hosts (README, "Fleet: exit codes")', () => {
  test.each<[string, 'plan' | 'apply', HostStatus[], boolean, number]>([
    ['plan, all in sync', 'plan', ['in-sync', 'in-sync'], true, 0],
    ['plan, one drifts, --detailed-exitcode', 'plan', ['in-sync', 'drift'], true, 2],
    ['plan, one drifts, no --detailed-exitcode', 'plan', ['in-sync', 'drift'], false, 0],
    ['plan, one unreachable outranks drift', 'plan', ['drift', 'unreachable'], true, 1],
    ['plan, one host with a config error', 'plan', ['in-sync', 'error'], true, 1],
    ['apply, all converged or in sync', 'apply', ['converged', 'in-sync'], false, 0],
    ['apply, one unreachable', 'apply', ['converged', 'unreachable'], false, 1],
    ['apply, one stale', 'apply', ['converged', 'stale'], false, 1],
    ['apply, one not in the saved plan', 'apply', ['converged', 'not-planned'], false, 1],
    ['apply, one partial', 'apply', ['converged', 'partial'], false, 3],
    ['apply, partial outranks unreachable', 'apply', ['unreachable', 'partial', 'stale'], false, 3],
    ['apply, no hosts', 'apply', [], false, 0],
  ])('%s', (_name, command, statuses, detailed, expected) => {
    expect(fleetExitCode(command, statuses, { detailedExitcode: detailed })).toBe(expected);
  });
});
