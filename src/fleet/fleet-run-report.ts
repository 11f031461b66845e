import type { ChangeResult } from '../apply/apply-plan.js';
import { reportHeader } from '../cli/run-session.js';
import { type PlanSummary, summarizePlan } from '../plan/plan.js';
import { type ReportError, type RunReport, type RunReportHost, reportUndeclared, toReportChange } from '../state/run-report.js';
import type { HostRun } from './host-run.js';

function hostReport(run: HostRun): RunReportHost {
  const results = new Map<unknown, ChangeResult>(run.result?.results.map((r) => [r.change, r]) ?? []);
  return {
    host: run.host,
    status: run.status,
    target: run.target ?? null,
    plan: run.plan ? { summary: summarizePlan(run.plan) } : null,
    changes: (run.plan?.changes ?? []).map((change) => {
      const r = results.get(change);
      return toReportChange(change, r?.outcome ?? 'skipped', r?.error);
    }),
    ...reportUndeclared(run.plan),
    ...(run.problems ? { problems: run.problems.map(({ code, message }) => ({ code, message })) } : {}),
    ...(run.journalFile ? { journal: run.journalFile } : {}),
    durationMs: run.durationMs,
    stats: run.stats ?? { processes: 0, roundTrips: 0 },
  };
}

/** The JSON report of a fleet run: the usual fields, every host under `hosts`, plan counts summed. */
export function buildFleetRunReport(command: 'apply' | 'rollback', startedAt: Date, runs: HostRun[], configs: { path: string; sha256: string }[], exitCode: number, error?: ReportError): RunReport {
  const planned = runs.filter((r) => r.plan);
  const total: PlanSummary = { create: 0, update: 0, delete: 0, unchanged: 0 };
  for (const run of planned) {
    const s = summarizePlan(run.plan as NonNullable<HostRun['plan']>);
    total.create += s.create;
    total.update += s.update;
    total.delete += s.delete;
    total.unchanged += s.unchanged;
  }
  const hosts = runs.map(hostReport);
  return {
    ...reportHeader(command, startedAt),
    target: null,
    configs,
    plan: planned.length > 0 ? { summary: total } : null,
    changes: [],
    stats: hosts.reduce((a, h) => ({ processes: a.processes + h.stats.processes, roundTrips: a.roundTrips + h.stats.roundTrips }), { processes: 0, roundTrips: 0 }),
    exitCode,
    ...(error ? { error } : {}),
    hosts,
  };
}
