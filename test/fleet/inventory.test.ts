import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegstateError } from '../../src/errors.js';
import { loadInventory } from '../../src/fleet/inventory.js';

async function writeInventory(text: string): Promise<{ dir: string; path: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'regstate-inventory-'));
  const path = join(dir, 'inventory.yaml');
  await writeFile(path, text);
  return { dir, path };
}

async function problems(text: string): Promise<{ at: string; message: string }[]> {
  const { path } = await writeInventory(text);
  try {
    await loadInventory(path);
  } catch (error) {
    if (!(error instanceof RegstateError)) throw error;
    return error.diagnostics.map((d) => ({ at: `${d.code}@${d.source?.line}:${d.source?.column}`, message: d.message }));
  }
  throw new Error('expected loadInventory to fail');
}

const valid = `version: 1
defaults:
  transport: ssh
  user: admin
  keyFile: keys/fleet_ed25519
groups:
  agpm:
    vars:
      smtpPort: 587
      relay: mail.example
  legacy:
    description: servers still on plain SMTP
    vars:
      smtpPort: 25
      encryptSmtp: 0
hosts:
  - name: agpm01
    address: 10.0.0.5
    port: 2222
    groups: [agpm, legacy]
    vars:
      relay: mail2.example
  - name: agpm02.corp.example
    transport: winrm
    credential:
      file: creds/agpm.xml
    groups: [agpm]
  - name: lab
    transport: winrm
    user: CORP\\admin
    credential: prompt
    simulatedHive: C:\\rehearsal\\hive.json
  - name: lab2
    keyFile: ~/.ssh/other
`;

