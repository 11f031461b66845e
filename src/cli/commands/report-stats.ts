import type { RegistryBackend } from '../../registry/backend.js';
import { describeTarget } from '../open-backend.js';
import type { Io } from '../io.js';
import { escapeControl } from '../../model/display-text.js';

/** With --verbose, the process and round-trip cost of the run, on stderr. */
export function reportStats(backend: RegistryBackend, opts: { verbose?: boolean }, io: Io): void {
  if (!opts.verbose) return;
  const { processes, roundTrips } = backend.stats();
  io.stderr.write(`regstate: ${escapeControl(describeTarget(backend.target))}: ${processes} PowerShell process${processes === 1 ? '' : 'es'}, ${roundTrips} round trip${roundTrips === 1 ? '' : 's'}\n`);
}
