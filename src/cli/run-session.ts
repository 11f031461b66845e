import { hostname, userInfo } from 'node:os';
import { resolve } from 'node:path';
import type { ApplyResult } from '../apply/apply-plan.js';
import { RegstateError } from '../errors.js';
import type { Plan } from '../plan/plan.js';
import { summarizePlan } from '../plan/plan.js';
import { usersToJson } from '../plan/users-json.js';
import type { RegistryBackend } from '../registry/backend.js';
import { acquireRunLock } from '../state/run-lock.js';
import { locateLock } from '../state/lock-location.js';
import { resolveWriteTarget } from '../fs/write-file-atomic.js';
import { type RunReport, reportUndeclared, toReportChange } from '../state/run-report.js';
import { storeRunReport, writeRunReport } from '../state/write-run-report.js';
import { ensureStateDir, resolveStateDir } from '../state/state-dir.js';
import type { Io } from './io.js';
import { describeTarget } from './open-backend.js';
import { packageVersion } from './package-info.js';
import { reportStats } from './commands/report-stats.js';
import { escapeControl } from '../model/display-text.js';

export interface SessionOptions {
  stateDir?: string;
  lockTimeout?: string;
  report?: string;
}

/** What a finished (or failed) run knows, for its report. */
export interface RunOutcome {
  configs: { path: string; sha256: string }[];
  backend?: RegistryBackend;
  plan?: Plan;
  result?: ApplyResult;
  exitCode: number;
  error?: RegstateError;
}

export function stateDirFor(opts: SessionOptions, io: Io): string {
  return resolveStateDir({ stateDir: opts.stateDir && resolve(io.cwd, opts.stateDir), platform: io.platform, env: io.env, cwd: io.cwd, uid: process.getuid?.() });
}

/** --lock-timeout in milliseconds. */
export function lockTimeoutMs(opts: SessionOptions): number {
  const seconds = Number(opts.lockTimeout ?? '60');
  if (!Number.isFinite(seconds) || seconds < 0) throw new RegstateError('USAGE', `--lock-timeout must be a number of seconds, not ${opts.lockTimeout}`);
  return Math.round(seconds * 1000);
}

/**
 * Runs `body` holding the target's run lock, so two runs on one target never interleave, whatever
 * path or state directory each was given (the lock is on the target itself, see locateLock).
 */
export async function withRunLock<T>(backend: RegistryBackend, command: string, opts: SessionOptions, io: Io, body: () => Promise<T>): Promise<T> {
  const where = await locateLock(backend.target, { platform: io.platform, env: io.env });
  const lock = await acquireRunLock({
    dir: where.dir,
    target: where.id,
    timeoutMs: lockTimeoutMs(opts),
    command,
    onWait: () => io.stderr.write(`regstate: waiting for another run on ${escapeControl(describeTarget(backend.target))} to finish...\n`),
  });
  try {
    return await body();
  } finally {
    await lock.release();
  }
}

/** The fields every run report starts with: the version, the command, when it ran, where and as whom. */
export function reportHeader(command: 'apply' | 'rollback', startedAt: Date): Pick<RunReport, 'formatVersion' | 'regstate' | 'command' | 'startedAt' | 'finishedAt' | 'durationMs' | 'host' | 'user'> {
  const finishedAt = new Date();
  return {
    formatVersion: 1,
    regstate: packageVersion(),
    command,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    host: hostname(),
    user: userInfo().username,
  };
}

export function buildRunReport(command: 'apply' | 'rollback', startedAt: Date, outcome: RunOutcome): RunReport {
  const results = new Map(outcome.result?.results.map((r) => [r.change, r]) ?? []);
  return {
    ...reportHeader(command, startedAt),
    target: outcome.backend?.target ?? null,
    configs: outcome.configs,
    plan: outcome.plan ? { summary: summarizePlan(outcome.plan) } : null,
    ...(outcome.plan ? usersToJson(outcome.plan) : {}),
    changes: (outcome.plan?.changes ?? []).map((change) => {
      const r = results.get(change);
      return toReportChange(change, r?.outcome ?? 'skipped', r?.error);
    }),
    ...reportUndeclared(outcome.plan),
    stats: outcome.backend?.stats() ?? { processes: 0, roundTrips: 0 },
    exitCode: outcome.exitCode,
    ...(outcome.error ? { error: { code: outcome.error.code, message: outcome.error.message } } : {}),
  };
}

/** Writes the run's report to --report and keeps it in the state directory (the newest 50). */
export async function saveRunReport(stateDir: string, opts: SessionOptions, io: Io, report: RunReport): Promise<void> {
  if (opts.report) await writeRunReport(resolve(io.cwd, opts.report), report);
  await storeRunReport(stateDir, report);
}

/** Refuses a `--report` path that cannot be written (a directory, a missing folder) before anything is done. */
async function checkReportPath(opts: SessionOptions, io: Io): Promise<void> {
  if (opts.report) await resolveWriteTarget(resolve(io.cwd, opts.report));
}

/**
 * Runs an apply or rollback and always leaves a report, also when it fails before writing:
 * a scheduled run's report must say why it did nothing. Closes the backend the body opened.
 */
export async function runRecorded(command: 'apply' | 'rollback', opts: SessionOptions & { format: string; verbose?: boolean }, io: Io, body: (outcome: RunOutcome, stateDir: string) => Promise<void>): Promise<number> {
  const startedAt = new Date();
  const stateDir = stateDirFor(opts, io);
  const outcome: RunOutcome = { configs: [], exitCode: 1 };
  // Every output path is checked before the first write: a bad one is exit 1 with the registry untouched.
  await checkReportPath(opts, io);
  await ensureStateDir(stateDir);
  try {
    await body(outcome, stateDir);
  } catch (error) {
    if (!(error instanceof RegstateError)) throw error;
    outcome.error = error;
    outcome.exitCode = 1;
  } finally {
    await outcome.backend?.close();
  }
  const report = buildRunReport(command, startedAt, outcome);
  try {
    await saveRunReport(stateDir, opts, io, report);
  } catch (error) {
    // After a write the exit code tells what happened to the registry; a lost report is said on stderr.
    if (!(error instanceof RegstateError) || outcome.result === undefined) throw error;
    io.stderr.write(`regstate: error: ${error.message} (the registry was ${outcome.result.converged ? 'written and verified' : 'written in part'}; exit code ${outcome.exitCode} tells what happened to it)\n`);
  }
  if (opts.format === 'json') io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  if (outcome.backend) reportStats(outcome.backend, opts, io);
  if (outcome.error) throw outcome.error;
  return outcome.exitCode;
}
