import { stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { RegstateError } from '../errors.js';
import { describeFsError } from '../fs/describe-fs-error.js';
import { describeFileKind } from '../fs/read-regular-file.js';
import { resolveWriteTarget } from '../fs/write-file-atomic.js';
import { canonicalPath } from '../state/lock-location.js';
import type { RegistryBackend, Target } from '../registry/backend.js';
import type { PowerShellSession } from '../registry/powershell/powershell-session.js';
import { openRegFile } from '../registry/reg-file/reg-file-backend.js';
import type { Io } from './io.js';

export interface BackendOptions {
  registry?: string;
  simulatedHive?: string;
  powershell?: string;
  timeout?: string;
  /** A missing --registry / --simulated-hive file is an empty registry, created by the first write. */
  createRegistry?: boolean;
}

/**
 * The simulated hive's real path (the agent writes it by replacing the file: through a link, the
 * link's target is what must change). It must be a regular file, or be asked for with --create-registry.
 */
async function resolveSimulatedHive(given: string, io: Io, create: boolean | undefined): Promise<string> {
  const file = resolve(io.cwd, given);
  try {
    const stats = await stat(file);
    if (!stats.isFile()) throw new RegstateError('FILE_UNREADABLE', `cannot use the simulated hive ${given}: it is ${describeFileKind(stats)}, not a regular file`);
  } catch (cause) {
    if (cause instanceof RegstateError) throw cause;
    const code = (cause as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw new RegstateError('FILE_UNREADABLE', `cannot use the simulated hive ${given}: ${describeFsError(cause)}`, { cause });
    if (!create) throw new RegstateError('FILE_NOT_FOUND', `the simulated hive ${given} does not exist (to start a new one, ask for it: --create-registry)`, { cause });
    await resolveWriteTarget(file);
  }
  return canonicalPath(file);
}

function timeoutMs(opts: BackendOptions): number {
  const seconds = Number(opts.timeout ?? '120');
  if (!Number.isFinite(seconds) || seconds <= 0) throw new RegstateError('USAGE', `--timeout must be a positive number of seconds, not ${opts.timeout}`);
  return Math.round(seconds * 1000);
}

/**
 * The PowerShell modules (node-powershell and its dependencies, the agent protocol), imported only by
 * a run that uses PowerShell: a .reg run does not pay for loading them.
 */
async function powerShellModules() {
  const [backend, find, session] = await Promise.all([
    import('../registry/powershell/powershell-backend.js'),
    import('../registry/powershell/find-powershell.js'),
    import('../registry/powershell/powershell-session.js'),
  ]);
  return { createPowerShellBackend: backend.createPowerShellBackend, findPowerShell: find.findPowerShell, PowerShellSession: session.PowerShellSession };
}

/**
 * PowerShell started while the configs load (neither needs the other), for a run that will use it:
 * the process starts and loads the agent, and reads or writes nothing until a backend it was given
 * to asks. Whatever the run ends with, close() ends it (a backend that took it closes it as well).
 */
export class EarlyPowerShell {
  private constructor(private readonly session: PowerShellSession | undefined) {}

  /**
   * Starts the PowerShell `opts` choose, unless they name a .reg file or choose none that can be found:
   * openBackend then says why, when the configs have loaded, as it would have without this.
   */
  static async start(opts: BackendOptions, io: Io): Promise<EarlyPowerShell> {
    if (opts.registry !== undefined) return new EarlyPowerShell(undefined);
    const { findPowerShell, PowerShellSession } = await powerShellModules();
    let session: PowerShellSession;
    try {
      const executable = findPowerShell({ explicit: opts.powershell, env: io.env, platform: io.platform });
      session = new PowerShellSession({ executable, timeoutMs: timeoutMs(opts), env: io.env, platform: io.platform });
    } catch {
      return new EarlyPowerShell(undefined);
    }
    session.startEarly();
    return new EarlyPowerShell(session);
  }

  /**
   * The session, for openBackend, when the run will read or write (`used`); else it is closed now, so
   * a run with nothing to read counts no PowerShell process, as without it.
   */
  async take(used: boolean): Promise<PowerShellSession | undefined> {
    if (!used) await this.close();
    return used ? this.session : undefined;
  }

  async close(): Promise<void> {
    await this.session?.close();
  }
}

/**
 * The backend the options select: a .reg file, or PowerShell (live registry or a simulated hive),
 * over `early` when given (EarlyPowerShell.take; the backend then closes it).
 */
export async function openBackend(opts: BackendOptions, io: Io, early?: PowerShellSession): Promise<RegistryBackend> {
  if (opts.registry && opts.simulatedHive) throw new RegstateError('USAGE', '--registry and --simulated-hive name two different registries: give one');
  if (opts.registry) {
    // A missing file is an error unless asked for: a mistyped path in a scheduled task must not "succeed" forever.
    return openRegFile(resolve(io.cwd, opts.registry), { create: opts.createRegistry === true });
  }
  const { createPowerShellBackend } = await powerShellModules();
  return createPowerShellBackend({
    executable: opts.powershell,
    simulatedHive: opts.simulatedHive ? await resolveSimulatedHive(opts.simulatedHive, io, opts.createRegistry) : undefined,
    timeoutMs: timeoutMs(opts),
    env: io.env,
    platform: io.platform,
    ...(early ? { session: early, closeSession: true } : {}),
  });
}

/** A stable name of a target, for locks and messages. */
export function describeTarget(target: Target): string {
  switch (target.backend) {
    case 'regfile':
      return `regfile:${target.file}`;
    case 'powershell':
      return target.simulatedHive ? `powershell:${target.host}:simulated:${target.simulatedHive}` : `powershell:${target.host}`;
    case 'memory':
      return `memory:${target.name}`;
  }
}

/**
 * Opens the backend a saved plan or journal recorded. Options that name another registry,
 * or a plan made on another host, are refused: a reviewed plan applies only where it was made.
 */
export async function openRecordedTarget(target: Target, opts: BackendOptions, io: Io, what: string): Promise<RegistryBackend> {
  const wanted = describeTarget(target);
  const refuse = (actual: string): never => {
    throw new RegstateError('WRONG_TARGET', `${what} was made for ${wanted}, not for ${actual}: refusing to apply it here`);
  };
  if (target.backend === 'regfile') {
    if (opts.simulatedHive) refuse(`simulated hive ${resolve(io.cwd, opts.simulatedHive)}`);
    // Two routes to one file (a link, a relative path) are the same target.
    if (opts.registry && (await canonicalPath(resolve(io.cwd, opts.registry))) !== (await canonicalPath(target.file))) refuse(`regfile:${resolve(io.cwd, opts.registry)}`);
    return openRegFile(target.file, { create: opts.createRegistry === true });
  }
  if (target.backend === 'powershell') {
    if (target.host !== hostname()) refuse(`powershell:${hostname()}`);
    if (opts.registry) refuse(`regfile:${resolve(io.cwd, opts.registry)}`);
    const given = opts.simulatedHive ? await canonicalPath(resolve(io.cwd, opts.simulatedHive)) : undefined;
    if (given !== undefined && given !== (target.simulatedHive && (await canonicalPath(target.simulatedHive)))) refuse(`simulated hive ${given}`);
    const hive = target.simulatedHive === undefined ? undefined : await resolveSimulatedHive(target.simulatedHive, io, opts.createRegistry);
    const { createPowerShellBackend } = await powerShellModules();
    return createPowerShellBackend({ executable: opts.powershell, simulatedHive: hive, timeoutMs: timeoutMs(opts), env: io.env, platform: io.platform });
  }
  return refuse('this command line (in-memory registries exist only inside one process)');
}
