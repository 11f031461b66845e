import { readFile } from 'node:fs/promises';
import { type FleetProgress, type FleetSession, openFleet } from '../../src/fleet/fleet-session.js';
import type { FleetHost } from '../../src/fleet/fleet-model.js';
import type { KeyRef } from '../../src/model/key-ref.js';
import type { WriteOp } from '../../src/registry/backend.js';
import { type SshFleet, sshHost, startSshFleet, writeHive } from './ssh-fleet.js';

// 14 hosts in one run over real sshd + PowerShell's SSH subsystem: 12 reachable (one of them dies
// mid-apply), one with a key the server refuses, one address where nothing listens. One fleet is
// opened for the whole suite (opening costs about 2 s of CPU per host).
const KEY: KeyRef = { hive: 'HKLM', path: 'SOFTWARE\\Regstate\\Fleet', view: 64 };
const GOOD = 11;
const WRITES = 10;

let ssh: SshFleet;
let fleet: FleetSession;
let hosts: FleetHost[];
let victim: FleetHost;
const progress: FleetProgress[] = [];

function connection(name: string) {
  const c = fleet.connections.find((x) => x.host.name === name);
  if (!c) throw new Error(`no connection ${name}`);
  return c;
}

async function hiveValues(host: FleetHost): Promise<Record<string, number>> {
  const doc = JSON.parse(await readFile(host.simulatedHive as string, 'utf8')) as { keys: { path: string; values: { name: string; data: number }[] }[] };
  const key = doc.keys.find((k) => k.path === 'HKLM\\SOFTWARE\\Regstate\\Fleet');
  return Object.fromEntries((key?.values ?? []).map((v) => [v.name, v.data]));
}

const writesFor = (index: number): WriteOp[] =>
  Array.from({ length: WRITES }, (_, n) => ({ op: 'set-value', key: KEY, name: `Value${n}`, value: { type: 'REG_DWORD', data: index * 100 + n } }));

beforeAll(async () => {
  ssh = await startSshFleet({ hosts: GOOD + 2, isolated: [GOOD + 1] });
  const good = ssh.addresses.slice(0, GOOD).map((a, i) => sshHost(ssh, `web${String(i + 1).padStart(2, '0')}`, a));
  victim = sshHost(ssh, 'dies', ssh.addresses[GOOD + 1] as string);
  hosts = [
    ...good,
    sshHost(ssh, 'wrongkey', ssh.addresses[GOOD] as string, { keyFile: ssh.wrongKeyFile }),
    victim,
    sshHost(ssh, 'unreachable', ssh.unservedAddress),
  ];
  for (const [i, h] of hosts.entries()) await writeHive(h.simulatedHive as string, { Index: i, Port: 25 });
  fleet = await openFleet(hosts, { parallel: 16, powershell: ssh.pwsh, openTimeoutMs: 120_000, onProgress: (e) => progress.push(e) });
}, 900_000);

afterAll(async () => {
  await fleet?.close();
  await ssh?.close();
}, 60_000);

