import { join } from 'node:path';
import type { ApplyResult } from '../apply/apply-plan.js';
import { executePlan } from '../apply/execute-plan.js';
import { type PreparedPlan, planDesiredState, recheckSavedPlan } from '../apply/prepare-plan.js';
import { RegstateError } from '../errors.js';
import type { DesiredState } from '../model/desired-state.js';
import type { Plan } from '../plan/plan.js';
import type { RegistryBackend, Target } from '../registry/backend.js';
import { type RunLock, acquireRunLock } from '../state/run-lock.js';
import { locateLock } from '../state/lock-location.js';
import { FleetJournalWriter } from './fleet-journal.js';
import { WriteBarrier } from './write-barrier.js';
import type { FleetHost } from './fleet-model.js';
import type { FleetConnector, HostConnection } from './fleet-connector.js';
import { hostDirName } from './host-file-name.js';
import type { HostProblem, HostRun, HostStatus } from './host-run.js';
import { describeTarget } from '../cli/open-backend.js';

/** Where each host stands, for a progress display. */
export interface ProgressSink {
  phase(host: string, phase: 'connecting' | 'reading' | 'writing'): void;
  done(host: string, status: HostStatus): void;
}

export interface FleetRunOptions {
  hosts: FleetHost[];
  connector: FleetConnector;
  /** Hosts worked on at once by the connector (--parallel). */
  parallel: number;
  powershell?: string;
  progress?: ProgressSink;
}

export interface FleetPlanOptions extends FleetRunOptions {
  /** The host's desired state (its variables resolved); a RegstateError stops that host only. */
  desiredFor: (host: FleetHost) => Promise<DesiredState>;
}

/** A saved fleet plan's entry for one host. */
export interface SavedHostPlan {
  target: Target;
  plan: Plan;
}

export interface FleetApplyOptions extends FleetRunOptions {
  /** Fresh plans from configs (each host's journal records the configs its desired state came from) ... */
  desiredFor?: (host: FleetHost) => Promise<DesiredState>;
  /** ... or a saved fleet plan's hosts, by name, with the file named in stale messages. */
  saved?: { file: string; hosts: Map<string, SavedHostPlan> };
  stateDir: string;
  configs: { path: string; sha256: string }[];
  maxChanges?: number;
  lockTimeoutMs: number;
  lockEnv: { platform: NodeJS.Platform; env: NodeJS.ProcessEnv };
  /** Every host's plan, before anything is written: show them. */
  onPlanned?: (runs: HostRun[]) => void;
  /** Asked once for the whole fleet when some host has changes; absent: approved (saved plan, --auto-approve). */
  approve?: (runs: HostRun[]) => Promise<boolean>;
}

export interface FleetOutcome {
  runs: HostRun[];
  /** An apply's fleet journal, when some host wrote (see FleetJournalWriter). */
  fleetJournal?: string;
}

function problemsOf(error: RegstateError): HostProblem[] {
  return error.diagnostics.map((d) => ({ code: d.code, message: d.message }));
}

function statusOf(error: RegstateError): HostStatus {
  if (error.code === 'HOST_UNREACHABLE' || error.code === 'HOST_AUTH_FAILED' || error.code === 'HOST_DROPPED' || error.code === 'HOST_FAILED') return 'unreachable';
  if (error.code === 'STALE_PLAN') return 'stale';
  return 'error';
}

interface Slot {
  run: HostRun;
  startedAt: number;
  connection?: HostConnection;
  backend?: RegistryBackend;
  prepared?: PreparedPlan;
  lock?: RunLock;
  done?: boolean;
  configs?: { path: string; sha256: string }[];
}

function finish(slot: Slot, status: HostStatus, progress: ProgressSink | undefined, extra: Partial<HostRun> = {}): void {
  Object.assign(slot.run, extra, { status, durationMs: Date.now() - slot.startedAt });
  slot.done = true;
  if (slot.backend) slot.run.stats = slot.backend.stats();
  progress?.done(slot.run.host, status);
}

