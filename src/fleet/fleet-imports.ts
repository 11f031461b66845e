// The one place the fleet commands take the pieces that inventory/variables (src/fleet/inventory.ts,
// the config loader) and remoting (src/fleet/fleet-session.ts) provide. Each function below keeps the
// signature those modules export; until they are in this tree, these are minimal stand-ins:
// an inventory of `hosts:` with names and groups, no variable substitution, no remoting.
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { loadDesiredState } from '../config/load-desired-state.js';
import { RegstateError } from '../errors.js';
import type { DesiredState } from '../model/desired-state.js';
import type { RegistryBackend } from '../registry/backend.js';
import type { FleetHost, Inventory, VarTable } from './fleet-model.js';

/** One host's connection, as openFleet returns it: a backend when open, the reason when not. */
export interface HostConnection {
  host: FleetHost;
  state: 'open' | 'failed';
  failure?: { code: string; reason: string };
  backend?: RegistryBackend;
}

export interface FleetSession {
  connections: HostConnection[];
  close(): Promise<void>;
}

export interface OpenFleetOptions {
  parallel: number;
  powershell?: string;
  onProgress?: (event: unknown) => void;
}

/** openFleet's signature: what the fleet commands run on (the real remoting, or local registries). */
export type FleetConnector = (hosts: FleetHost[], opts: OpenFleetOptions) => Promise<FleetSession>;

/** Stand-in for remoting's openFleet. */
export const openFleet: FleetConnector = async () => {
  throw new RegstateError('USAGE', 'this regstate cannot reach hosts through PowerShell remoting yet: plan against their registry exports with --registry-dir DIR');
};

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Stand-in for the inventory loader: `hosts: [{name, address?, transport?, groups?, simulatedHive?}]`. */
export async function loadInventory(path: string): Promise<Inventory> {
  let doc: unknown;
  try {
    doc = parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new RegstateError('FILE_UNREADABLE', `cannot read the inventory ${path}: ${(cause as Error).message}`, { cause });
  }
  const list = isRecord(doc) ? doc.hosts : undefined;
  if (!Array.isArray(list)) throw new RegstateError('SCHEMA', `${path}: the inventory must have a list of hosts`);
  const seen = new Set<string>();
  const hosts = list.map((h, i): FleetHost => {
    if (!isRecord(h) || typeof h.name !== 'string' || h.name === '') throw new RegstateError('SCHEMA', `${path}: hosts[${i}] must have a name`);
    if (seen.has(h.name.toLowerCase())) throw new RegstateError('DUPLICATE', `${path}: host ${h.name} is listed twice`);
    seen.add(h.name.toLowerCase());
    const groups = Array.isArray(h.groups) ? h.groups.filter((g): g is string => typeof g === 'string') : [];
    return {
      name: h.name,
      address: typeof h.address === 'string' ? h.address : h.name,
      transport: h.transport === 'ssh' ? 'ssh' : 'winrm',
      ...(typeof h.simulatedHive === 'string' ? { simulatedHive: h.simulatedHive } : {}),
      groups,
      vars: new Map(),
      source: { file: path, line: 1, column: 1 },
    };
  });
  return { path, hosts };
}

/** Stand-in for `--limit GROUP|HOST,...`: every host when absent; an unknown name is an error. */
export function selectHosts(inventory: Inventory, limit: string | undefined): FleetHost[] {
  if (limit === undefined) return inventory.hosts;
  const names = limit.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const name of names) {
    const known = inventory.hosts.some((h) => h.name.toLowerCase() === name.toLowerCase() || h.groups.includes(name));
    if (!known) throw new RegstateError('USAGE', `--limit ${name}: no host or group of that name in ${inventory.path}`);
  }
  return inventory.hosts.filter((h) => names.some((n) => h.name.toLowerCase() === n.toLowerCase() || h.groups.includes(n)));
}

/** Stand-in for the variable precedence (host and group < --var-file < --var). */
export function resolveHostVars(host: FleetHost, cliVars: VarTable, varFileVars: VarTable): VarTable {
  return new Map([...host.vars, ...varFileVars, ...cliVars]);
}

/** Stand-in for the variables-aware config loader. */
export async function loadDesiredStateWithVars(files: readonly string[], options: { cwd: string; vars?: VarTable }): Promise<DesiredState> {
  return loadDesiredState(files, { cwd: options.cwd });
}
