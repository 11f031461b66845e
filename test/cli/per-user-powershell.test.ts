import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pwsh, readHive, readJson, runCli, tempWorkspace } from './cli-harness.js';

// Per-user keys end to end through the CLI and a real PowerShell on the simulated hive: ProfileList,
// a logged-on user (HKU\<SID> in the hive file), a user not logged on (NTUSER.DAT in the profile
// folder, loaded for the request and written back) and a user whose NTUSER.DAT is missing.
const PROFILE_LIST = 'HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList';
const ALICE = 'S-1-5-21-7-8-9-1001';
const BOB = 'S-1-5-21-7-8-9-1002';
const CAROL = 'S-1-5-21-7-8-9-1003';
const MAIL = 'Software\\Contoso\\Mail';

const CONFIG = `version: 1
keys:
  - path: HKCU\\${MAIL}
    users:
      include: ['*']
      exclude: ['CONTOSO\\carol']
    values:
      - name: EncryptSmtp
        type: REG_DWORD
        data: 1
  - path: HKCU\\Software\\Contoso\\Sync
    users: all
    values:
      - name: Enabled
        type: REG_DWORD
        data: 1
`;

const hiveDoc = (keys: unknown[], extra: Record<string, unknown> = {}) => JSON.stringify({ format: 'regstate-simulated-hive', version: 1, keys, ...extra }, null, 2);

async function workspace() {
  const { dir } = await tempWorkspace();
  const hive = join(dir, 'machine.json');
  const users = join(dir, 'users');
  const profile = (name: string) => join(users, name);
  for (const name of ['alice', 'bob', 'carol']) await mkdir(profile(name), { recursive: true });
  const entry = (sid: string, name: string) => ({ path: `${PROFILE_LIST}\\${sid}`, values: [{ name: 'ProfileImagePath', kind: 'ExpandString', data: profile(name) }] });
  await writeFile(
    hive,
    hiveDoc(
      [
        { path: PROFILE_LIST, values: [] },
        entry(ALICE, 'alice'),
        entry(BOB, 'bob'),
        entry(CAROL, 'carol'),
        { path: `HKU\\${ALICE}\\${MAIL}`, values: [{ name: 'EncryptSmtp', kind: 'DWord', data: 0 }] },
      ],
      { accounts: { [ALICE]: 'CONTOSO\\alice', [BOB]: 'CONTOSO\\bob', [CAROL]: 'CONTOSO\\carol' } },
    ),
  );
  // Bob is not logged on: his hive is his NTUSER.DAT, a simulated hive file rooted at his user key.
  const bobHive = join(profile('bob'), 'NTUSER.DAT');
  await writeFile(bobHive, hiveDoc([{ path: MAIL, values: [{ name: 'EncryptSmtp', kind: 'DWord', data: 0 }] }]));
  const config = join(dir, 'users.yaml');
  await writeFile(config, CONFIG);
  return { dir, hive, bobHive, config, args: ['--simulated-hive', hive, '--powershell', pwsh], state: ['--state-dir', join(dir, 'state')] };
}

