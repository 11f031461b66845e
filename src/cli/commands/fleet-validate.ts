import { RegstateError } from '../../errors.js';
import { escapeControl } from '../../model/display-text.js';
import { EXIT } from '../exit-codes.js';
import { formatErrorLines } from '../format-error-lines.js';
import { type FleetCliOptions, desiredForHost, loadFleetHosts } from '../fleet-setup.js';
import { type Io, useColor } from '../io.js';

/**
 * `validate --inventory`: the configs checked for every selected host with that host's variables
 * (an undefined variable is an error for the host that lacks it). Exit 1 when any host's is invalid.
 */
export async function runFleetValidate(configs: string[], opts: FleetCliOptions & { format: 'text' | 'json' }, io: Io): Promise<number> {
  const { hosts } = await loadFleetHosts(opts, io);
  const loadFor = desiredForHost(configs, io);
  const color = useColor({ ...io, stdout: io.stderr }, undefined);
  const results: { host: string; valid: boolean; keys: number; values: number; diagnostics?: RegstateError['diagnostics'] }[] = [];
  for (const host of hosts) {
    try {
      const desired = await loadFor(host);
      results.push({ host: host.name, valid: true, keys: desired.keys.length, values: desired.keys.reduce((n, k) => n + k.values.length, 0) });
    } catch (error) {
      if (!(error instanceof RegstateError)) throw error;
      results.push({ host: host.name, valid: false, keys: 0, values: 0, diagnostics: error.diagnostics });
    }
  }
  const valid = results.every((r) => r.valid);
  if (opts.format === 'json') {
    const hostsJson = results.map((r) => ({ host: r.host, valid: r.valid, errors: r.valid ? [] : (r.diagnostics ?? []).map((d) => ({ code: d.code, message: d.message, ...d.source })) }));
    io.stdout.write(`${JSON.stringify({ valid, hosts: hostsJson }, null, 2)}\n`);
  } else {
    for (const r of results) {
      if (r.valid) io.stdout.write(`host ${escapeControl(r.host)}: valid (${r.keys} key${r.keys === 1 ? '' : 's'}, ${r.values} value${r.values === 1 ? '' : 's'})\n`);
      else {
        io.stderr.write(`host ${escapeControl(r.host)}: invalid\n`);
        io.stderr.write(formatErrorLines(r.diagnostics ?? [], { cwd: io.cwd, color }));
      }
    }
  }
  return valid ? EXIT.OK : EXIT.ERROR;
}
