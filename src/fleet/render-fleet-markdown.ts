import { escapeControl } from '../model/display-text.js';
import { codeSpan, renderPlanMarkdown } from '../plan/render-markdown.js';
import type { HostRun } from './host-run.js';
import { describeCounts, summaryRows } from './render-fleet-summary.js';

const cell = (text: string) => text.replace(/\|/g, '\\|');

/** The fleet plan for a pull request: a summary table, then each host's plan under its own heading. */
export function renderFleetPlanMarkdown(runs: HostRun[]): string {
  const rows = summaryRows(runs).map((r) => `| ${codeSpan(r.host, true)} | ${r.create} | ${r.update} | ${r.delete} | ${cell(r.status)} |`);
  const head = ['# regstate fleet plan', '', `**Fleet:** ${describeCounts(runs)}`, '', '| Host | Create | Update | Delete | Status |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
  const hosts = runs.map((run) => {
    const title = `host ${codeSpan(escapeControl(run.host), false)}`;
    if (run.plan) return renderPlanMarkdown(run.plan, { title });
    const problems = (run.problems ?? []).map((p) => `- ${run.status}: ${codeSpan(escapeControl(`${p.code} ${p.message}`), false)}`);
    return `## ${title}\n\n${problems.join('\n')}\n`;
  });
  return [`${head}\n`, ...hosts].join('\n');
}
