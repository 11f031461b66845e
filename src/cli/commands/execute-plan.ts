import { join } from 'node:path';
import pc from 'picocolors';
import type { ApplyResult } from '../../apply/apply-plan.js';
import { describeChangeTarget } from '../../apply/check-change.js';
import { executePlan } from '../../apply/execute-plan.js';
import { RegstateError } from '../../errors.js';
import { escapeControl } from '../../model/display-text.js';
import type { LiveState } from '../../model/live-state.js';
import type { Plan } from '../../plan/plan.js';
import { formatUndeclaredCount } from '../../plan/render-undeclared.js';
import type { RegistryBackend } from '../../registry/backend.js';
import { EXIT } from '../exit-codes.js';
import type { Io } from '../io.js';
import { renderPlan } from '../render-plan.js';
import { markPhase } from '../phase-timings.js';

export interface RunPlanOptions {
  command: 'apply' | 'rollback';
  format: 'text' | 'json';
  color: boolean;
  /** A saved plan is approved by what it is; a fresh plan or a rollback needs --auto-approve or a yes. */
  approved: boolean;
  maxChanges?: number;
  stateDir: string;
  configs: { path: string; sha256: string }[];
}

export interface PrintedExecution {
  plan: Plan;
  result?: ApplyResult;
  exitCode: number;
}

/** Asks for approval on the terminal (only 'yes' counts); without a terminal, NOT_APPROVED. */
export async function confirm(io: Io, command: string): Promise<boolean> {
  if (!io.stdinIsTTY || !io.prompt) {
    throw new RegstateError('NOT_APPROVED', `there is no terminal to ask for approval: review the plan, then run again with --auto-approve (nothing was written)`);
  }
  const answer = await io.prompt(`\nDo you want to ${command} these changes? Only 'yes' is accepted: `);
  return answer?.trim() === 'yes';
}

function printResults(plan: Plan, result: ApplyResult, command: string, color: boolean, io: Io): void {
  const c = pc.createColors(color);
  for (const r of result.results) {
    if (r.outcome === 'applied') continue;
    io.stdout.write(`${c.red('✗')} ${escapeControl(`${r.change.action} ${describeChangeTarget(r.change)}: ${r.error?.code} ${r.error?.message}`)}\n`);
  }
  const applied = result.results.filter((r) => r.outcome === 'applied').length;
  const total = result.results.length;
  const verb = command === 'apply' ? 'Apply' : 'Rollback';
  if (result.converged) {
    io.stdout.write(c.green(`${verb} complete: ${applied} change${applied === 1 ? '' : 's'} written, read back and verified.\n`));
  } else {
    io.stdout.write(c.red(`${verb} incomplete: ${total - applied} of ${total} changes failed or did not verify (listed above).\n`));
  }
  // the closing lines are what a log keeps: they say that undeclared values were there and stay
  if (plan.undeclared?.length) io.stdout.write(`Left in place: ${formatUndeclaredCount(plan.undeclared)} (undeclared, listed above).\n`);
}

/** Prints the plan, has apply/ execute it (guards, approval, journal, write, verify), prints the outcome. */
export async function executeAndReport(plan: Plan, live: LiveState, backend: RegistryBackend, opts: RunPlanOptions, io: Io): Promise<PrintedExecution> {
  markPhase('render');
  if (opts.format === 'text') io.stdout.write(await renderPlan(plan, 'text', opts.color));
  markPhase('other');
  const execution = await executePlan(plan, live, backend, {
    command: opts.command,
    journalDir: join(opts.stateDir, 'journals'),
    configs: opts.configs,
    maxChanges: opts.maxChanges,
    ...(opts.approved ? {} : { approve: () => confirm(io, opts.command) }),
  });
  const { result } = execution;
  if (!result) return { plan, exitCode: EXIT.OK };
  if (opts.format === 'text') printResults(plan, result, opts.command, opts.color, io);
  return { plan, result, exitCode: result.converged ? EXIT.OK : EXIT.PARTIAL };
}
