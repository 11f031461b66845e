import { readFile, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type Journal, parseJournal } from '../../apply/journal.js';
import { buildRollbackState, findRollbackConflicts } from '../../apply/rollback-state.js';
import { withImageRestore } from '../../apply/restore-image.js';
import { RegstateError } from '../../errors.js';
import { LiveState } from '../../model/live-state.js';
import { valueFromJson } from '../../model/value-json.js';
import { formatKey } from '../../model/key-ref.js';
import { planChanges, readRequestsFor } from '../../plan/plan-changes.js';
import { formatValue } from '../../plan/format-data.js';
import { type Io, useColor } from '../io.js';
import { type BackendOptions, openRecordedTarget } from '../open-backend.js';
import { type SessionOptions, runRecorded, withRunLock } from '../run-session.js';
import { executePlan } from './execute-plan.js';
import { escapeControl } from '../../model/display-text.js';

export interface RollbackOptions extends BackendOptions, SessionOptions {
  format: 'text' | 'json';
  autoApprove?: boolean;
  force?: boolean;
  color?: boolean;
  verbose?: boolean;
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
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new RegstateError('FILE_NOT_FOUND', `${file}: cannot read the journal: ${(error as Error).message}`);
  }
  return parseJournal(text, file);
}

export async function runRollback(journalArg: string | undefined, opts: RollbackOptions, io: Io): Promise<number> {
  const color = useColor(io, opts.color);
  return runRecorded('rollback', opts, io, async (outcome, stateDir) => {
    const file = journalArg ? resolve(io.cwd, journalArg) : await findLastApplyJournal(stateDir);
    const journal = await readJournal(file);
    outcome.configs = journal.configs;
    if (opts.format === 'text') io.stdout.write(`${escapeControl(`Rolling back ${journal.command} of ${journal.createdAt} (${file})`)}\n\n`);
    const backend = await openRecordedTarget(journal.target, opts, io, `the journal ${file}`);
    outcome.backend = backend;
    const desired = buildRollbackState(journal, file);
    const execution = await withRunLock(stateDir, backend, 'rollback', opts, io, async () => {
      const live = new LiveState(await backend.read(readRequestsFor(desired)));
      const conflicts = findRollbackConflicts(journal, live);
      if (conflicts.length > 0 && !opts.force) {
        throw RegstateError.fromDiagnostics(
          conflicts.map(({ item, now }) => ({
            code: 'STALE_PLAN' as const,
            message: `${formatKey(item.key)} → ${item.name === '' ? '(Default)' : item.name} changed since the apply (now ${now ? formatValue(now) : 'absent'}, the apply wrote ${item.after ? formatValue(valueFromJson(item.after)) : 'nothing'}): rolling back would overwrite it; nothing was written (use --force to roll back anyway)`,
          })),
        );
      }
      const plan = planChanges(desired, live);
      outcome.plan = plan;
      return executePlan(plan, live, withImageRestore(backend, journal), { command: 'rollback', format: opts.format, color, approved: opts.autoApprove === true, stateDir, configs: journal.configs }, io);
    });
    outcome.result = execution.result;
    outcome.exitCode = execution.exitCode;
  });
}
