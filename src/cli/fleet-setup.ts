import { join, resolve } from 'node:path';
import { RegstateError } from '../errors.js';
import type { DesiredState } from '../model/desired-state.js';
import { FleetProgress } from '../fleet/fleet-progress.js';
import type { FleetHost } from '../fleet/fleet-model.js';
import type { FleetConnector } from '../fleet/fleet-connector.js';
import { type FleetSelection, selectFleet } from '../fleet/select-fleet.js';
import { loadHostConfigs } from './load-configs.js';
import type { VarOptions } from './var-options.js';
import { readVarOptions } from '../fleet/var-options.js';
import { regDirConnector } from '../fleet/reg-dir-fleet.js';
import type { Io } from './io.js';
import { type NamedFile, refuseOutputsThatAreInputs } from './check-output-paths.js';
import { hostRegFileName } from '../fleet/host-file-name.js';

/** The options every fleet command shares. */
export interface FleetCliOptions extends VarOptions {
  inventory?: string;
  limit?: string;
  parallel?: string;
  registryDir?: string;
  registry?: string;
  simulatedHive?: string;
  createRegistry?: boolean;
  powershell?: string;
}

/** --parallel N: hosts worked on at once (default 16). */
export function parseParallel(text: string | undefined): number {
  const n = Number(text ?? '16');
  if (!Number.isInteger(n) || n < 1) throw new RegstateError('USAGE', `--parallel must be a whole number of hosts, 1 or more, not ${text}`);
  return n;
}

/** Refuses options that name one registry next to an inventory of many. */
export function checkFleetOptions(opts: FleetCliOptions): void {
  if (opts.inventory && (opts.registry || opts.simulatedHive)) {
    throw new RegstateError('USAGE', `--inventory names many hosts and ${opts.registry ? '--registry' : '--simulated-hive'} one registry: give --registry-dir DIR for one .reg file per host`);
  }
  if (!opts.inventory && (opts.registryDir || opts.limit)) throw new RegstateError('USAGE', `${opts.registryDir ? '--registry-dir' : '--limit'} needs --inventory FILE`);
}

/**
 * Refuses an output file (`--out`, `--report`) that is a file the inventory's hosts are reached with (a
 * key file, a known-hosts file, a credential file) or, with --registry-dir, one of the hosts' .reg files:
 * the output would replace it. The command line's own inputs are checked before any command (run.ts).
 */
export function refuseFleetOutputs(opts: FleetCliOptions & { out?: string; report?: string }, io: Io, hosts: readonly FleetHost[]): void {
  const inputs: NamedFile[] = [];
  for (const host of hosts) {
    if (host.keyFile) inputs.push({ path: host.keyFile, role: `the keyFile of host ${host.name}` });
    if (host.knownHostsFile) inputs.push({ path: host.knownHostsFile, role: `the knownHostsFile of host ${host.name}` });
    if (host.credential?.kind === 'file') inputs.push({ path: host.credential.path, role: `the credential file of host ${host.name}` });
    if (opts.registryDir) inputs.push({ path: join(resolve(io.cwd, opts.registryDir), hostRegFileName(host.name)), role: `the .reg file of host ${host.name} in --registry-dir` });
  }
  const outputs: NamedFile[] = [...(opts.out ? [{ path: opts.out, role: '--out' }] : []), ...(opts.report ? [{ path: opts.report, role: '--report' }] : [])];
  refuseOutputsThatAreInputs(outputs, inputs, io.cwd, io.platform);
}

/** The inventory, the hosts --limit selects, and each host's variables (inventory, --var-file, --var). */
export async function loadFleetHosts(opts: FleetCliOptions, io: Io): Promise<FleetSelection> {
  const selection = await selectFleet({ inventory: opts.inventory as string, ...(opts.limit === undefined ? {} : { limit: opts.limit }) }, await readVarOptions(opts, io.cwd), io.cwd);
  return selection as FleetSelection;
}

/** How the hosts are reached: their `.reg` files in --registry-dir, else PowerShell remoting. */
export async function fleetConnector(opts: FleetCliOptions, io: Io): Promise<FleetConnector> {
  if (opts.registryDir) return regDirConnector(resolve(io.cwd, opts.registryDir), { create: opts.createRegistry === true });
  // the remoting driver (and its PowerShell) is loaded only for a run that reaches hosts through it
  return (await import('../fleet/fleet-session.js')).openFleet;
}

/**
 * Every selected host's desired state with its variables, loaded before any host is contacted: each
 * config is parsed once, and a problem (an undefined variable, a value that does not fit) stops the
 * run with every host it concerns named, as `validate --inventory` reports it.
 */
export async function desiredForHosts(configs: string[], io: Io, selection: FleetSelection): Promise<(host: FleetHost) => Promise<DesiredState>> {
  const states = await loadHostConfigs(configs, io, selection.hostVars);
  return async (host) => {
    const desired = states.get(host.name);
    if (!desired) throw new RegstateError('INTERNAL', `no desired state was loaded for host ${host.name}`);
    return desired;
  };
}

/** Progress on stderr: a live line on a terminal (not under --format json), plain lines otherwise. */
export function fleetProgress(io: Io, total: number, format: string, color: boolean): FleetProgress {
  const live = io.stderr.isTTY === true && format !== 'json';
  return new FleetProgress(io.stderr, total, { live, color });
}
