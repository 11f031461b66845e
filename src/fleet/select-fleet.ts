import { RegstateError } from '../errors.js';
import type { HostVarTable } from '../config/load-desired-state.js';
import type { FleetHost, Inventory } from './fleet-model.js';
import { resolveHostVars } from './resolve-host-vars.js';
import { selectHosts } from './select-hosts.js';
import type { CliVars } from './var-options.js';

/** The hosts a fleet command works on, and each host's variables in the documented precedence. */
export interface FleetSelection {
  inventory: Inventory;
  hosts: FleetHost[];
  /** Per selected host, in the same order: inventory, --var-file and --var merged (configs' own defaults come below). */
  hostVars: HostVarTable[];
}

/**
 * `--inventory FILE [--limit GROUP|HOST,...]` with the command line's variables: the selected hosts
 * and their variables. Undefined without --inventory (the local machine); --limit alone is an error.
 */
export async function selectFleet(opts: { inventory?: string; limit?: string }, vars: CliVars, cwd: string): Promise<FleetSelection | undefined> {
  if (opts.inventory === undefined) {
    if (opts.limit !== undefined) throw new RegstateError('USAGE', '--limit selects hosts of an inventory: give --inventory FILE too');
    return undefined;
  }
  // the inventory loader (and the `yaml` library it uses) is loaded only for a fleet run
  const { loadInventory } = await import('./inventory.js');
  const inventory = await loadInventory(opts.inventory, { cwd });
  const hosts = selectHosts(inventory, opts.limit);
  return { inventory, hosts, hostVars: hosts.map((host) => ({ name: host.name, vars: resolveHostVars(host, vars.cli, vars.varFile) })) };
}
