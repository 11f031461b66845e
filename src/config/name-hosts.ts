import type { Diagnostic } from '../errors.js';
import { isAboutVariables } from './substitute-vars.js';

/** How many host names a message lists before "and N more". */
const MAX_NAMED = 10;

function listHosts(hosts: string[]): string {
  const named = hosts.slice(0, MAX_NAMED).join(', ');
  return hosts.length > MAX_NAMED ? `${named} and ${hosts.length - MAX_NAMED} more` : named;
}

/**
 * The problems each host's configs have, reported once each. One that every host has and that no
 * variable caused is the configs' own, reported as for a single machine; every other one starts with
 * the names of the hosts that have it (`host web1: ...`, `hosts web1, web2: ...`).
 */
export function nameHosts(perHost: readonly { host: string; diagnostics: readonly Diagnostic[] }[]): Diagnostic[] {
  const groups = new Map<string, { diagnostic: Diagnostic; hosts: string[] }>();
  for (const { host, diagnostics } of perHost) {
    for (const d of diagnostics) {
      const id = JSON.stringify([d.code, d.message, d.source?.file, d.source?.line, d.source?.column]);
      const group = groups.get(id);
      if (!group) groups.set(id, { diagnostic: d, hosts: [host] });
      else if (group.hosts[group.hosts.length - 1] !== host) group.hosts.push(host);
    }
  }
  const out: Diagnostic[] = [];
  for (const { diagnostic, hosts } of groups.values()) {
    if (hosts.length === perHost.length && !isAboutVariables(diagnostic)) out.push(diagnostic);
    else out.push({ ...diagnostic, message: `${hosts.length === 1 ? 'host' : 'hosts'} ${listHosts(hosts)}: ${diagnostic.message}` });
  }
  return out;
}
