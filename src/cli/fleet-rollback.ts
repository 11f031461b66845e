import { resolve } from 'node:path';
import { RegstateError } from '../errors.js';
import { hostJournalPath, lastHostJournal, readIfFleetJournal, refuseFleetRollback } from '../fleet/fleet-journal.js';
import { escapeControl, truncateEcho } from '../model/display-text.js';
import type { RegistryBackend, Target } from '../registry/backend.js';
import { fleetConnector, loadFleetHosts } from './fleet-setup.js';
import type { Io } from './io.js';
import { describeTarget } from './open-backend.js';

/**
 * The journal a rollback undoes. With --host: that host's journal named by a fleet journal, or the host's
 * newest apply journal in the state directory. Without: the file given or the newest apply journal,
 * but never a whole fleet's (refused, naming its hosts).
 */
export async function chooseJournal(journalArg: string | undefined, host: string | undefined, stateDir: string, io: Io, newest: () => Promise<string>): Promise<string> {
  const file = journalArg ? resolve(io.cwd, journalArg) : host === undefined ? await newest() : await lastHostJournal(stateDir, host);
  const fleet = await readIfFleetJournal(file);
  if (!fleet) return file;
  if (host === undefined) return refuseFleetRollback(fleet, file);
  return hostJournalPath(stateDir, fleet, host, file);
}

/**
 * A fleet host's registry reached as the inventory says (remoting), checked to be the target the
 * journal recorded. Closing the backend closes the connection.
 */
export async function openFleetHostTarget(target: Target, host: string, opts: { inventory?: string; registryDir?: string; createRegistry?: boolean; powershell?: string }, io: Io, what: string): Promise<RegistryBackend> {
  if (!opts.inventory) throw new RegstateError('USAGE', `${what} is for host ${escapeControl(truncateEcho(host))}, reached through remoting: give the inventory that reaches it, --inventory FILE`);
  const { inventory } = await loadFleetHosts(opts, io);
  const session = await (await fleetConnector(opts, io))(inventory.hosts.filter((h) => h.name === host), { parallel: 1, ...(opts.powershell ? { powershell: opts.powershell } : {}) });
  const connection = session.connections[0];
  if (connection?.state !== 'open' || !connection.backend) {
    await session.close();
    throw new RegstateError('HOST_UNREACHABLE', `host ${escapeControl(truncateEcho(host))} could not be reached: ${connection?.failure?.reason ?? 'not in the inventory'}`);
  }
  const backend = connection.backend;
  if (describeTarget(backend.target) !== describeTarget(target)) {
    await session.close();
    throw new RegstateError('WRONG_TARGET', `${what} was made for ${describeTarget(target)}, not for ${describeTarget(backend.target)}: refusing to roll it back there`);
  }
  return { target: backend.target, read: (r) => backend.read(r), write: (o) => backend.write(o), stats: () => backend.stats(), close: () => session.close() };
}
