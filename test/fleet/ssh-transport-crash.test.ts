import { existsSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { type FleetSession, openFleet } from '../../src/fleet/fleet-session.js';
import type { FleetHost } from '../../src/fleet/fleet-model.js';
import type { KeyRef } from '../../src/model/key-ref.js';
import { type SshFleet, sshHost, startSshFleet, writeHive } from './ssh-fleet.js';

// PowerShell 7's SSH transport ends its whole process when an ssh child exits after a write to the
// child's stdin failed (the failed bytes stay buffered; disposing the writer on ssh's exit flushes
// them again, and that IOException escapes the transport's error thread). On a loaded machine a
// refused connection can lose that race; CI saw it end a 14-host fleet before any host answered.
// Here the race is lost every time: the local PowerShell finds an `ssh` on PATH that, for one
// address, closes its stdin at once (so the transport's first write fails) and fails the connection
// half a second later; for every other address it is the real ssh. The sshd host beside it must
// open, answer and close as usual, in the same local PowerShell.
const KEY: KeyRef = { hive: 'HKLM', path: 'SOFTWARE\\Regstate\\Fleet', view: 64 };
const REFUSING = '127.0.0.1';

let ssh: SshFleet;
let fleet: FleetSession | undefined;
let hosts: FleetHost[];
let env: NodeJS.ProcessEnv;

/** The ssh the wrapper hands every other address to: the first on PATH. */
function realSsh(): string {
  const found = (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'ssh')).find((file) => existsSync(file));
  if (!found) throw new Error('ssh is not on PATH: run `bash scripts/provision-test-tools.sh` as root');
  return found;
}

beforeAll(async () => {
  ssh = await startSshFleet({ hosts: 1 });
  const bin = join(ssh.dir, 'bin');
  await mkdir(bin);
  const wrapper = join(bin, 'ssh');
  await writeFile(
    wrapper,
    [
      '#!/bin/sh',
      'for a in "$@"; do',
      `  if [ "$a" = "${REFUSING}" ]; then`,
      '    exec 0<&-',
      '    sleep 0.5',
      `    echo "ssh: connect to host ${REFUSING} port 1: Connection refused" >&2`,
      '    exit 255',
      '  fi',
      'done',
      `exec '${realSsh()}' "$@"`,
      '',
    ].join('\n'),
  );
  await chmod(wrapper, 0o755);
  env = { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` };
  const good = sshHost(ssh, 'web01', ssh.addresses[0] as string);
  await writeHive(good.simulatedHive as string, { Index: 7 });
  hosts = [good, { ...sshHost(ssh, 'refusing', REFUSING), port: 1 }];
}, 120_000);

afterAll(async () => {
  await fleet?.close();
  await ssh?.close();
}, 60_000);

test('an ssh child that dies after a failed write fails its own host; the local PowerShell and the other host carry on', async () => {
  fleet = await openFleet(hosts, { parallel: 4, powershell: ssh.pwsh, openTimeoutMs: 60_000, env });
  expect(fleet.connections.map((c) => [c.host.name, c.state, c.failure?.code])).toEqual([
    ['web01', 'open', undefined],
    ['refusing', 'failed', 'HOST_UNREACHABLE'],
  ]);
  expect(fleet.connections[1]?.failure?.reason).toContain(`connect to host ${REFUSING} port 1: Connection refused`);
  // The same local process (three attempts of the refused host behind it) still serves the open host.
  const live = await fleet.connections[0]?.backend?.read([{ key: KEY }]);
  expect(live?.[0]?.values.find((v) => v.name === 'Index')?.value).toEqual({ type: 'REG_DWORD', data: 7 });
  expect(fleet.stats().processes).toBe(1);
  await fleet.close();
}, 300_000);