test('every reachable host opens; the unreachable one and the refused key fail with ssh\'s own reason', () => {
  expect(fleet.connections.map((c) => [c.host.name, c.state, c.failure?.code])).toEqual([
    ...hosts.slice(0, GOOD).map((h) => [h.name, 'open', undefined]),
    ['wrongkey', 'failed', 'HOST_AUTH_FAILED'],
    ['dies', 'open', undefined],
    ['unreachable', 'failed', 'HOST_UNREACHABLE'],
  ]);
  expect(connection('wrongkey').failure?.reason).toMatch(/Permission denied \(publickey/);
  expect(connection('unreachable').failure?.reason).toMatch(new RegExp(`connect to host ${ssh.unservedAddress.replace(/\./g, '\\.')} port ${ssh.port}: Connection refused`));
  expect(connection('wrongkey').backend).toBeUndefined();
  expect(connection('web01').backend?.target).toEqual({ backend: 'powershell', host: 'web01', simulatedHive: hosts[0]?.simulatedHive });
  expect(fleet.stats().processes).toBe(1);
  // A broken open is tried again, a bounded number of times (2 retries by default).
  const failedEvents = progress.flatMap((e) => (e.kind === 'host-failed' ? [[e.host, e.attempts]] : []));
  expect(failedEvents.sort()).toEqual([
    ['unreachable', 3],
    ['wrongkey', 3],
  ]);
});

test('each host reads its own hive, all hosts in one round trip to the local PowerShell', async () => {
  const open = fleet.connections.filter((c) => c.state === 'open');
  const before = fleet.stats().roundTrips;
  const live = await Promise.all(open.map((c) => c.backend?.read([{ key: KEY }])));
  expect(fleet.stats().roundTrips - before).toBe(1);
  expect(live.map((keys) => keys?.[0]?.values.find((v) => v.name === 'Index')?.value)).toEqual(
    open.map((c) => ({ type: 'REG_DWORD', data: hosts.indexOf(c.host) })),
  );
  expect(open.map((c) => c.backend?.stats())).toEqual(open.map(() => ({ processes: 1, roundTrips: 1 })));
}, 300_000);

test('a host that dies mid-apply fails alone, with the reason; every other host converges and reads back', async () => {
  // The victim's hive sleeps after each write, so it is still writing when its sshd is killed.
  await writeHive(victim.simulatedHive as string, { Index: GOOD + 1, Port: 25 }, { delayMsPerWrite: 5000 });
  const open = fleet.connections.filter((c) => c.state === 'open');
  const others = open.filter((c) => c.host !== victim);
  const applying = Promise.allSettled(open.map((c) => c.backend?.write(writesFor(hosts.indexOf(c.host))) ?? Promise.reject(new Error('no backend'))));
  // Every other host has saved its writes (a bounded wait), the victim is still sleeping: kill it.
  const deadline = Date.now() + 240_000;
  for (;;) {
    const saved = await Promise.all(others.map(async (c) => (await hiveValues(c.host))[`Value${WRITES - 1}`] !== undefined));
    if (saved.every(Boolean)) break;
    if (Date.now() > deadline) throw new Error('the other hosts did not save their writes within 240 s');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  expect((await hiveValues(victim))['Value0']).toBeUndefined();
  ssh.dropHost(victim.address);
  const results = await applying;

  const byName = new Map(open.map((c, i) => [c.host.name, results[i]]));
  const dropped = byName.get('dies');
  expect(dropped?.status).toBe('rejected');
  expect((dropped as PromiseRejectedResult).reason).toMatchObject({ code: 'HOST_DROPPED' });
  for (const c of others) expect(byName.get(c.host.name)).toEqual({ status: 'fulfilled', value: Array.from({ length: WRITES }, () => ({ ok: true })) });
  expect(connection('dies')).toMatchObject({ state: 'failed', failure: { code: 'HOST_DROPPED' } });
  // ssh's own words, not PowerShell's stock "transport process has abruptly terminated".
  expect(connection('dies').failure?.reason).toContain(`Connection to ${victim.address} closed by remote host.`);
  expect(connection('dies').failure?.reason).not.toContain('abruptly terminated');
  expect((dropped as PromiseRejectedResult).reason.message).toMatch(/^dies: Connection to /);
  await expect(connection('dies').backend?.read([{ key: KEY }])).rejects.toMatchObject({ code: 'HOST_DROPPED' });

  // Read back from every other host, again in one fan-out.
  const back = await Promise.all(others.map((c) => c.backend?.read([{ key: KEY }])));
  for (const [i, c] of others.entries()) {
    const index = hosts.indexOf(c.host);
    const values = new Map(back[i]?.[0]?.values.map((v) => [v.name, v.value]));
    for (let n = 0; n < WRITES; n++) expect(values.get(`Value${n}`)).toEqual({ type: 'REG_DWORD', data: index * 100 + n });
  }
  expect(fleet.connections.filter((c) => c.state === 'failed').map((c) => [c.host.name, c.failure?.code])).toEqual([
    ['wrongkey', 'HOST_AUTH_FAILED'],
    ['dies', 'HOST_DROPPED'],
    ['unreachable', 'HOST_UNREACHABLE'],
  ]);
}, 600_000);

test('closing the fleet ends every remote session', async () => {
  await fleet.close();
  const deadline = Date.now() + 30_000;
  while (ssh.connectionPids(ssh.addresses[0] as string).length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
  expect(ssh.connectionPids(ssh.addresses[0] as string)).toEqual([]);
}, 60_000);
