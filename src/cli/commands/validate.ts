import { RegstateError } from '../../errors.js';
import { EXIT } from '../exit-codes.js';
import { loadConfigs } from '../load-configs.js';
import type { Io } from '../io.js';
import { escapeControl } from '../../model/display-text.js';
import { markPhase } from '../phase-timings.js';

export async function runValidate(configs: string[], opts: { format: 'text' | 'json'; inventory?: string; limit?: string }, io: Io): Promise<number> {
  if (opts.inventory) return (await import('./fleet-validate.js')).runFleetValidate(configs, opts, io);
  if (opts.limit) throw new RegstateError('USAGE', '--limit needs --inventory FILE');
  try {
    markPhase('load config');
    const desired = await loadConfigs(configs, io);
    const values = desired.keys.reduce((n, k) => n + k.values.length, 0);
    if (opts.format === 'json') {
      io.stdout.write(`${JSON.stringify({ valid: true, files: desired.files, keys: desired.keys.length, values, errors: [] }, null, 2)}\n`);
    } else {
      io.stdout.write(`${escapeControl(configs.join(', '))}: valid (${desired.keys.length} key${desired.keys.length === 1 ? '' : 's'}, ${values} value${values === 1 ? '' : 's'})\n`);
    }
    return EXIT.OK;
  } catch (error) {
    if (!(error instanceof RegstateError) || opts.format !== 'json') throw error;
    const errors = error.diagnostics.map((d) => ({ code: d.code, message: d.message, ...d.source }));
    io.stdout.write(`${JSON.stringify({ valid: false, errors }, null, 2)}\n`);
    return EXIT.ERROR;
  }
}
