import { planToJson } from '../plan/render-json.js';
import type { HostRun } from './host-run.js';

/** The version of the fleet JSON output (plan --format json with --inventory). */
export const FLEET_OUTPUT_VERSION = 1;

/**
 * One document listing every host in inventory order: its status, target, plan (the single-host
 * plan JSON) and, when it has none, the problems that stopped it (unreachable with the reason).
 */
export function fleetPlanToJson(runs: HostRun[]): object {
  const counts: Record<string, number> = {};
  for (const run of runs) counts[run.status] = (counts[run.status] ?? 0) + 1;
  return {
    formatVersion: FLEET_OUTPUT_VERSION,
    kind: 'regstate-fleet-plan-output',
    summary: { hosts: runs.length, ...counts },
    hosts: runs.map((run) => ({
      host: run.host,
      status: run.status,
      target: run.target ?? null,
      plan: run.plan ? planToJson(run.plan) : null,
      ...(run.problems ? { problems: run.problems.map(({ code, message }) => ({ code, message })) } : {}),
      durationMs: run.durationMs,
    })),
  };
}

export function renderFleetPlanJson(runs: HostRun[]): string {
  return `${JSON.stringify(fleetPlanToJson(runs), null, 2)}\n`;
}
