import { RegstateError } from '../../errors.js';
import { selectFleet } from '../../fleet/select-fleet.js';
import type { DesiredState } from '../../model/desired-state.js';
import { EXIT } from '../exit-codes.js';
import { loadConfigs, loadHostConfigs } from '../load-configs.js';
import type { Io } from '../io.js';
import { escapeControl } from '../../model/display-text.js';
import { markPhase } from '../phase-timings.js';
import type { InventoryOptions, VarOptions } from '../var-options.js';
import { readVarOptions } from '../../fleet/var-options.js';
import { mergeVarTables } from '../../fleet/resolve-host-vars.js';

export interface ValidateOptions extends VarOptions, InventoryOptions {
  format: 'text' | 'json';
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const countValues = (desired: DesiredState) => desired.keys.reduce((n, k) => n + k.values.length, 0);

/** `regstate validate CONFIG...`: for the local machine, or with --inventory for every selected host. */
export async function runValidate(configs: string[], opts: ValidateOptions, io: Io): Promise<number> {
  try {
    markPhase('load config');
    const vars = await readVarOptions(opts, io.cwd);
    const fleet = await selectFleet(opts, vars, io.cwd);
    if (fleet) {
      const states = await loadHostConfigs(configs, io, fleet.hostVars);
      const hosts = fleet.hosts.map((h) => {
        const desired = states.get(h.name) as DesiredState;
        return { name: h.name, keys: desired.keys.length, values: countValues(desired) };
      });
      if (opts.format === 'json') {
        const files = (states.get(fleet.hosts[0]?.name ?? '') as DesiredState).files;
        io.stdout.write(`${JSON.stringify({ valid: true, files, inventory: fleet.inventory.path, hosts, errors: [] }, null, 2)}\n`);
      } else {
        io.stdout.write(`${escapeControl(configs.join(', '))}: valid for ${plural(hosts.length, 'host')} of ${escapeControl(fleet.inventory.path)}\n`);
        for (const h of hosts) io.stdout.write(`  ${escapeControl(h.name)}: ${plural(h.keys, 'key')}, ${plural(h.values, 'value')}\n`);
      }
      return EXIT.OK;
    }
    const desired = await loadConfigs(configs, io, mergeVarTables(vars.varFile, vars.cli));
    const values = countValues(desired);
    if (opts.format === 'json') {
      io.stdout.write(`${JSON.stringify({ valid: true, files: desired.files, keys: desired.keys.length, values, errors: [] }, null, 2)}\n`);
    } else {
      io.stdout.write(`${escapeControl(configs.join(', '))}: valid (${plural(desired.keys.length, 'key')}, ${plural(values, 'value')})\n`);
    }
    return EXIT.OK;
  } catch (error) {
    if (!(error instanceof RegstateError) || opts.format !== 'json') throw error;
    const errors = error.diagnostics.map((d) => ({ code: d.code, message: d.message, ...d.source }));
    io.stdout.write(`${JSON.stringify({ valid: false, errors }, null, 2)}\n`);
    return EXIT.ERROR;
  }
}
