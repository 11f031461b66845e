import { textWidth } from '../model/text-width.js';
import { escapeControl } from '../model/display-text.js';

// The summary table shows this much of a reason; the host's section and the JSON have it whole.
const MAX_REASON = 160;
import { summarizePlan } from '../plan/plan.js';
import type { HostRun, HostStatus } from './host-run.js';

/** The reason a host shows in the summary: its first problem, cut short. */
export function hostReason(run: HostRun): string | undefined {
  const first = run.problems?.[0];
  if (!first) return undefined;
  const more = run.problems && run.problems.length > 1 ? ` (and ${run.problems.length - 1} more)` : '';
  const message = first.message.length > MAX_REASON ? `${first.message.slice(0, MAX_REASON).replace(/[\ud800-\udbff]$/, '')}…` : first.message;
  return `${message}${more}`;
}

/** One row of the summary table: host, the plan's counts, the status (with the reason). */
export interface SummaryRow {
  host: string;
  create: string;
  update: string;
  delete: string;
  status: string;
}

export function summaryRows(runs: HostRun[]): SummaryRow[] {
  return runs.map((run) => {
    const s = run.plan ? summarizePlan(run.plan) : undefined;
    const reason = hostReason(run);
    const failedChanges = run.result?.results.filter((r) => r.outcome !== 'applied').length;
    const status = run.status === 'partial' && failedChanges !== undefined ? `partial: ${failedChanges} change${failedChanges === 1 ? '' : 's'} failed or did not verify` : reason ? `${run.status}: ${reason}` : run.status;
    return {
      host: escapeControl(run.host),
      create: s ? String(s.create) : '-',
      update: s ? String(s.update) : '-',
      delete: s ? String(s.delete) : '-',
      status: escapeControl(status),
    };
  });
}

const pad = (text: string, width: number) => text + ' '.repeat(Math.max(0, width - textWidth(text)));
const padLeft = (text: string, width: number) => ' '.repeat(Math.max(0, width - textWidth(text))) + text;

/** The summary table as aligned text. */
export function renderSummaryTable(runs: HostRun[]): string {
  const rows = summaryRows(runs);
  const head: SummaryRow = { host: 'HOST', create: 'CREATE', update: 'UPDATE', delete: 'DELETE', status: 'STATUS' };
  const w = (f: keyof SummaryRow) => Math.max(...[head, ...rows].map((r) => textWidth(r[f])));
  const widths = { host: w('host'), create: w('create'), update: w('update'), delete: w('delete') };
  const line = (r: SummaryRow) => `${pad(r.host, widths.host)}  ${padLeft(r.create, widths.create)}  ${padLeft(r.update, widths.update)}  ${padLeft(r.delete, widths.delete)}  ${r.status}`.trimEnd();
  return [head, ...rows].map(line).join('\n') + '\n';
}

const ORDER: HostStatus[] = ['in-sync', 'drift', 'converged', 'partial', 'stale', 'unreachable', 'error', 'not-planned'];

/** `12 hosts: 9 in-sync, 2 drift, 1 unreachable` (statuses that occur, in a fixed order). */
export function describeCounts(runs: HostRun[]): string {
  const counts = ORDER.map((status) => [status, runs.filter((r) => r.status === status).length] as const).filter(([, n]) => n > 0);
  return `${runs.length} host${runs.length === 1 ? '' : 's'}${counts.length > 0 ? ': ' : ''}${counts.map(([s, n]) => `${n} ${s}`).join(', ')}`;
}
