// The sshd fleet harness for tests (scripts/ssh-fleet.js, shared with `npm run bench`): hosts on
// loopback addresses behind real sshd and PowerShell's SSH subsystem, each with its own simulated hive.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type SshFleet, startSshFleet } from '../../scripts/ssh-fleet.js';
import type { FleetHost } from '../../src/fleet/fleet-model.js';

export { type SshFleet, startSshFleet };

/** A simulated hive file with these HKLM\SOFTWARE\Regstate\Fleet DWORD values. */
export async function writeHive(file: string, values: Record<string, number>, faults?: { delayMsPerWrite?: number }): Promise<void> {
  const doc = {
    format: 'regstate-simulated-hive',
    version: 1,
    keys: [{ path: 'HKLM\\SOFTWARE\\Regstate\\Fleet', values: Object.entries(values).map(([name, data]) => ({ name, kind: 'DWord', data })) }],
    ...(faults ? { faults } : {}),
  };
  await writeFile(file, JSON.stringify(doc));
}

/** An inventory host reaching `address` over the fleet's sshd, with its own hive file in the fleet's dir. */
export function sshHost(fleet: SshFleet, name: string, address: string, over: Partial<FleetHost> = {}): FleetHost {
  return {
    name,
    address,
    transport: 'ssh',
    port: fleet.port,
    user: 'root',
    keyFile: fleet.keyFile,
    hostKeyChecking: 'strict',
    knownHostsFile: fleet.knownHostsFile,
    simulatedHive: join(fleet.dir, `${name}.hive.json`),
    groups: [],
    vars: new Map(),
    source: { file: 'inventory.yaml', line: 1, column: 1 },
    ...over,
  };
}
