import type { ErrorCode } from '../errors.js';
import type { View } from '../model/key-ref.js';
import { formatKey } from '../model/key-ref.js';
import { type ValueJson, valueToJson } from '../model/value-json.js';
import type { Change, ChangeAction, Plan, PlanSummary } from '../plan/plan.js';
import { type UndeclaredJson, undeclaredToJson } from '../plan/undeclared-json.js';
import type { BackendStats, Target } from '../registry/backend.js';
import type { UserJson } from '../plan/users-json.js';

/** What became of one planned change in a run. */
export type ChangeOutcome = 'applied' | 'failed' | 'skipped' | 'not-converged';

export interface ReportError {
  code: ErrorCode;
  message: string;
}

/** One change of the plan and its outcome; values in their JSON form (ValueJson). */
export interface RunReportChange {
  action: ChangeAction;
  /** `HKLM\SOFTWARE\X`, short hive name. */
  key: string;
  view: View;
  /** The value's name ('' is the default value); null for key changes. */
  name: string | null;
  before: ValueJson | null;
  after: ValueJson | null;
  outcome: ChangeOutcome;
  error?: ReportError;
}

/**
 * The JSON report of one run (`--report FILE`, and `reports/` in the state directory), read by
 * monitoring that asks whether anything drifted and whether it was fixed.
 */
export interface RunReport {
  formatVersion: 1;
  /** regstate's version. */
  regstate: string;
  /** The command that ran, e.g. 'apply' or 'rollback'. */
  command: string;
  /** ISO 8601, UTC. */
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  host: string;
  user: string;
  /** Null when the run failed before it opened a registry (an invalid config, say). */
  target: Target | null;
  configs: { path: string; sha256: string }[];
  /** Null when the run failed before it had a plan. */
  plan: { summary: PlanSummary } | null;
  /** With per-user keys: each user the plan was for, as the plan JSON lists them (`unavailable`: not reached). */
  users?: UserJson[];
  changes: RunReportChange[];
  /** The undeclared values (and force-kept subkeys) the plan found and left in place, per key, as in the plan JSON; only when there are any. */
  undeclared?: UndeclaredJson[];
  stats: BackendStats;
  exitCode: number;
  /** Why the run failed as a whole, when it did. */
  error?: ReportError;
  /** A fleet run (--inventory): every host, in inventory order; then `target` is null and `changes` empty. */
  hosts?: RunReportHost[];
}

/** One host of a fleet run: what became of it and why (statuses as src/fleet/host-run.ts lists them). */
export interface RunReportHost {
  host: string;
  status: string;
  target: Target | null;
  plan: { summary: PlanSummary } | null;
  changes: RunReportChange[];
  /** As RunReport's: what the host's plan found undeclared and left in place. */
  undeclared?: UndeclaredJson[];
  /** Why the host stopped: unreachable with the transport's reason, stale values, an error. */
  problems?: { code: string; message: string }[];
  /** The host's undo journal, when the apply wrote anything there. */
  journal?: string;
  durationMs: number;
  stats: BackendStats;
}

/** A plan change as a report entry. */
export function toReportChange(change: Change, outcome: ChangeOutcome, error?: ReportError): RunReportChange {
  const entry: RunReportChange = {
    action: change.action,
    key: formatKey(change.key),
    view: change.key.view,
    name: 'name' in change ? change.name : null,
    before: change.before === null ? null : valueToJson(change.before),
    after: change.after === null ? null : valueToJson(change.after),
    outcome,
  };
  if (error) entry.error = { code: error.code, message: error.message };
  return entry;
}

/** The report's `undeclared` field: present only when the plan found undeclared values, so other reports read as before. */
export function reportUndeclared(plan: Plan | undefined): Pick<RunReport, 'undeclared'> {
  const { undeclared } = plan ? undeclaredToJson(plan) : {};
  return undeclared ? { undeclared } : {};
}
