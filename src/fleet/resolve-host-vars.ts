import type { FleetHost, VarTable } from './fleet-model.js';

/** Tables merged in order, a later table's value winning over an earlier one's. */
export function mergeVarTables(...tables: readonly VarTable[]): VarTable {
  const out: VarTable = new Map();
  for (const table of tables) for (const [name, value] of table) out.set(name, value);
  return out;
}

/**
 * A host's variables, by precedence (lowest to highest): a config's own `vars:` defaults (applied
 * when the config is loaded, below all of these), inventory group vars (a later-listed group wins),
 * the host's own vars, --var-file, --var.
 */
export function resolveHostVars(host: Pick<FleetHost, 'vars'>, cliVars: VarTable, varFileVars: VarTable): VarTable {
  return mergeVarTables(host.vars, varFileVars, cliVars);
}