function fail(slot: Slot, error: unknown, progress: ProgressSink | undefined): void {
  if (!(error instanceof RegstateError)) throw error;
  finish(slot, statusOf(error), progress, { problems: problemsOf(error) });
}

/** Opens every host through the connector; hosts it could not open are finished as unreachable. */
async function connect(opts: FleetRunOptions): Promise<{ slots: Slot[]; close: () => Promise<void> }> {
  const startedAt = Date.now();
  const slots: Slot[] = opts.hosts.map((host) => ({ run: { host: host.name, status: 'error', durationMs: 0 }, startedAt }));
  for (const slot of slots) opts.progress?.phase(slot.run.host, 'connecting');
  const session = await opts.connector(opts.hosts, { parallel: opts.parallel, ...(opts.powershell ? { powershell: opts.powershell } : {}) });
  const byName = new Map(session.connections.map((c) => [c.host.name, c]));
  for (const slot of slots) {
    const connection = byName.get(slot.run.host);
    slot.connection = connection;
    if (connection?.state === 'open' && connection.backend) {
      slot.backend = connection.backend;
      slot.run.target = connection.backend.target;
    } else {
      const failure = connection?.failure ?? { code: 'HOST_UNREACHABLE', reason: 'the connection was not opened' };
      finish(slot, 'unreachable', opts.progress, { problems: [{ code: failure.code, message: failure.reason }] });
    }
  }
  return { slots, close: () => session.close() };
}

const isOpen = (slot: Slot): slot is Slot & { backend: RegistryBackend } => slot.backend !== undefined && slot.done !== true;

/** Plans every host at once (one read per host); hosts that fail are reported, the others go on. */
export async function planFleet(opts: FleetPlanOptions): Promise<FleetOutcome> {
  const { slots, close } = await connect(opts);
  try {
    await Promise.all(
      slots.filter(isOpen).map(async (slot) => {
        try {
          const desired = await opts.desiredFor(hostOf(opts.hosts, slot.run.host));
          opts.progress?.phase(slot.run.host, 'reading');
          const { plan } = await planDesiredState(desired, slot.backend);
          finish(slot, plan.changes.length > 0 ? 'drift' : 'in-sync', opts.progress, { plan });
        } catch (error) {
          fail(slot, error, opts.progress);
        }
      }),
    );
  } finally {
    await close();
  }
  return { runs: slots.map((s) => s.run) };
}

function hostOf(hosts: FleetHost[], name: string): FleetHost {
  return hosts.find((h) => h.name === name) as FleetHost;
}

// A live registry is locked per host on this machine (a remote hive path is not a local file); a
// local file target (a --registry-dir .reg) beside the file, as single-host runs lock it.
async function lockHost(slot: Slot & { backend: RegistryBackend }, opts: FleetApplyOptions): Promise<void> {
  const target = slot.backend.target;
  const where = await locateLock(target.backend === 'powershell' ? { backend: 'powershell', host: `fleet:${target.host}` } : target, opts.lockEnv);
  slot.lock = await acquireRunLock({ dir: where.dir, target: where.id, timeoutMs: opts.lockTimeoutMs, command: 'apply' });
}

async function prepareHost(slot: Slot & { backend: RegistryBackend }, opts: FleetApplyOptions): Promise<void> {
  const { host } = slot.run;
  if (opts.saved) {
    const entry = opts.saved.hosts.get(host) as SavedHostPlan;
    if (describeTarget(entry.target) !== describeTarget(slot.backend.target)) {
      throw new RegstateError('WRONG_TARGET', `the plan ${opts.saved.file} was made for ${describeTarget(entry.target)} on host ${host}, not for ${describeTarget(slot.backend.target)}: nothing was written there`);
    }
    slot.run.plan = entry.plan;
    await lockHost(slot, opts);
    opts.progress?.phase(host, 'reading');
    slot.prepared = await recheckSavedPlan(entry.plan, slot.backend, `${opts.saved.file} (host ${host})`);
  } else {
    const desired = await (opts.desiredFor as NonNullable<FleetApplyOptions['desiredFor']>)(hostOf(opts.hosts, host));
    slot.configs = desired.files.map(({ path, sha256 }) => ({ path, sha256 }));
    await lockHost(slot, opts);
    opts.progress?.phase(host, 'reading');
    slot.prepared = await planDesiredState(desired, slot.backend);
  }
  slot.run.plan = slot.prepared.plan;
}

