import { mkdir, readdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { RegstateError } from '../errors.js';
import { describeFsError } from '../fs/describe-fs-error.js';
import { writeFileAtomic } from '../fs/write-file-atomic.js';
import type { RunReport } from './run-report.js';

/** Reports kept in the state directory unless told otherwise. */
export const DEFAULT_REPORTS_KEPT = 50;

const STORED_REPORT = /^\d{8}T\d{6}-\d{3}Z-[a-z0-9-]+\.json$/;

/**
 * Writes the report as JSON, atomically and durably (writeFileAtomic): readers see the old file or
 * the new one, never a half-written one; a link is written through. Creates the parent folder.
 */
export async function writeRunReport(file: string, report: RunReport): Promise<void> {
  try {
    await mkdir(path.dirname(file), { recursive: true });
  } catch (e) {
    throw new RegstateError('STATE_DIR', `cannot write report ${file}: ${describeFsError(e)}`, { cause: e });
  }
  await writeFileAtomic(file, `${JSON.stringify(report, null, 2)}\n`, 0o600);
}

/** `20261128T002437-123Z-apply.json`: UTC, fixed width, so names sort by time; no `:` for Windows. */
export function storedReportName(report: Pick<RunReport, 'startedAt' | 'command'>): string {
  const time = new Date(report.startedAt);
  if (Number.isNaN(time.getTime())) throw new RegstateError('INTERNAL', `report startedAt is not a time: ${report.startedAt}`);
  const stamp = time.toISOString().replace(/[-:]/g, '').replace('.', '-');
  const command = report.command.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'run';
  return `${stamp}-${command}.json`;
}

/**
 * Stores the report as `reports/<timestamp>-<command>.json` in the state directory and deletes
 * all but the newest `keep` stored reports. Returns the stored file's path.
 */
export async function storeRunReport(stateDir: string, report: RunReport, keep: number = DEFAULT_REPORTS_KEPT): Promise<string> {
  const dir = path.join(stateDir, 'reports');
  const file = path.join(dir, storedReportName(report));
  await writeRunReport(file, report);
  const names = (await readdir(dir)).filter((n) => STORED_REPORT.test(n)).sort();
  const old = names.slice(0, Math.max(0, names.length - Math.max(1, keep)));
  for (const name of old) await unlink(path.join(dir, name)).catch(() => undefined);
  return file;
}
