import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { agpmConfig, listJournals, readJson, runCli } from '../cli/cli-harness.js';
import { regFleet } from './fleet-fixtures.js';
import { usersRegText } from '../registry/users-fixture.js';

// Each test runs the CLI several times as a real process: on a loaded machine that takes minutes.
// Someone sets EncryptSmtp to 5 on one server between review and apply.
const meddle = 'version: 1\nkeys:\n  - path: HKLM\\SOFTWARE\\Microsoft\\AGPM\n    values:\n      - name: EncryptSmtp\n        type: REG_DWORD\n        data: 5\n';

describe('fleet runs through the real CLI, each host a .reg file in --registry-dir', () => {
  test('plan: grouped by host, a summary, exit codes; JSON lists the host without a registry and why; --limit', async () => {
    const { dir, regs, inventory } = await regFleet(4);
    await writeFile(inventory, `${(await readFile(inventory, 'utf8')).replace('groups:\n', 'groups:\n  db: {}\n')}  - name: db01\n    groups: [db]\n`);
    const fleet = ['--inventory', inventory, '--registry-dir', regs];
    const text = await runCli(['plan', agpmConfig, ...fleet, '--parallel', '2'], { cwd: dir });
    expect(text.exitCode).toBe(1);
    expect(text.stdout).toContain('=== host web01 ===\nregstate will perform the following actions:');
    expect(text.stdout).toContain(`=== host db01 ===\n✗ unreachable: FILE_NOT_FOUND the registry file ${join(regs, 'db01.reg')} does not exist`);
    expect(text.stdout).toMatch(/^Fleet plan: 5 hosts: 4 drift, 1 unreachable$/m);
    expect(text.stdout).toMatch(/^web04 +1 +1 +0 +drift$/m);
    // Not a terminal: one plain progress line per host on stderr.
    const progress = text.stderr.trimEnd().split('\n');
    expect(progress.map((l) => l.replace(/^regstate: \d\/5 /, '')).sort()).toEqual(['db01: unreachable', 'web01: drift', 'web02: drift', 'web03: drift', 'web04: drift']);
    expect(progress.map((l) => l.split(' ')[1]).sort()).toEqual(['1/5', '2/5', '3/5', '4/5', '5/5']);

    const json = await runCli(['plan', agpmConfig, ...fleet, '--format', 'json'], { cwd: dir });
    const doc = JSON.parse(json.stdout);
    expect(doc.hosts.map((h: { host: string; status: string }) => `${h.host}:${h.status}`)).toEqual(['web01:drift', 'web02:drift', 'web03:drift', 'web04:drift', 'db01:unreachable']);
    expect(doc.hosts[4]).toMatchObject({ plan: null, problems: [{ code: 'FILE_NOT_FOUND', message: expect.stringContaining('db01.reg does not exist') }] });

    const limited = await runCli(['plan', agpmConfig, ...fleet, '--limit', 'odd', '--detailed-exitcode', '--format', 'markdown'], { cwd: dir });
    expect(limited.exitCode).toBe(2);
    expect(limited.stdout.match(/^## host `(.*)`$/gm)).toEqual(['## host `web01`', '## host `web03`']);
  }, 240_000);

  test('apply, then a saved plan applied only where its values still hold; rollback per host', async () => {
    const { dir, regs, inventory } = await regFleet(3);
    const fleet = ['--inventory', inventory, '--registry-dir', regs];
    const state = ['--state-dir', join(dir, 'state')];
    const planFile = join(dir, 'fleet-plan.json');
    expect((await runCli(['plan', agpmConfig, ...fleet, '--out', planFile], { cwd: dir })).exitCode).toBe(0);
    const shown = await runCli(['show', planFile], { cwd: dir });
    expect(shown.stdout).toMatch(/^Fleet plan: 3 hosts: 3 drift$/m);

    const meddleFile = join(dir, 'meddle.yaml');
    await writeFile(meddleFile, meddle);
    expect((await runCli(['apply', meddleFile, '--registry', join(regs, 'web02.reg'), '--auto-approve', ...state], { cwd: dir })).exitCode).toBe(0);
    const web02 = await readFile(join(regs, 'web02.reg'));

    const report = join(dir, 'report.json');
    const applied = await runCli(['apply', planFile, ...fleet, ...state, '--report', report], { cwd: dir });
    expect(applied.exitCode).toBe(1);
    expect(applied.stdout).toContain(`=== host web02 ===\n✗ stale: STALE_PLAN stale plan ${planFile} (host web02): HKLM\\SOFTWARE\\Microsoft\\AGPM → EncryptSmtp was REG_DWORD 0 (0x00000000) when planned, but it is now REG_DWORD 5 (0x00000005); nothing was written, plan again\n`);
    expect(applied.stdout).toMatch(/^web02 +1 +1 +0 +stale: stale plan /m);
    expect(applied.stdout).toMatch(/^Fleet apply: 3 hosts: 2 converged, 1 stale$/m);
    expect(await readFile(join(regs, 'web02.reg'))).toEqual(web02);
    const recorded = await readJson(report);
    expect(recorded.hosts.map((h: { host: string; status: string }) => `${h.host}:${h.status}`)).toEqual(['web01:converged', 'web02:stale', 'web03:converged']);
    expect(recorded).toMatchObject({ command: 'apply', exitCode: 1, target: null });
    // each planned host's entry lists the undeclared values its plan found and left in place
    expect(recorded.hosts.map((h: { undeclared?: { values: unknown[] }[] }) => h.undeclared?.[0]?.values.length)).toEqual([6, 6, 6]);

    // The fleet apply's journal is the newest: a plain rollback is refused, naming the hosts.
    const refused = await runCli(['rollback', '--auto-approve', ...state], { cwd: dir });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/is the journal of an apply on 2 hosts \(web01, web03\): roll back one host at a time with --host NAME/);
    const fleetJournal = (await listJournals(join(dir, 'state'))).find((f) => f.endsWith('-fleet-apply.json')) as string;
    const unknown = await runCli(['rollback', fleetJournal, '--host', 'web02', '--auto-approve', ...state], { cwd: dir });
    expect(unknown.stderr).toMatch(/has no journal for host web02; its hosts: web01, web03/);

    const back = await runCli(['rollback', fleetJournal, '--host', 'web03', '--auto-approve', ...state], { cwd: dir });
    expect(back.stderr).toBe('');
    expect(back.exitCode).toBe(0);
    const after = await runCli(['plan', agpmConfig, ...fleet, '--format', 'json'], { cwd: dir });
    expect(JSON.parse(after.stdout).hosts.map((h: { host: string; status: string }) => `${h.host}:${h.status}`)).toEqual(['web01:in-sync', 'web02:drift', 'web03:drift']);
  }, 240_000);

  test('usage: --parallel 0, one registry beside an inventory, a fleet plan without --inventory, a host name that cannot be a file', async () => {
    const { dir, regs, inventory } = await regFleet(2);
    const p0 = await runCli(['plan', agpmConfig, '--inventory', inventory, '--registry-dir', regs, '--parallel', '0'], { cwd: dir });
    expect(p0.exitCode).toBe(1);
    expect(p0.stderr).toMatch(/--parallel/);
    const both = await runCli(['plan', agpmConfig, '--inventory', inventory, '--registry', join(regs, 'web01.reg')], { cwd: dir });
    expect(both.stderr).toMatch(/--inventory names many hosts and --registry one registry/);
    const planFile = join(dir, 'p.json');
    await runCli(['plan', agpmConfig, '--inventory', inventory, '--registry-dir', regs, '--out', planFile], { cwd: dir });
    const single = join(dir, 'single.json');
    await runCli(['plan', agpmConfig, '--registry', join(regs, 'web01.reg'), '--out', single], { cwd: dir });
    const mixed = await runCli(['apply', single, '--inventory', inventory, '--registry-dir', regs, '--state-dir', join(dir, 'state')], { cwd: dir });
    expect(mixed.exitCode).toBe(1);
    expect(mixed.stderr).toMatch(/single\.json is a saved plan of one registry, not of a fleet: apply it without --inventory/);
    const noInventory = await runCli(['apply', planFile, '--state-dir', join(dir, 'state')], { cwd: dir });
    expect(noInventory.exitCode).toBe(1);
    expect(noInventory.stderr).toMatch(/is a fleet plan: give the inventory that reaches its hosts, --inventory FILE/);

    const evil = join(dir, 'evil.yaml');
    await writeFile(evil, 'version: 1\nhosts:\n  - name: "../../escape\\e[31m"\n');
    const refused = await runCli(['apply', agpmConfig, '--inventory', evil, '--registry-dir', regs, '--auto-approve', '--state-dir', join(dir, 'state')], { cwd: dir });
    expect(refused.exitCode).toBe(1);
    // the inventory's schema refuses the name at its place, before any file is named after it
    expect(refused.stderr).toMatch(/evil\.yaml:3:\d+: /);
    expect(refused.stderr).not.toContain('\u001b');
  }, 240_000);
});

describe('a fleet host with a user whose hive could not be read', () => {
  test('plan and apply exit 1 although every host was planned and written: that user got nothing', async () => {
    const { dir, regs, inventory } = await regFleet(2);
    // web02's .reg holds a profile (Carol's) whose hive it does not hold
    await writeFile(join(regs, 'web01.reg'), usersRegText({ carol: false }));
    await writeFile(join(regs, 'web02.reg'), usersRegText({ carol: true }));
    const config = join(dir, 'users.yaml');
    await writeFile(config, 'version: 1\nkeys:\n  - path: HKCU\\Software\\Contoso\\Mail\n    users: all\n    values:\n      - name: EncryptSmtp\n        type: REG_DWORD\n        data: 1\n');
    const fleet = ['--inventory', inventory, '--registry-dir', regs];
    const plan = await runCli(['plan', config, ...fleet, '--detailed-exitcode'], { cwd: dir });
    expect(plan.stdout).toMatch(/^Fleet plan: 2 hosts: 2 drift$/m);
    expect(plan.stdout).toContain(`not reached, PROFILE_UNAVAILABLE`);
    expect(plan.exitCode).toBe(1);
    // without that user, the same fleet plans to 2 (drift) as before
    await writeFile(join(regs, 'web02.reg'), usersRegText({ carol: false }));
    expect((await runCli(['plan', config, ...fleet, '--detailed-exitcode'], { cwd: dir })).exitCode).toBe(2);
    await writeFile(join(regs, 'web02.reg'), usersRegText({ carol: true }));
    const applied = await runCli(['apply', config, ...fleet, '--auto-approve', '--state-dir', join(dir, 'state')], { cwd: dir });
    expect(applied.stdout).toMatch(/^Fleet apply: 2 hosts: 2 converged$/m);
    expect(applied.exitCode).toBe(1);
  }, 240_000);
});
