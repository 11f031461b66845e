import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Journal } from '../../apply/journal.js';
import { parseJournal } from '../../apply/parse-journal.js';
import { looksLikeSavedPlan } from '../../plan/saved-plan-kind.js';
import { looksLikeDesiredState } from '../file-kind.js';
import { planRollback } from '../../apply/prepare-plan.js';
import { withImageRestore } from '../../apply/restore-image.js';
import { readJournalImage } from '../../apply/journal-image.js';
import { RegstateError } from '../../errors.js';
import { readRegularFile } from '../../fs/read-regular-file.js';
import { type Io, useColor } from '../io.js';
import { type BackendOptions, openRecordedTarget } from '../open-backend.js';
import { type SessionOptions, runRecorded, withRunLock } from '../run-session.js';
import { executeAndReport } from './execute-plan.js';
import { escapeControl } from '../../model/display-text.js';
import { chooseJournal, openFleetHostTarget } from '../fleet-rollback.js';

export interface RollbackOptions extends BackendOptions, SessionOptions {
  format: 'text' | 'json';
  autoApprove?: boolean;
  force?: boolean;
  color?: boolean;
  verbose?: boolean;
  /** A fleet apply's host (README, "Fleet: rollback"). */
  host?: string;
  inventory?: string;
}

/** The newest journal of an apply in the state directory. */
async function findLastApplyJournal(stateDir: string): Promise<string> {
  const dir = join(stateDir, 'journals');
  const names = await readdir(dir).catch(() => [] as string[]);
  const last = names.filter((n) => n.endsWith('-apply.json')).sort().pop();
  if (!last) throw new RegstateError('JOURNAL', `no apply journal in ${dir}: nothing to roll back`);
  return join(dir, last);
}

async function readJournal(file: string): Promise<Journal> {
  const text = (await readRegularFile(file)).toString('utf8');
  try {
    return parseJournal(text, file);
  } catch (error) {
    // a config or a saved plan given instead: the journal's own errors would not say what to do
    if (error instanceof RegstateError && looksLikeDesiredState(text)) {
      throw new RegstateError('USAGE', `${file} is a desired-state file, not a journal: rollback undoes an apply from the journal it wrote (with no file named, the newest in the state directory)`);
    }
    if (error instanceof RegstateError && looksLikeSavedPlan(text)) {
      throw new RegstateError('USAGE', `${file} is a saved plan, not a journal: \`regstate apply ${file}\` applies it; rollback undoes an apply from the journal it wrote`);
    }
    throw error;
  }
}

export async function runRollback(journalArg: string | undefined, opts: RollbackOptions, io: Io): Promise<number> {
  const color = useColor(io, opts.color);
  return runRecorded('rollback', opts, io, async (outcome, stateDir) => {
    const file = await chooseJournal(journalArg, opts.host, stateDir, io, () => findLastApplyJournal(stateDir));
    const journal = await readJournal(file);
    // checked before anything is opened: a missing or altered image file is refused
    const image = await readJournalImage(journal, file);
    outcome.configs = journal.configs;
    if (opts.format === 'text') io.stdout.write(`${escapeControl(`Rolling back ${journal.command} of ${journal.createdAt} (${file})`)}\n\n`);
    const remote = opts.host !== undefined && journal.target.backend === 'powershell';
    const backend = remote ? await openFleetHostTarget(journal.target, opts.host as string, opts, io, `the journal ${file}`) : await openRecordedTarget(journal.target, opts, io, `the journal ${file}`);
    outcome.backend = backend;
    const execution = await withRunLock(backend, 'rollback', opts, io, async () => {
      const { plan, live } = await planRollback(journal, backend, { force: opts.force });
      outcome.plan = plan;
      return executeAndReport(plan, live, withImageRestore(backend, image), { command: 'rollback', format: opts.format, color, approved: opts.autoApprove === true, stateDir, configs: journal.configs }, io);
    });
    outcome.result = execution.result;
    outcome.exitCode = execution.exitCode;
  });
}
