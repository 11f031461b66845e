import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { agpmConfig, pwsh, runCli } from '../cli/cli-harness.js';
import { type SshFleet, startSshFleet } from './ssh-fleet.js';

// Host key checking against real sshd: each host is checked by its own inventory settings, and a
// host whose key cannot be verified is refused alone while every other host is planned.
const AGPM = 'HKLM\\SOFTWARE\\Microsoft\\AGPM';

let ssh: SshFleet;

beforeAll(async () => {
  ssh = await startSshFleet({ hosts: 4 });
}, 300_000);

afterAll(async () => {
  await ssh?.close();
}, 60_000);

test('strict refuses a host missing from known_hosts (HOST_AUTH_FAILED) and plans the others; accept-new records a new host; unset is OpenSSH\'s default', async () => {
  const [trusted, unknown, fresh, defaulted] = ssh.addresses as [string, string, string, string];
  // A known_hosts that lists every host but `unknown`, and an empty one for accept-new to fill.
  const partial = join(ssh.dir, 'partial known_hosts %h');
  await writeFile(partial, `${ssh.knownHostsLine(trusted)}\n${ssh.knownHostsLine(fresh)}\n${ssh.knownHostsLine(defaulted)}\n`);
  const empty = join(ssh.dir, 'new_known_hosts');
  await writeFile(empty, '');
  const names = ['trusted', 'unknown', 'fresh', 'defaulted'];
  for (const name of names) {
    const doc = { format: 'regstate-simulated-hive', version: 1, keys: [{ path: AGPM, values: [{ name: 'EncryptSmtp', kind: 'DWord', data: 0 }] }] };
    await writeFile(join(ssh.dir, `${name}.hive.json`), JSON.stringify(doc));
  }
  const inventory = join(ssh.dir, 'inventory.yaml');
  await writeFile(
    inventory,
    [
      'version: 1',
      'defaults:',
      '  transport: ssh',
      `  port: ${ssh.port}`,
      '  user: root',
      `  keyFile: ${ssh.keyFile}`,
      'groups:',
      `  checked: { hostKeyChecking: strict, knownHostsFile: "${partial}" }`,
      'hosts:',
      `  - { name: trusted, address: ${trusted}, groups: [checked], simulatedHive: ${join(ssh.dir, 'trusted.hive.json')} }`,
      `  - { name: unknown, address: ${unknown}, groups: [checked], simulatedHive: ${join(ssh.dir, 'unknown.hive.json')} }`,
      `  - { name: fresh, address: ${fresh}, hostKeyChecking: accept-new, knownHostsFile: ${empty}, simulatedHive: ${join(ssh.dir, 'fresh.hive.json')} }`,
      // no setting: OpenSSH's own (root's ~/.ssh/known_hosts, which does not list this fleet's key), and it never prompts
      `  - { name: defaulted, address: ${defaulted}, simulatedHive: ${join(ssh.dir, 'defaulted.hive.json')} }`,
      '',
    ].join('\n'),
  );
  const planned = await runCli(['plan', agpmConfig, '--inventory', inventory, '--format', 'json'], { env: { REGSTATE_POWERSHELL: pwsh }, timeoutMs: 600_000 });
  expect(planned.stderr).not.toMatch(/error/);
  const doc = JSON.parse(planned.stdout) as { hosts: { host: string; status: string; plan: unknown; problems?: { code: string; message: string }[] }[] };
  const byHost = new Map(doc.hosts.map((h) => [h.host, h]));
  expect(names.map((n) => `${n}:${byHost.get(n)?.status}`)).toEqual(['trusted:drift', 'unknown:unreachable', 'fresh:drift', 'defaulted:unreachable']);
  expect(byHost.get('unknown')?.problems?.[0]).toEqual({ code: 'HOST_AUTH_FAILED', message: `No ED25519 host key is known for [${unknown}]:${ssh.port} and you have requested strict checking.` });
  // OpenSSH's default asks about a new host; with nothing to answer, ssh refuses it. Its only words,
  // "Host key verification failed.", name no host; the one host that failed without a line of its own
  // gets them (the strict host's ssh says them too, after the line that names it).
  expect(byHost.get('defaulted')).toMatchObject({ status: 'unreachable', plan: null, problems: [{ code: 'HOST_AUTH_FAILED', message: 'Host key verification failed.' }] });
  expect(planned.exitCode).toBe(1);
  // accept-new wrote the host it saw first into its own file, and nothing into the strict one
  // (the name may be hashed, as Debian's ssh_config asks: ssh-keygen -F finds it either way)
  const recorded = await execa('ssh-keygen', ['-F', `[${fresh}]:${ssh.port}`, '-f', empty], { reject: false });
  expect(recorded.stdout).toContain(ssh.knownHostsLine(fresh).split(' ').slice(1).join(' '));
  expect(await readFile(partial, 'utf8')).not.toContain(`[${unknown}]`);
}, 900_000);