describe('per-user keys through the CLI on a real PowerShell (simulated hive)', () => {
  test('plan names each user; apply writes the logged-on user in place and the other one through his NTUSER.DAT; carol, not reached, exits 1; rollback undoes both', async () => {
    const w = await workspace();
    const plan = await runCli(['plan', w.config, ...w.args, '--format', 'json'], { timeoutMs: 180_000 });
    expect(plan.stderr).toBe('');
    // carol is excluded from the Mail key by name, but Sync takes every user: her missing NTUSER.DAT is not reached.
    expect(plan.exitCode).toBe(1);
    const doc = JSON.parse(plan.stdout);
    const users = doc.users.map((u: { sid: string; account: string | null; loaded: boolean; unavailable?: { code: string } }) => [u.sid, u.account, u.loaded, u.unavailable?.code]);
    expect(users).toEqual([
      [ALICE, 'CONTOSO\\alice', true, undefined],
      [BOB, 'CONTOSO\\bob', false, undefined],
      [CAROL, 'CONTOSO\\carol', false, 'PROFILE_UNAVAILABLE'],
    ]);
    expect(doc.changes.map((c: { key: string; name: string | null }) => `${c.key}:${c.name}`).sort()).toEqual(
      [
        `HKU\\${ALICE}\\${MAIL}:EncryptSmtp`,
        `HKU\\${ALICE}\\Software\\Contoso\\Sync:null`,
        `HKU\\${ALICE}\\Software\\Contoso\\Sync:Enabled`,
        `HKU\\${BOB}\\${MAIL}:EncryptSmtp`,
        `HKU\\${BOB}\\Software\\Contoso\\Sync:null`,
        `HKU\\${BOB}\\Software\\Contoso\\Sync:Enabled`,
      ].sort(),
    );

    const machineBefore = await readFile(w.hive);
    const bobBefore = await readFile(w.bobHive);
    const report = join(w.dir, 'report.json');
    const apply = await runCli(['apply', w.config, ...w.args, ...w.state, '--auto-approve', '--report', report], { timeoutMs: 180_000 });
    expect(apply.exitCode).toBe(1);
    expect(apply.stdout).toContain('Not reached: 1 user');
    // Read back from the files themselves: alice in the machine's hive, bob in his NTUSER.DAT; no temporary key left under HKU.
    const machine = await readHive(w.hive);
    expect(machine[`HKU\\${ALICE}\\${MAIL}`]).toEqual({ EncryptSmtp: { kind: 'DWord', data: 1 } });
    expect(machine[`HKU\\${ALICE}\\Software\\Contoso\\Sync`]).toEqual({ Enabled: { kind: 'DWord', data: 1 } });
    expect(Object.keys(machine).filter((k) => /^HKU\\regstate-/i.test(k))).toEqual([]);
    expect(Object.keys(machine).filter((k) => k.startsWith(`HKU\\${BOB}`) || k.startsWith(`HKU\\${CAROL}`))).toEqual([]);
    const bob = await readHive(w.bobHive).catch(async () => (await readJson<{ keys: { path: string; values: { name: string; kind: unknown; data: unknown }[] }[] }>(w.bobHive)).keys);
    expect(JSON.stringify(bob)).toContain('"Enabled"');
    const bobDoc = await readJson<{ keys: { path: string; values: { name: string; kind: unknown; data: unknown }[] }[] }>(w.bobHive);
    const bobKey = (path: string) => bobDoc.keys.find((k) => k.path.toLowerCase() === path.toLowerCase())?.values;
    expect(bobKey(MAIL)).toEqual([{ name: 'EncryptSmtp', kind: 'DWord', data: 1 }]);
    expect(bobKey('Software\\Contoso\\Sync')).toEqual([{ name: 'Enabled', kind: 'DWord', data: 1 }]);
    expect((await readJson(report)).users.find((u: { sid: string }) => u.sid === CAROL).unavailable.code).toBe('PROFILE_UNAVAILABLE');

    // A second plan has nothing left for alice and bob.
    const again = await runCli(['plan', w.config, ...w.args, '--format', 'json'], { timeoutMs: 180_000 });
    expect(JSON.parse(again.stdout).changes).toEqual([]);

    const rollback = await runCli(['rollback', ...w.args, ...w.state, '--auto-approve'], { timeoutMs: 180_000 });
    expect(rollback.stderr).toBe('');
    expect(rollback.exitCode).toBe(0);
    expect(await readHive(w.hive)).toEqual(await readHiveText(machineBefore));
    const bobAfter = await readJson<{ keys: { path: string; values: unknown[] }[] }>(w.bobHive);
    const bobOriginal = JSON.parse(bobBefore.toString('utf8')) as { keys: { path: string; values: unknown[] }[] };
    expect(bobAfter.keys.find((k) => k.path.toLowerCase() === MAIL.toLowerCase())?.values).toEqual(bobOriginal.keys[0]?.values);
    expect(bobAfter.keys.some((k) => /Sync/i.test(k.path))).toBe(false);
  }, 600_000);
});

// readHive of a hive file's earlier bytes.
async function readHiveText(bytes: Buffer) {
  const { dir } = await tempWorkspace();
  const file = join(dir, 'before.json');
  await writeFile(file, bytes);
  return readHive(file);
}
