import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { RegstateError } from '../errors.js';
import type { RegistryBackend, Target } from '../registry/backend.js';
import { createPowerShellBackend } from '../registry/powershell/powershell-backend.js';
import { openRegFile } from '../registry/reg-file/reg-file-backend.js';
import type { Io } from './io.js';
import { escapeControl } from '../model/display-text.js';

export interface BackendOptions {
  registry?: string;
  simulatedHive?: string;
  powershell?: string;
  timeout?: string;
}

function timeoutMs(opts: BackendOptions): number {
  const seconds = Number(opts.timeout ?? '120');
  if (!Number.isFinite(seconds) || seconds <= 0) throw new RegstateError('USAGE', `--timeout must be a positive number of seconds, not ${opts.timeout}`);
  return Math.round(seconds * 1000);
}

/** The backend the options select: a .reg file, or PowerShell (live registry or a simulated hive). */
export async function openBackend(opts: BackendOptions, io: Io): Promise<RegistryBackend> {
  if (opts.registry && opts.simulatedHive) throw new RegstateError('USAGE', '--registry and --simulated-hive name two different registries: give one');
  if (opts.registry) {
    const file = resolve(io.cwd, opts.registry);
    // A missing file is an empty registry (apply creates it); a mistyped path should not pass unnoticed.
    if (!existsSync(file)) io.stderr.write(`regstate: warning: ${escapeControl(opts.registry ?? '')} does not exist: it is treated as an empty registry\n`);
    return openRegFile(file);
  }
  return createPowerShellBackend({
    executable: opts.powershell,
    simulatedHive: opts.simulatedHive ? resolve(io.cwd, opts.simulatedHive) : undefined,
    timeoutMs: timeoutMs(opts),
    env: io.env,
    platform: io.platform,
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
    if (opts.registry && resolve(io.cwd, opts.registry) !== target.file) refuse(`regfile:${resolve(io.cwd, opts.registry)}`);
    return openRegFile(target.file);
  }
  if (target.backend === 'powershell') {
    if (target.host !== hostname()) refuse(`powershell:${hostname()}`);
    if (opts.registry) refuse(`regfile:${resolve(io.cwd, opts.registry)}`);
    const given = opts.simulatedHive ? resolve(io.cwd, opts.simulatedHive) : undefined;
    if (given !== undefined && given !== target.simulatedHive) refuse(`simulated hive ${given}`);
    return createPowerShellBackend({ executable: opts.powershell, simulatedHive: target.simulatedHive, timeoutMs: timeoutMs(opts), env: io.env, platform: io.platform });
  }
  return refuse('this command line (in-memory registries exist only inside one process)');
}
