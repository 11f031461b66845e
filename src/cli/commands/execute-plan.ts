import { join } from 'node:path';
import pc from 'picocolors';
import { type ApplyResult, applyPlan } from '../../apply/apply-plan.js';
import { describeChangeTarget } from '../../apply/check-change.js';
import { type Journal, recordPriorState } from '../../apply/journal.js';
import { RegstateError } from '../../errors.js';
import type { LiveState } from '../../model/live-state.js';
import type { Plan } from '../../plan/plan.js';
import type { RegistryBackend } from '../../registry/backend.js';
import { EXIT } from '../exit-codes.js';
import type { Io } from '../io.js';
import { renderPlan } from '../render-plan.js';
import { writeFileAtomic } from '../write-file-atomic.js';
import { markPhase } from '../phase-timings.js';

export interface ExecuteOptions {
  command: 'apply' | 'rollback';
  format: 'text' | 'json';
  color: boolean;
  /** A saved plan or a rollback is approved by what it is; a fresh plan needs --auto-approve or a yes. */
  approved: boolean;
  maxChanges?: number;
  stateDir: string;
  configs: { path: string; sha256: string }[];
}

export interface Execution {
  plan: Plan;
  result?: ApplyResult;
  journalFile?: string;
  exitCode: number;
}

function stamp(date: Date): string {
  return date.toISOString().replace(/:/g, '-');
}

async function confirm(io: Io, command: string): Promise<boolean> {
  if (!io.stdinIsTTY || !io.prompt) {
    throw new RegstateError('NOT_APPROVED', `there is no terminal to ask for approval: review the plan, then run again with --auto-approve (nothing was written)`);
  }
  const answer = await io.prompt(`\nDo you want to ${command} these changes? Only 'yes' is accepted: `);
  return answer?.trim() === 'yes';
}

function printResults(result: ApplyResult, command: string, color: boolean, io: Io): void {
  const c = pc.createColors(color);
  for (const r of result.results) {
    if (r.outcome === 'applied') continue;
    io.stdout.write(`${c.red('✗')} ${r.change.action} ${describeChangeTarget(r.change)}: ${r.error?.code} ${r.error?.message}\n`);
  }
  const applied = result.results.filter((r) => r.outcome === 'applied').length;
  const total = result.results.length;
  const verb = command === 'apply' ? 'Apply' : 'Rollback';
  if (result.converged) {
    io.stdout.write(c.green(`${verb} complete: ${applied} change${applied === 1 ? '' : 's'} written, read back and verified.\n`));
  } else {
    io.stdout.write(c.red(`${verb} incomplete: ${total - applied} of ${total} changes failed or did not verify (listed above).\n`));
  }
}

/**
 * Shows the plan, gets approval, journals the prior state, writes and verifies. The caller holds
 * the run lock and has checked preconditions; nothing is written before the journal is on disk.
 */
export async function executePlan(plan: Plan, live: LiveState, backend: RegistryBackend, opts: ExecuteOptions, io: Io): Promise<Execution> {
  markPhase('render');
  if (opts.format === 'text') io.stdout.write(renderPlan(plan, 'text', opts.color));
  markPhase('other');
  if (plan.changes.length === 0) return { plan, exitCode: EXIT.OK };
  if (opts.maxChanges !== undefined && plan.changes.length > opts.maxChanges) {
    throw new RegstateError('MAX_CHANGES', `the plan has ${plan.changes.length} changes, more than --max-changes ${opts.maxChanges}: refusing to apply (nothing was written)`);
  }
  if (!opts.approved && !(await confirm(io, opts.command))) {
    throw new RegstateError('NOT_APPROVED', `${opts.command} cancelled: nothing was written`);
  }
  const createdAt = new Date();
  const journalFile = join(opts.stateDir, 'journals', `${stamp(createdAt)}-${process.pid}-${opts.command}.json`);
  const journal: Journal = {
    formatVersion: 1,
    kind: 'regstate-journal',
    command: opts.command,
    createdAt: createdAt.toISOString(),
    target: backend.target,
    configs: opts.configs,
    status: 'started',
    prior: recordPriorState(plan, live),
    ...(backend.captureImage ? { image: { before: await backend.captureImage() } } : {}),
  };
  // Journals hold registry data: readable by the owner only, like the state directory.
  const saveJournal = () => writeFileAtomic(journalFile, `${JSON.stringify(journal, null, 2)}\n`, 0o600);
  await saveJournal();
  const result = await applyPlan(plan, backend, {
    afterWrite: async (outcomes) => {
      journal.status = 'written';
      journal.outcomes = outcomes;
      if (journal.image && backend.captureImage) journal.image.afterSha256 = (await backend.captureImage()).sha256;
      await saveJournal();
    },
  });
  journal.status = 'finished';
  await saveJournal();
  if (opts.format === 'text') printResults(result, opts.command, opts.color, io);
  return { plan, result, journalFile, exitCode: result.converged ? EXIT.OK : EXIT.PARTIAL };
}
