import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { descendants } from '../../scripts/ssh-fleet.js';
import { hostJournalDir } from '../../src/fleet/run-fleet.js';
import { agpmConfig, bin, listJournals, pwsh, readJson, runCli, waitFor } from '../cli/cli-harness.js';
import { type SshFleet, startSshFleet } from './ssh-fleet.js';

// The fleet commands as an administrator runs them: the real CLI, an inventory of SSH hosts (each a
// loopback address behind a real sshd, rehearsing on its own simulated hive), the AGPM config with a
// per-host port from inventory variables, one host whose key the server refuses.
const AGPM = 'HKLM\\SOFTWARE\\Microsoft\\AGPM';

let ssh: SshFleet;
let inventory: string;
let state: string[];

function hiveOf(name: string): string {
  return join(ssh.dir, `${name}.hive.json`);
}

async function agpmValues(name: string): Promise<Record<string, number>> {
  const doc = JSON.parse(await readFile(hiveOf(name), 'utf8')) as { keys: { path: string; values: { name: string; data: number }[] }[] };
  const key = doc.keys.find((k) => k.path.toLowerCase() === AGPM.toLowerCase());
  return Object.fromEntries((key?.values ?? []).map((v) => [v.name, v.data]));
}

beforeAll(async () => {
  ssh = await startSshFleet({ hosts: 4 });
  const hosts = [
    { name: 'agpm01', address: ssh.addresses[0], vars: '' },
    { name: 'agpm02', address: ssh.addresses[1], vars: '    vars: { smtpPort: 465 }\n' },
    { name: 'relay01', address: ssh.addresses[2], vars: '', groups: '    groups: [legacy-relay]\n' },
    { name: 'badkey', address: ssh.addresses[3], vars: '', keyFile: ssh.wrongKeyFile },
  ];
  for (const h of hosts) {
    // Every server starts unencrypted on port 25, as the shipped snapshot.
    const doc = { format: 'regstate-simulated-hive', version: 1, keys: [{ path: AGPM, values: [{ name: 'EncryptSmtp', kind: 'DWord', data: 0 }, { name: 'SmtpServer', kind: 'String', data: 'mail.corp.example' }] }] };
    await writeFile(hiveOf(h.name), JSON.stringify(doc));
  }
  inventory = join(ssh.dir, 'inventory.yaml');
  await writeFile(
    inventory,
    [
      'version: 1',
      'defaults:',
      '  transport: ssh',
      `  port: ${ssh.port}`,
      '  user: root',
      `  keyFile: ${ssh.keyFile}`,
      '  hostKeyChecking: strict',
      `  knownHostsFile: ${ssh.knownHostsFile}`,
      'groups:',
      '  legacy-relay:',
      '    vars: { encryptSmtp: 0, smtpPort: 25 }',
      'hosts:',
      ...hosts.map((h) => `  - name: ${h.name}\n    address: ${h.address}\n    simulatedHive: ${hiveOf(h.name)}\n${h.keyFile ? `    keyFile: ${h.keyFile}\n` : ''}${h.vars}${h.groups ?? ''}`.trimEnd()),
      '',
    ].join('\n'),
  );
  state = ['--state-dir', join(ssh.dir, 'state')];
}, 300_000);

afterAll(async () => {
  await ssh?.close();
}, 60_000);

