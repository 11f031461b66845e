// A fleet of local .reg files, one per host, and a connector over them that can make a host
// unreachable or drop it in the middle of its write batch (as a remoting connection does).
import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegstateError } from '../../src/errors.js';
import type { FleetConnector, HostConnection } from '../../src/fleet/fleet-connector.js';
import type { FleetHost } from '../../src/fleet/fleet-model.js';
import { regDirConnector } from '../../src/fleet/reg-dir-fleet.js';
import type { RegistryBackend } from '../../src/registry/backend.js';
import { agpmSnapshot } from '../cli/cli-harness.js';

export const REFUSED = 'ssh: connect to host 127.0.0.9 port 22: Connection refused';
export const DROPPED = 'The SSH transport process has abruptly terminated';

export function fleetHost(name: string, groups: string[] = []): FleetHost {
  return { name, address: name, transport: 'ssh', groups, vars: new Map(), source: { file: 'inventory.yaml', line: 1, column: 1 } };
}

/** `count` hosts web01.., each with its own copy of the AGPM server snapshot in `dir/NAME.reg`. */
export async function regFleet(count: number): Promise<{ dir: string; regs: string; hosts: FleetHost[]; inventory: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'regstate-fleet-'));
  const regs = join(dir, 'regs');
  const hosts = Array.from({ length: count }, (_, i) => fleetHost(`web${String(i + 1).padStart(2, '0')}`, [i % 2 === 0 ? 'odd' : 'even']));
  for (const h of hosts) await cp(agpmSnapshot, join(regs, `${h.name}.reg`));
  const inventory = join(dir, 'inventory.yaml');
  await writeFile(inventory, `version: 1\ngroups:\n  odd: {}\n  even: {}\nhosts:\n${hosts.map((h) => `  - name: ${h.name}\n    groups: [${h.groups.join(', ')}]\n`).join('')}`);
  return { dir, regs, hosts, inventory };
}

/** The first op of the batch goes through, then the connection breaks: later reads fail too. */
function dropMidWrite(backend: RegistryBackend): RegistryBackend {
  let dropped = false;
  const check = () => {
    if (dropped) throw new RegstateError('HOST_UNREACHABLE', DROPPED);
  };
  return {
    target: backend.target,
    read: async (requests) => (check(), backend.read(requests)),
    write: async (ops) => {
      check();
      await backend.write(ops.slice(0, 1));
      dropped = true;
      throw new RegstateError('HOST_UNREACHABLE', DROPPED);
    },
    stats: () => backend.stats(),
    close: () => backend.close(),
  };
}

/** regDirConnector with hosts made unreachable or dropped mid-write; records what it was asked. */
export function faultyConnector(regs: string, faults: { unreachable?: string[]; dropOnWrite?: string[] }, calls: { parallel: number; hosts: string[] }[] = []): FleetConnector {
  const base = regDirConnector(regs);
  return async (hosts, opts) => {
    calls.push({ parallel: opts.parallel, hosts: hosts.map((h) => h.name) });
    const session = await base(hosts.filter((h) => !faults.unreachable?.includes(h.name)), opts);
    const connections = hosts.map((host): HostConnection => {
      if (faults.unreachable?.includes(host.name)) return { host, state: 'failed', failure: { code: 'HOST_UNREACHABLE', reason: REFUSED } };
      const c = session.connections.find((x) => x.host === host) as HostConnection;
      return faults.dropOnWrite?.includes(host.name) && c.backend ? { ...c, backend: dropMidWrite(c.backend) } : c;
    });
    return { connections, close: () => session.close() };
  };
}