describe('loadInventory', () => {
  test('hosts with defaults, groups, variables (a later group and the host win) and paths made absolute', async () => {
    const { dir, path } = await writeInventory(valid);
    const inventory = await loadInventory(path, { home: '/home/ops' });
    expect(inventory.path).toBe(path);
    expect(inventory.groups).toEqual(['agpm', 'legacy']);
    const [a, b, c, d] = inventory.hosts;
    expect(a).toMatchObject({ name: 'agpm01', address: '10.0.0.5', transport: 'ssh', port: 2222, user: 'admin', keyFile: join(dir, 'keys/fleet_ed25519'), groups: ['agpm', 'legacy'], source: { file: path, line: 17, column: 5 } });
    expect(a?.credential).toBeUndefined();
    expect([...(a?.vars ?? [])].map(([k, v]) => [k, v.value, v.origin])).toEqual([
      ['smtpPort', 25, { kind: 'group', group: 'legacy', source: { file: path, line: 14, column: 17 } }],
      ['relay', 'mail2.example', { kind: 'host', host: 'agpm01', source: { file: path, line: 22, column: 14 } }],
      ['encryptSmtp', 0, { kind: 'group', group: 'legacy', source: { file: path, line: 15, column: 20 } }],
    ]);
    expect(b).toMatchObject({ name: 'agpm02.corp.example', address: 'agpm02.corp.example', transport: 'winrm', user: 'admin', credential: { kind: 'file', path: join(dir, 'creds/agpm.xml') } });
    expect(b?.keyFile).toBeUndefined();
    expect(c).toMatchObject({ transport: 'winrm', user: 'CORP\\admin', credential: { kind: 'prompt' }, simulatedHive: 'C:\\rehearsal\\hive.json', groups: [] });
    expect(d).toMatchObject({ transport: 'ssh', keyFile: join('/home/ops', '.ssh/other') });
  });

  test('ssh host key checking: the host, else its last group giving one, else defaults; unset is left to OpenSSH; files made absolute', async () => {
    const written = await writeInventory(
      [
        'version: 1',
        'defaults:',
        '  transport: ssh',
        '  hostKeyChecking: strict',
        '  knownHostsFile: ~/.ssh/fleet_known_hosts',
        'groups:',
        '  lab: { hostKeyChecking: accept-new, knownHostsFile: lab_known_hosts }',
        '  dmz: { hostKeyChecking: strict }',
        'hosts:',
        '  - name: plain',
        '  - name: inlab',
        '    groups: [dmz, lab]',
        '  - name: labfirst',
        '    groups: [lab, dmz]',
        '',
      ].join('\n'),
    );
    const hosts = (await loadInventory(written.path, { home: '/home/ops' })).hosts;
    expect(hosts.map((h) => [h.name, h.hostKeyChecking, h.knownHostsFile])).toEqual([
      ['plain', 'strict', '/home/ops/.ssh/fleet_known_hosts'],
      ['inlab', 'accept-new', join(written.dir, 'lab_known_hosts')],
      ['labfirst', 'strict', join(written.dir, 'lab_known_hosts')],
    ]);
    const { path: bare } = await writeInventory('version: 1\nhosts:\n  - name: a\n    transport: ssh\n');
    const [host] = (await loadInventory(bare)).hosts;
    expect(host?.hostKeyChecking).toBeUndefined();
    expect(host?.knownHostsFile).toBeUndefined();
    const [conflict] = await problems('version: 1\nhosts:\n  - name: a\n    transport: ssh\n    hostKeyChecking: off\n    knownHostsFile: kh\n');
    expect(conflict?.message).toBe('hosts[0]: hostKeyChecking is off, which checks no key, yet knownHostsFile is set (by the host, one of its groups or defaults); remove one of them');
  });

  test('a host with nothing but a name is a WinRM host at that name, as the running identity', async () => {
    const { path } = await writeInventory('version: 1\nhosts:\n  - name: srv1\n');
    const [host] = (await loadInventory(path)).hosts;
    expect(host).toEqual({ name: 'srv1', address: 'srv1', transport: 'winrm', credential: { kind: 'current' }, groups: [], vars: new Map(), source: { file: path, line: 3, column: 5 } });
  });

  // Each inventory has exactly one problem; the table says which code and where (line:column).
  test.each<[string, string, string]>([
    ['a duplicate host name (any case)', 'DUPLICATE@4:11', 'version: 1\nhosts:\n  - name: web1\n  - name: WEB1\n'],
    ['an unknown group', 'UNKNOWN_GROUP@6:19', 'version: 1\ngroups:\n  web: {}\nhosts:\n  - name: a\n    groups: [web, wbe]\n'],
    ['a port out of range', 'SCHEMA@5:11', 'version: 1\nhosts:\n  - name: a\n    transport: ssh\n    port: 70000\n'],
    ['a port that is not a number', 'SCHEMA@4:11', 'version: 1\nhosts:\n  - name: a\n    port: ssh\n'],
    ['an unknown transport', 'SCHEMA@4:16', 'version: 1\nhosts:\n  - name: a\n    transport: rdp\n'],
    ['a password', 'SCHEMA@4:5', 'version: 1\nhosts:\n  - name: a\n    password: hunter2\n'],
    ['a key file on a winrm host', 'SCHEMA@4:5', 'version: 1\nhosts:\n  - name: a\n    keyFile: k\n'],
    ['a credential on an ssh host', 'SCHEMA@5:5', 'version: 1\nhosts:\n  - name: a\n    transport: ssh\n    credential: prompt\n'],
    ['a credential in clear text', 'SCHEMA@4:17', 'version: 1\nhosts:\n  - name: a\n    credential: { user: x, password: y }\n'],
    ['a group named like a host', 'DUPLICATE@3:3', 'version: 1\ngroups:\n  web1: {}\nhosts:\n  - name: web1\n'],
    ['a duplicate group name (any case)', 'DUPLICATE@4:3', 'version: 1\ngroups:\n  web: {}\n  WEB: {}\nhosts:\n  - name: a\n'],
    ['a bad host name', 'SCHEMA@3:11', 'version: 1\nhosts:\n  - name: "web 1"\n'],
    ['a host without a name', 'SCHEMA@3:5', 'version: 1\nhosts:\n  - address: x\n'],
    ['no hosts', 'SCHEMA@2:8', 'version: 1\nhosts: []\n'],
    ['a relative simulated hive', 'SCHEMA@4:20', 'version: 1\nhosts:\n  - name: a\n    simulatedHive: hive.json\n'],
    ['an address with a space', 'SCHEMA@4:14', 'version: 1\nhosts:\n  - name: a\n    address: "a b"\n'],
    ['an address longer than a DNS name', 'SCHEMA@4:14', `version: 1\nhosts:\n  - name: a\n    address: ${'a'.repeat(254)}\n`],
    ['an address of millions of characters', 'SCHEMA@4:14', `version: 1\nhosts:\n  - name: a\n    address: ${'a'.repeat(5_000_000)}\n`],
    ['a known_hosts path of millions of characters', 'SCHEMA@5:21', `version: 1\nhosts:\n  - name: a\n    transport: ssh\n    knownHostsFile: ${'k'.repeat(5_000_000)}\n`],
    ['a bad variable name', 'SCHEMA@5:7', 'version: 1\nhosts:\n  - name: a\n    vars:\n      2x: 1\n'],
    ['a variable that cannot be exact', 'VALUE_RANGE@5:12', 'version: 1\ngroups:\n  g:\n    vars:\n      big: 99999999999999999999\nhosts:\n  - name: a\n'],
    ['a YAML syntax error', 'YAML_SYNTAX@3:1', 'version: 1\nhosts: [\n'],
    ['two documents', 'YAML_SYNTAX@3:1', 'version: 1\nhosts: []\n---\n'],
    ['an unknown host key checking', 'SCHEMA@5:22', 'version: 1\nhosts:\n  - name: a\n    transport: ssh\n    hostKeyChecking: yes\n'],
    ['host key checking on a winrm host', 'SCHEMA@4:5', 'version: 1\nhosts:\n  - name: a\n    hostKeyChecking: strict\n'],
    ['a known_hosts file on a winrm host', 'SCHEMA@4:5', 'version: 1\nhosts:\n  - name: a\n    knownHostsFile: kh\n'],
    ['a known_hosts file with a double quote', 'SCHEMA@5:21', 'version: 1\nhosts:\n  - name: a\n    transport: ssh\n    knownHostsFile: \'a"b\'\n'],
    ['checking off with a known_hosts file (from the group)', 'CONFLICT@7:5', 'version: 1\ngroups:\n  lab: { knownHostsFile: kh }\ndefaults:\n  hostKeyChecking: off\nhosts:\n  - name: a\n    transport: ssh\n    groups: [lab]\n'],
  ])('%s: %s', async (_name, expected, text) => {
    const found = await problems(text);
    expect(found.map((p) => p.at)).toEqual([expected]);
  });

  test('messages say what is wrong and where the other place is', async () => {
    const [duplicate] = await problems('version: 1\nhosts:\n  - name: web1\n  - name: WEB1\n');
    expect(duplicate?.message).toMatch(/^hosts\[1\]\.name: host name "WEB1" is already used by the host at .*inventory\.yaml:3:5 \(names compare ignoring case\)$/);
    const [unknown] = await problems('version: 1\ngroups:\n  web: {}\nhosts:\n  - name: a\n    groups: [wbe]\n');
    expect(unknown?.message).toBe('hosts[0].groups[0]: unknown group "wbe" (did you mean "web"?); groups defined: web');
    const [long] = await problems(`version: 1\nhosts:\n  - name: a\n    address: ${'a'.repeat(254)}\n`);
    expect(long?.message).toMatch(/^hosts\[0\]\.address: .*253/);
    const [port] = await problems('version: 1\nhosts:\n  - name: a\n    port: 0\n');
    expect(port?.message).toBe('hosts[0].port: must be at least 1, got the number 0');
    const [docs] = await problems('version: 1\nhosts: []\n---\n');
    expect(docs?.message).toContain('an inventory holds exactly one document');
  });

  test('every problem at once, in file order', async () => {
    const found = await problems('version: 1\nhosts:\n  - name: a\n    port: 0\n    groups: [x]\n  - name: A\n');
    expect(found.map((p) => p.at)).toEqual(['SCHEMA@4:11', 'UNKNOWN_GROUP@5:14', 'DUPLICATE@6:11']);
  });

  test('a missing file is FILE_NOT_FOUND at the file', async () => {
    await expect(loadInventory('no-such-inventory.yaml', { cwd: tmpdir() })).rejects.toMatchObject({ code: 'FILE_NOT_FOUND', source: { file: 'no-such-inventory.yaml', line: 1, column: 1 } });
  });

  test('group and host variables are Maps: names like __proto__ are refused, constructor is just a name', async () => {
    expect((await problems('version: 1\nhosts:\n  - name: a\n    vars:\n      __proto__: 1\n')).map((p) => p.at)).toEqual(['SCHEMA@5:7']);
    const { path } = await writeInventory('version: 1\nhosts:\n  - name: a\n    vars:\n      constructor: 1\n');
    const [host] = (await loadInventory(path)).hosts;
    expect(host?.vars.get('constructor')?.value).toBe(1);
    expect(host?.vars.get('toString')).toBeUndefined();
  });
});
