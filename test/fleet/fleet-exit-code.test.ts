import { fleetExitCode, hasUnreachedUsers } from '../../src/fleet/fleet-exit-code.js';
import type { HostRun, HostStatus } from '../../src/fleet/host-run.js';
import type { Plan, PlanUser } from '../../src/plan/plan.js';

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

  // a user whose hive could not be read was neither planned nor written: the host did not get all the way
  test.each<[string, 'plan' | 'apply', HostStatus[], boolean, number]>([
    ['plan, drift elsewhere, --detailed-exitcode', 'plan', ['in-sync', 'drift'], true, 1],
    ['plan, in sync', 'plan', ['in-sync'], false, 1],
    ['apply, converged', 'apply', ['converged', 'in-sync'], false, 1],
    ['apply, partial still outranks it', 'apply', ['converged', 'partial'], false, 3],
  ])('a host with a user not reached: %s', (_name, command, statuses, detailed, expected) => {
    expect(fleetExitCode(command, statuses, { detailedExitcode: detailed, unreachedUsers: true })).toBe(expected);
  });

  test('hasUnreachedUsers looks at every host\'s plan', () => {
    const plan = (unavailable: boolean): Plan => {
      const user: PlanUser = { sid: 'S-1-5-21-1-2-3-1001', loaded: false, kind: 'user' };
      if (unavailable) user.unavailable = { code: 'PROFILE_UNAVAILABLE', message: 'no hive' };
      return { changes: [], unchanged: 0, users: [user] };
    };
    const run = (host: string, p?: Plan): HostRun => ({ host, status: 'in-sync', durationMs: 0, ...(p ? { plan: p } : {}) });
    expect(hasUnreachedUsers([run('a', plan(false)), run('b')])).toBe(false);
    expect(hasUnreachedUsers([run('a', plan(false)), run('b', plan(true))])).toBe(true);
  });
});