test('plan, apply, plan again and roll back one host of a fleet through SSH remoting; the refused key is reported and every other host converges', async () => {
  const env = { REGSTATE_POWERSHELL: pwsh };
  const planned = await runCli(['plan', agpmConfig, '--inventory', inventory, '--format', 'json'], { env });
  expect(planned.exitCode).toBe(1);
  const doc = JSON.parse(planned.stdout) as { hosts: { host: string; status: string; problems?: { code: string; message: string }[]; plan?: { changes: { name?: string; after: { data: number } | null }[] } }[] };
  const byHost = new Map(doc.hosts.map((h) => [h.host, h]));
  expect([...byHost.keys()]).toEqual(['agpm01', 'agpm02', 'relay01', 'badkey']);
  const portOf = (name: string) => byHost.get(name)?.plan?.changes.find((c) => c.name === 'SmtpPort')?.after?.data;
  expect([portOf('agpm01'), portOf('agpm02'), portOf('relay01')]).toEqual([587, 465, 25]);
  expect(byHost.get('badkey')?.status).toBe('unreachable');
  expect(byHost.get('badkey')?.problems?.[0]?.message).toMatch(/Permission denied \(publickey/);

  const applied = await runCli(['apply', agpmConfig, '--inventory', inventory, '--auto-approve', ...state], { env });
  expect(applied.exitCode).toBe(1);
  expect(applied.stdout).toMatch(/^agpm01 .* converged$/m);
  expect(applied.stdout).toMatch(/^badkey .* unreachable: .*Permission denied \(publickey/m);
  // Read back from each host's own hive file, not from what the CLI said.
  expect(await agpmValues('agpm01')).toEqual({ EncryptSmtp: 1, SmtpServer: 'mail.corp.example', SmtpPort: 587 });
  expect(await agpmValues('agpm02')).toEqual({ EncryptSmtp: 1, SmtpServer: 'mail.corp.example', SmtpPort: 465 });
  expect(await agpmValues('relay01')).toEqual({ EncryptSmtp: 0, SmtpServer: 'mail.corp.example', SmtpPort: 25 });
  expect(await agpmValues('badkey')).toEqual({ EncryptSmtp: 0, SmtpServer: 'mail.corp.example' });

  const again = await runCli(['plan', agpmConfig, '--inventory', inventory, '--limit', 'agpm01,agpm02,legacy-relay', '--detailed-exitcode'], { env });
  expect(again.exitCode).toBe(0);
  expect(again.stdout).toMatch(/^Fleet plan: 3 hosts: 3 in-sync$/m);

  const back = await runCli(['rollback', '--host', 'agpm02', '--inventory', inventory, '--auto-approve', ...state], { env });
  expect(back.exitCode).toBe(0);
  expect(await agpmValues('agpm02')).toEqual({ EncryptSmtp: 0, SmtpServer: 'mail.corp.example' });
  expect(await agpmValues('agpm01')).toEqual({ EncryptSmtp: 1, SmtpServer: 'mail.corp.example', SmtpPort: 587 });
}, 900_000);

test('the CLI killed mid-fleet-apply: the fleet journal names every host it may have changed, and rollback through it restores each', async () => {
  // A fleet of its own (same sshd): kill01 writes at once; kill02 sleeps after each write, so the run is killed there.
  const names = ['kill01', 'kill02'];
  for (const [i, name] of names.entries()) {
    const doc = { format: 'regstate-simulated-hive', version: 1, keys: [{ path: AGPM, values: [{ name: 'EncryptSmtp', kind: 'DWord', data: 0 }] }], ...(i === 1 ? { faults: { delayMsPerWrite: 20_000 } } : {}) };
    await writeFile(hiveOf(name), JSON.stringify(doc));
  }
  const killInventory = join(ssh.dir, 'kill-inventory.yaml');
  await writeFile(
    killInventory,
    ['version: 1', 'defaults:', '  transport: ssh', `  port: ${ssh.port}`, '  user: root', `  keyFile: ${ssh.keyFile}`, '  hostKeyChecking: strict', `  knownHostsFile: ${ssh.knownHostsFile}`, 'hosts:', ...names.map((n, i) => `  - name: ${n}\n    address: ${ssh.addresses[i]}\n    simulatedHive: ${hiveOf(n)}`), ''].join('\n'),
  );
  const stateDir = join(ssh.dir, 'kill-state');
  const common = ['--inventory', killInventory, '--powershell', pwsh, '--state-dir', stateDir];
  const apply = execa('node', [bin, 'apply', agpmConfig, ...common, '--auto-approve'], { env: { NO_COLOR: '1' }, reject: false });
  const pid = apply.pid as number;
  const hostJournals = (name: string) => readdir(hostJournalDir(stateDir, name)).catch(() => [] as string[]);
  // kill01 written and read back from its hive; kill02's journal on disk, its write batch under way.
  const written = async (name: string) => (await agpmValues(name).catch(() => ({}) as Record<string, number>)).EncryptSmtp === 1;
  // an apply that ends before then (a refused host, a broken set-up) fails the test at once, with its output
  let ended: { exitCode?: number; stdout: unknown; stderr: unknown } | undefined;
  void apply.then((result) => {
    ended = result;
  });
  await waitFor(async () => {
    if (ended) throw new Error(`the apply ended (exit ${ended.exitCode}) before it could be killed mid-write:\n${String(ended.stdout)}\n${String(ended.stderr)}`);
    return (await written('kill01')) && (await hostJournals('kill02')).length === 1;
  }, 600_000);
  const local = descendants(pid);
  apply.kill('SIGKILL');
  expect((await apply).signal).toBe('SIGKILL');
  // The local PowerShell and its ssh clients are ended as a power loss would; then every remote session ends.
  for (const p of local) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await waitFor(() => ssh.connectionPids(ssh.addresses[0] as string).length === 0, 120_000);

  const fleetJournals = (await listJournals(stateDir)).filter((f) => f.endsWith('-fleet-apply.json'));
  expect(fleetJournals).toHaveLength(1);
  const fleetJournal = fleetJournals[0] as string;
  expect(await readJson(fleetJournal)).toMatchObject({ status: 'started', hosts: expect.arrayContaining(names.map((host) => expect.objectContaining({ host }))) });
  // The newest journal is this run's: a plain rollback names both hosts.
  const plain = await runCli(['rollback', '--auto-approve', '--state-dir', stateDir]);
  expect(plain.exitCode).toBe(1);
  expect(plain.stderr).toMatch(/is the journal of an apply on 2 hosts \(kill01, kill02\): roll back one host at a time with --host NAME/);

  for (const name of names) {
    const back = await runCli(['rollback', fleetJournal, '--host', name, ...common, '--auto-approve', '--lock-timeout', '0']);
    expect({ name, exitCode: back.exitCode, stderr: back.stderr }).toEqual({ name, exitCode: 0, stderr: '' });
    expect(await agpmValues(name)).toEqual({ EncryptSmtp: 0 });
  }
}, 900_000);
