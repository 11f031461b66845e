import picocolors from 'picocolors';
import { describeChangeTarget } from '../apply/check-change.js';
import { escapeControl } from '../model/display-text.js';
import { renderPlanText } from '../plan/render-text.js';
import type { HostRun } from './host-run.js';
import { describeCounts, renderSummaryTable } from './render-fleet-summary.js';

type Colors = ReturnType<typeof picocolors.createColors>;

function hostHeader(run: HostRun, c: Colors): string {
  return c.bold(`=== host ${escapeControl(run.host)} ===`);
}

/** A host's part before any write: its plan as a single-host plan shows, or why it has none. */
function renderHostPlan(run: HostRun, c: Colors): string {
  if (run.plan && run.status !== 'stale') return renderPlanText(run.plan, { color: c.isColorSupported });
  const lines = (run.problems ?? []).map((p) => `${c.red('✗')} ${escapeControl(`${run.status}: ${p.code} ${p.message}`)}`);
  return `${lines.join('\n')}\n`;
}

/** What apply did on a host: each change that failed or did not verify, then one line. */
function renderHostResult(run: HostRun, c: Colors): string {
  if (!run.result) return '';
  const lines = run.result.results
    .filter((r) => r.outcome !== 'applied')
    .map((r) => `${c.red('✗')} ${escapeControl(`${r.change.action} ${describeChangeTarget(r.change)}: ${r.error?.code} ${r.error?.message}`)}`);
  const applied = run.result.results.length - lines.length;
  lines.push(
    run.result.converged
      ? c.green(`Apply complete on ${escapeControl(run.host)}: ${applied} change${applied === 1 ? '' : 's'} written, read back and verified.`)
      : c.red(`Apply incomplete on ${escapeControl(run.host)}: ${lines.length} of ${run.result.results.length} changes failed or did not verify (listed above).`),
  );
  return `${lines.join('\n')}\n`;
}

/** Every host's plan under its header, in inventory order. */
export function renderFleetPlansText(runs: HostRun[], options: { color: boolean }): string {
  const c = picocolors.createColors(options.color);
  return runs.map((run) => `${hostHeader(run, c)}\n${renderHostPlan(run, c)}`).join('\n');
}

/** The fleet's summary: a table of hosts, then one line of counts. */
export function renderFleetSummaryText(runs: HostRun[], command: 'plan' | 'apply', options: { color: boolean }): string {
  const c = picocolors.createColors(options.color);
  return `${c.bold(`Fleet ${command}:`)} ${describeCounts(runs)}\n\n${renderSummaryTable(runs)}`;
}

/** plan: every host's plan, then the summary. */
export function renderFleetPlanText(runs: HostRun[], options: { color: boolean }): string {
  return `${renderFleetPlansText(runs, options)}\n${renderFleetSummaryText(runs, 'plan', options)}`;
}

/**
 * apply, after the writes: each host that wrote something with its outcome, then the summary (hosts
 * stopped before writing were shown with the plans, and are in the summary with the reason).
 */
export function renderFleetApplyText(runs: HostRun[], options: { color: boolean }): string {
  const c = picocolors.createColors(options.color);
  const parts = runs.filter((r) => r.result).map((run) => `${hostHeader(run, c)}\n${renderHostResult(run, c)}`);
  return `${parts.length > 0 ? `${parts.join('\n')}\n` : ''}${renderFleetSummaryText(runs, 'apply', options)}`;
}
