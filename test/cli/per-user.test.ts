import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { KeyRef } from '../../src/model/key-ref.js';
import { openRegFile } from '../../src/registry/reg-file/reg-file-backend.js';
import { ALICE, BOB, CAROL, usersRegText } from '../registry/users-fixture.js';
import { runCli } from './cli-harness.js';

const MAIL = 'Software\\Contoso\\Mail';
const hku = (sid: string, path = MAIL): KeyRef => ({ hive: 'HKU', path: `${sid}\\${path}`, view: 64 });

const CONFIG = `version: 1
keys:
  - path: HKCU\\${MAIL}
    users: all
    values:
      - name: EncryptSmtp
        type: REG_DWORD
        data: 1
`;

async function workspace(options: { carol?: boolean; config?: string } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'regstate-users-cli-'));
  const registry = join(dir, 'machine.reg');
  const config = join(dir, 'users.yaml');
  await writeFile(registry, usersRegText({ carol: options.carol }));
  await writeFile(config, options.config ?? CONFIG);
  return { dir, registry, config, state: ['--state-dir', join(dir, 'state')] };
}

// The values of one user's Mail key, as the .reg file on disk holds them now.
async function mailOf(registry: string, sid: string) {
  const [live] = await (await openRegFile(registry)).read([{ key: hku(sid) }]);
  return live?.exists ? Object.fromEntries(live.values.map((v) => [v.name, v.value])) : undefined;
}