async function executeHost(slot: Slot & { backend: RegistryBackend; prepared: PreparedPlan }, opts: FleetApplyOptions, fleetJournal: FleetJournalWriter, writing: WriteBarrier): Promise<void> {
  const { plan, live } = slot.prepared;
  if (plan.changes.length === 0) return finish(slot, 'in-sync', opts.progress);
  opts.progress?.phase(slot.run.host, 'writing');
  const execution = await executePlan(plan, live, slot.backend, {
    command: 'apply',
    journalDir: hostJournalDir(opts.stateDir, slot.run.host),
    configs: slot.configs ?? opts.configs,
    maxChanges: opts.maxChanges,
    // Durable in the fleet journal too, then the first write, with every other host's (WriteBarrier).
    onJournal: async (file) => {
      await fleetJournal.addHost(slot.run.host, file);
      await writing.arrive(slot.run.host);
    },
  });
  const result = execution.result as ApplyResult;
  finish(slot, result.converged ? 'converged' : 'partial', opts.progress, { result, ...(execution.journalFile ? { journalFile: execution.journalFile } : {}) });
}

/** The folder of one host's apply journals: `journals/hosts/<name>-<hash>` in the state directory. */
export function hostJournalDir(stateDir: string, host: string): string {
  return join(stateDir, 'journals', 'hosts', hostDirName(host));
}

/**
 * Applies to every host: locks and plans (or re-checks a saved plan) on all hosts at once, shows the
 * plans, asks once, then writes, journals and verifies each host. Each host's journal, and the fleet
 * journal naming it, are durable before that host's first write. A host that fails is reported
 * with the reason; every other host goes on. Throws only when nothing was written (NOT_APPROVED).
 */
export async function applyFleet(opts: FleetApplyOptions): Promise<FleetOutcome> {
  const fleetJournal = new FleetJournalWriter(opts.stateDir, new Date(), opts.hosts.map((h) => h.name));
  const { slots, close } = await connect(opts);
  let file: string | undefined;
  try {
    await Promise.all(
      slots.filter(isOpen).map(async (slot) => {
        try {
          await prepareHost(slot, opts);
        } catch (error) {
          fail(slot, error, opts.progress);
        }
      }),
    );
    const ready = slots.filter((s): s is Slot & { backend: RegistryBackend; prepared: PreparedPlan } => isOpen(s) && s.prepared !== undefined);
    opts.onPlanned?.(slots.map((s) => s.run));
    const pending = ready.some((s) => s.prepared.plan.changes.length > 0);
    if (pending && opts.approve && !(await opts.approve(slots.map((s) => s.run)))) {
      throw new RegstateError('NOT_APPROVED', 'apply cancelled: nothing was written on any host');
    }
    const writing = new WriteBarrier(ready.filter((s) => s.prepared.plan.changes.length > 0).map((s) => s.run.host));
    await Promise.all(
      ready.map(async (slot) => {
        try {
          await executeHost(slot, opts, fleetJournal, writing);
        } catch (error) {
          fail(slot, error, opts.progress);
        } finally {
          writing.leave(slot.run.host);
        }
      }),
    );
    file = await fleetJournal.finish();
  } finally {
    for (const slot of slots) await slot.lock?.release();
    await close();
  }
  return { runs: slots.map((s) => s.run), ...(file ? { fleetJournal: file } : {}) };
}
