import { RegstateError } from '../errors.js';
import { suggestName } from '../config/did-you-mean.js';
import type { FleetHost, Inventory } from './fleet-model.js';

const fold = (name: string) => name.toLowerCase();

/**
 * The hosts `--limit GROUP|HOST,...` selects, in inventory order, each once; every host without a
 * limit. Names compare ignoring case. An unknown name, an empty entry or a selection of no host is
 * an error (code UNKNOWN_HOST or USAGE) naming what is wrong.
 */
export function selectHosts(inventory: Inventory, limit: string | undefined): FleetHost[] {
  if (limit === undefined) return [...inventory.hosts];
  const names = limit.split(',').map((n) => n.trim());
  if (names.some((n) => n === '')) throw new RegstateError('USAGE', `--limit ${JSON.stringify(limit)}: give host or group names separated by commas, with no empty entry`);
  const hostNames = new Set(inventory.hosts.map((h) => fold(h.name)));
  const groupNames = new Set([...(inventory.groups ?? []), ...inventory.hosts.flatMap((h) => h.groups)].map(fold));
  const unknown = names.filter((n) => !hostNames.has(fold(n)) && !groupNames.has(fold(n)));
  if (unknown.length > 0) {
    const known = [...inventory.hosts.map((h) => h.name), ...(inventory.groups ?? [])];
    const described = unknown.map((n) => {
      const guess = suggestName(n, known);
      return `"${n}"${guess === undefined ? '' : ` (did you mean "${guess}"?)`}`;
    });
    throw new RegstateError('UNKNOWN_HOST', `--limit: no host or group named ${described.join(', ')} in the inventory ${inventory.path}`);
  }
  const wanted = new Set(names.map(fold));
  const selected = inventory.hosts.filter((h) => wanted.has(fold(h.name)) || h.groups.some((g) => wanted.has(fold(g))));
  if (selected.length === 0) throw new RegstateError('USAGE', `--limit ${JSON.stringify(limit)} selects no host: the groups named have no hosts`);
  return selected;
}
