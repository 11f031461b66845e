import type { Command } from 'commander';
import type { VarTable } from '../fleet/fleet-model.js';
import { mergeVarTables } from '../fleet/resolve-host-vars.js';
import { readVarOptions } from '../fleet/var-options.js';

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Options of a command that takes variables. */
export interface VarOptions {
  var?: string[];
  varFile?: string[];
}

/** Options of a command that can work on the hosts of an inventory. */
export interface InventoryOptions {
  inventory?: string;
  limit?: string;
}

/** `--var name=value` and `--var-file FILE`, both repeatable. */
export function addVarOptions(cmd: Command): Command {
  return cmd
    .option('--var <name=value>', 'set a variable for ${name} in configs (repeatable; wins over --var-file, inventory and config defaults)', collect)
    .option('--var-file <file.yaml>', 'read variables from a YAML file of name: value (repeatable; a later file wins)', collect);
}

/** `--inventory FILE` and `--limit GROUP|HOST,...`. */
export function addInventoryOptions(cmd: Command): Command {
  return cmd
    .option('--inventory <file.yaml>', 'work on the hosts of this inventory instead of the local machine')
    .option('--limit <names>', 'only these hosts and groups of the inventory, separated by commas');
}

/** The variables of a run on the local machine (no inventory): --var-file below --var. */
export async function readLocalVars(opts: VarOptions, cwd: string): Promise<VarTable> {
  const vars = await readVarOptions(opts, cwd);
  return mergeVarTables(vars.varFile, vars.cli);
}