describe('per-user keys through the CLI (.reg target)', () => {
  test('plan shows each user as its own target (text, Markdown, JSON); a user whose hive is not in the file is listed with the reason and the run exits 1', async () => {
    const w = await workspace();
    const text = await runCli(['plan', w.config, '--registry', w.registry]);
    expect(text.exitCode).toBe(1);
    expect(text.stdout).toContain('Per-user keys apply to 3 users (1 not reached: its hive could not be read, nothing is planned for it):\n');
    expect(text.stdout).toContain(`  ✓ ${ALICE}  unknown account\n`);
    expect(text.stdout).toContain(`  ✓ ${BOB}  unknown account\n`);
    expect(text.stdout).toContain(`  ✗ ${CAROL}  unknown account, not logged on: not reached, PROFILE_UNAVAILABLE: its hive is not in the .reg file: ProfileList lists ${CAROL}, but there is no HKU\\${CAROL}`);
    expect(text.stdout).toContain(`  ~ HKU\\${ALICE}\\${MAIL} [unknown account]\n      ~ EncryptSmtp  REG_DWORD  0 (0x00000000) → 1 (0x00000001)`);
    expect(text.stdout).toContain(`  + HKU\\${BOB}\\${MAIL} [unknown account]  # `);
    expect(text.stdout).not.toContain(`HKU\\${CAROL}\\${MAIL} [`);
    expect(text.stdout).toContain('Plan: 2 to create, 1 to update, 0 to delete.');

    const markdown = await runCli(['plan', w.config, '--registry', w.registry, '--format', 'markdown']);
    expect(markdown.exitCode).toBe(1);
    expect(markdown.stdout).toContain(`| \`${ALICE}\` | \`unknown account\` | planned |`);
    expect(markdown.stdout).toContain(`| \`${CAROL}\` | \`unknown account, not logged on\` | not reached: \`PROFILE_UNAVAILABLE: its hive is not in the .reg file`);
    expect(markdown.stdout).toContain(`### Create key \`HKU\\${BOB}\\${MAIL}\` for \`unknown account\``);

    const json = await runCli(['plan', w.config, '--registry', w.registry, '--format', 'json']);
    expect(json.exitCode).toBe(1);
    const doc = JSON.parse(json.stdout);
    expect(doc.users.map((u: { sid: string; account: null; loaded: boolean; kind: string; unavailable?: { code: string } }) => [u.sid, u.account, u.loaded, u.kind, u.unavailable?.code])).toEqual([
      [ALICE, null, true, 'user', undefined],
      [BOB, null, true, 'user', undefined],
      [CAROL, null, false, 'user', 'PROFILE_UNAVAILABLE'],
    ]);
    expect(doc.changes.map((c: { key: string }) => c.key.split('\\')[1])).toEqual([ALICE, BOB, BOB]);
  });

  test('every user reached: plan exits 0, or 2 with --detailed-exitcode; the service profile (SYSTEM) and the default profile are not taken by all', async () => {
    const w = await workspace({ carol: false });
    expect((await runCli(['plan', w.config, '--registry', w.registry])).exitCode).toBe(0);
    const detailed = await runCli(['plan', w.config, '--registry', w.registry, '--detailed-exitcode', '--format', 'json']);
    expect(detailed.exitCode).toBe(2);
    expect(JSON.parse(detailed.stdout).users.map((u: { sid: string }) => u.sid)).toEqual([ALICE, BOB]);
  });

  test('apply writes every reachable user, exits 1 for the one not reached; a second plan has nothing left for the others; rollback gives the file back byte for byte', async () => {
    const w = await workspace();
    const original = await readFile(w.registry);
    const report = join(w.dir, 'report.json');
    const apply = await runCli(['apply', w.config, '--registry', w.registry, '--auto-approve', '--report', report, ...w.state]);
    expect(apply.exitCode).toBe(1);
    expect(apply.stdout).toContain('Apply complete: 3 changes written, read back and verified.');
    const written = JSON.parse(await readFile(report, 'utf8'));
    expect(written).toMatchObject({ exitCode: 1, plan: { summary: { create: 2, update: 1 } } });
    expect(written.users.map((u: { sid: string; unavailable?: { code: string } }) => [u.sid, u.unavailable?.code])).toEqual([
      [ALICE, undefined],
      [BOB, undefined],
      [CAROL, 'PROFILE_UNAVAILABLE'],
    ]);
    expect(apply.stdout).toContain('Not reached: 1 user whose hive could not be read (listed above); nothing was written for it.');
    expect(await mailOf(w.registry, ALICE)).toEqual({ EncryptSmtp: { type: 'REG_DWORD', data: 1 }, Legacy: { type: 'REG_SZ', data: 'yes' } });
    expect(await mailOf(w.registry, BOB)).toEqual({ EncryptSmtp: { type: 'REG_DWORD', data: 1 } });
    const again = await runCli(['plan', w.config, '--registry', w.registry]);
    expect(again.stdout).toContain('No changes.');

    const rollback = await runCli(['rollback', '--registry', w.registry, '--auto-approve', ...w.state]);
    expect(rollback.exitCode).toBe(0);
    expect(await readFile(w.registry)).toEqual(original);
  });

  test('a saved plan applies exactly its users; it is refused as stale when one of their values changed since', async () => {
    const w = await workspace({ carol: false });
    const planFile = join(w.dir, 'plan.json');
    expect((await runCli(['plan', w.config, '--registry', w.registry, '--out', planFile])).exitCode).toBe(0);
    const saved = JSON.parse(await readFile(planFile, 'utf8'));
    expect(saved.users.map((u: { sid: string }) => u.sid)).toEqual([ALICE, BOB]);
    const show = await runCli(['show', planFile]);
    expect(show.stdout).toMatch(new RegExp(`^Per-user keys apply to 2 users:\n  ✓ ${ALICE}  unknown account\n  ✓ ${BOB}  unknown account\n`));
    const apply = await runCli(['apply', planFile, ...w.state]);
    expect(apply).toMatchObject({ exitCode: 0 });
    expect(apply.stdout).toContain(`~ HKU\\${ALICE}\\${MAIL} [unknown account]`);
    expect(await mailOf(w.registry, BOB)).toEqual({ EncryptSmtp: { type: 'REG_DWORD', data: 1 } });

    const w2 = await workspace({ carol: false });
    const planFile2 = join(w2.dir, 'plan.json');
    await runCli(['plan', w2.config, '--registry', w2.registry, '--out', planFile2]);
    const edited = (await readFile(w2.registry, 'utf8')).replace('"EncryptSmtp"=dword:00000000', '"EncryptSmtp"=dword:00000007');
    await writeFile(w2.registry, edited);
    const stale = await runCli(['apply', planFile2, ...w2.state]);
    expect(stale.exitCode).toBe(1);
    expect(stale.stderr).toContain(`stale plan ${planFile2}`);
    expect(stale.stderr).toContain(`HKU\\${ALICE}\\${MAIL}`);
    expect(await mailOf(w2.registry, BOB)).toBeUndefined();
  });

  test('exclusive on a per-user key deletes each user’s undeclared values, journaled and undone by rollback', async () => {
    const w = await workspace({ carol: false, config: CONFIG.replace('    users: all\n', '    users:\n      include: [S-1-5-21-*]\n    exclusive: true\n') });
    const apply = await runCli(['apply', w.config, '--registry', w.registry, '--auto-approve', ...w.state]);
    expect(apply.exitCode).toBe(0);
    expect(await mailOf(w.registry, ALICE)).toEqual({ EncryptSmtp: { type: 'REG_DWORD', data: 1 } });
    expect((await runCli(['rollback', '--registry', w.registry, '--auto-approve', ...w.state])).exitCode).toBe(0);
    expect(await mailOf(w.registry, ALICE)).toEqual({ EncryptSmtp: { type: 'REG_DWORD', data: 0 }, Legacy: { type: 'REG_SZ', data: 'yes' } });
  });

  test('status shows the concrete key of each reachable user, names the user not reached on stderr and exits 1', async () => {
    const w = await workspace();
    const status = await runCli(['status', w.config, '--registry', w.registry]);
    expect(status.exitCode).toBe(1);
    expect(status.stdout).toContain(`HKU\\${ALICE}\\${MAIL}  EncryptSmtp`);
    expect(status.stdout).toContain(`HKU\\${BOB}\\${MAIL}  EncryptSmtp`);
    expect(status.stdout).not.toContain(CAROL);
    expect(status.stderr).toContain(`regstate: error: user ${CAROL} not reached: cannot read HKU\\${CAROL}\\${MAIL}: its hive is not in the .reg file`);
    // JSON, for monitoring: the users as the plan lists them, the one not reached with why
    const json = await runCli(['status', w.config, '--registry', w.registry, '--format', 'json']);
    expect(json.exitCode).toBe(1);
    const doc = JSON.parse(json.stdout) as { users: { sid: string; unavailable?: { code: string } }[]; items: { key: string }[] };
    expect(doc.users.map((u) => [u.sid, u.unavailable?.code ?? null])).toEqual(expect.arrayContaining([[ALICE, null], [BOB, null], [CAROL, 'PROFILE_UNAVAILABLE']]));
    expect(doc.items.some((i) => i.key.includes(CAROL))).toBe(false);
  });

  test('users on a key outside HKCU is refused at its line:column, nothing read or written', async () => {
    const w = await workspace({ config: CONFIG.replace('HKCU\\', 'HKLM\\') });
    const before = await readFile(w.registry);
    const result = await runCli(['apply', w.config, '--registry', w.registry, '--auto-approve', ...w.state]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`${w.config}:4:12: keys[0].users: users applies a key under HKCU to every user profile, but this key is under HKLM`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(await readFile(w.registry)).toEqual(before);
  });
});
