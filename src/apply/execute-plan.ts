import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/write-file-atomic.js';
import { RegstateError } from '../errors.js';
import type { LiveState } from '../model/live-state.js';
import type { Plan } from '../plan/plan.js';
import type { RegistryBackend } from '../registry/backend.js';
import { type ApplyResult, applyPlan } from './apply-plan.js';
import { JOURNAL_FORMAT_VERSION, type Journal, recordPriorState } from './journal.js';
import { JournalBytes } from './journal-bytes.js';
import { writeJournalImage } from './journal-image.js';

export interface ExecuteOptions {
  /** What the run is; named in the journal file and its `command`. */
  command: 'apply' | 'rollback';
  /** Where the undo journal goes (created if missing, owner-only). */
  journalDir: string;
  /** The configs the plan came from, recorded in the journal. */
  configs: { path: string; sha256: string }[];
  /** Refuse (MAX_CHANGES, nothing written, no journal) a plan with more changes than this. */
  maxChanges?: number;
  /**
   * Asked once, after the guards and before anything is written; false cancels (NOT_APPROVED).
   * Absent: the plan counts as approved (a saved plan, --auto-approve).
   */
  approve?: (plan: Plan) => Promise<boolean>;
  /** Called once the journal is durable, before the first write (a fleet apply records it in its fleet journal). */
  onJournal?: (journalFile: string) => Promise<void>;
}

export interface Execution {
  plan: Plan;
  /** Absent when the plan had no changes (nothing was written, no journal). */
  result?: ApplyResult;
  journalFile?: string;
}

/**
 * What --max-changes counts: each change once, and a key's deletion once more for every value and
 * subkey under it. A guard against a broken config rewriting half a registry unattended must not see
 * the deletion of HKLM\SOFTWARE (thousands of values) as one change.
 */
export function countedChanges(plan: Plan): number {
  let counted = 0;
  for (const c of plan.changes) counted += c.action === 'delete-key' ? 1 + c.contents.values + c.contents.subkeys : 1;
  return counted;
}

function stamp(date: Date): string {
  return date.toISOString().replace(/:/g, '-');
}

/**
 * Applies a plan the way the CLI does: checks --max-changes, asks for approval, writes the undo
 * journal (before the first write, updated after the batch), then writes and verifies. `live` is
 * the state the plan was made (or re-checked) against, read with the plan's ancestors
 * (see ancestorRequests). The caller holds the run lock and has checked preconditions.
 */
export async function executePlan(plan: Plan, live: LiveState, backend: RegistryBackend, opts: ExecuteOptions): Promise<Execution> {
  if (plan.changes.length === 0) return { plan };
  const counted = opts.maxChanges === undefined ? 0 : countedChanges(plan);
  if (opts.maxChanges !== undefined && counted > opts.maxChanges) {
    const under = counted > plan.changes.length ? ` (${counted} with the values and subkeys under the keys it deletes)` : '';
    throw new RegstateError('MAX_CHANGES', `the plan has ${plan.changes.length} change${plan.changes.length === 1 ? '' : 's'}${under}, more than --max-changes ${opts.maxChanges}: refusing to apply (nothing was written)`);
  }
  if (opts.approve && !(await opts.approve(plan))) {
    throw new RegstateError('NOT_APPROVED', `${opts.command} cancelled: nothing was written`);
  }
  const createdAt = new Date();
  const journalFile = join(opts.journalDir, `${stamp(createdAt)}-${process.pid}-${opts.command}.json`);
  // Journals hold registry data: readable by the owner only, like the state directory.
  await mkdir(opts.journalDir, { recursive: true, mode: 0o700 });
  // The target's image (a .reg file's bytes) goes beside the journal, written once, before the journal names it.
  const image = backend.captureImage ? { before: await writeJournalImage(journalFile, await backend.captureImage()) } : undefined;
  const journal: Journal = {
    formatVersion: JOURNAL_FORMAT_VERSION,
    kind: 'regstate-journal',
    command: opts.command,
    createdAt: createdAt.toISOString(),
    target: backend.target,
    configs: opts.configs,
    status: 'started',
    prior: recordPriorState(plan, live),
    ...(image ? { image } : {}),
  };
  // Saved three times: the prior state is serialized once (see JournalBytes).
  const bytes = new JournalBytes();
  const saveJournal = () => writeFileAtomic(journalFile, bytes.of(journal), 0o600);
  try {
    await saveJournal();
  } catch (error) {
    // No journal names the image: nothing could ever use or remove it. Nothing was written either.
    if (image?.before.file) await rm(join(opts.journalDir, image.before.file), { force: true });
    throw error;
  }
  await opts.onJournal?.(journalFile);
  const result = await applyPlan(plan, backend, {
    afterWrite: async (outcomes) => {
      journal.status = 'written';
      journal.outcomes = outcomes;
      if (journal.image && backend.captureImage) journal.image.afterSha256 = backend.imageSha256 ? await backend.imageSha256() : (await backend.captureImage()).sha256;
      await saveJournal();
    },
  });
  journal.status = 'finished';
  await saveJournal();
  return { plan, result, journalFile };
}
