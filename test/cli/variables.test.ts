import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { agpmConfig, agpmSnapshot, repoRoot, runCli, tempWorkspace } from './cli-harness.js';

const inventory = join(repoRoot, 'configs', 'examples', 'agpm-inventory.yaml');

describe('--var and --var-file', () => {
  test('plan: --var sets a value over the config default, --var-file too, and --var wins over --var-file', async () => {
    const { dir } = await tempWorkspace();
    await writeFile(join(dir, 'site.yaml'), 'smtpPort: 2525\nencryptSmtp: 0\n');
    const byVar = await runCli(['plan', agpmConfig, '--registry', agpmSnapshot, '--var', 'smtpPort=25', '--var', 'encryptSmtp=0']);
    expect(byVar).toMatchObject({ exitCode: 0, stderr: '' });
    expect(byVar.stdout).toMatch(/\+ SmtpPort +REG_DWORD +25 \(0x00000019\)/);
    expect(byVar.stdout).toContain('Plan: 1 to create, 0 to update, 0 to delete. 1 unchanged.');
    const fromFile = await runCli(['plan', agpmConfig, '--registry', agpmSnapshot, '--var-file', 'site.yaml', '--format', 'json'], { cwd: dir });
    expect(fromFile.exitCode).toBe(0);
    expect(JSON.parse(fromFile.stdout).changes.map((c: { name: string; after: unknown }) => [c.name, c.after])).toEqual([['SmtpPort', { type: 'REG_DWORD', data: 2525 }]]);
    const both = await runCli(['plan', agpmConfig, '--registry', agpmSnapshot, '--var-file', 'site.yaml', '--var', 'smtpPort=26', '--format', 'json'], { cwd: dir });
    expect(JSON.parse(both.stdout).changes.map((c: { after: { data: number } }) => c.after.data)).toEqual([26]);
  });

  test('a --var value that does not fit fails like a literal, at the use site, naming the option', async () => {
    const result = await runCli(['validate', agpmConfig, '--var', 'smtpPort=smtp'], { cwd: repoRoot });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      [
        'configs/agpm-email-security.yaml:24:15: keys[0].values[1].data: REG_DWORD data must be an integer 0..4294967295 or a 0x hex string, got the string "smtp" (${smtpPort} = "smtp" from --var smtpPort=smtp)',
        '   24 |         data: ${smtpPort}',
        '      |               ^',
      ].join('\n').replace('configs/agpm-email-security.yaml', agpmConfig),
    );
  });

  test('validate --format json lists the errors as data', async () => {
    const result = await runCli(['validate', agpmConfig, '--var', 'smtpPort=-1', '--format', 'json']);
    expect(result.exitCode).toBe(1);
    expect(JSON.parse(result.stdout)).toMatchObject({ valid: false, errors: [{ code: 'VALUE_RANGE', line: 24, column: 15, message: expect.stringContaining('from --var smtpPort=-1') }] });
  });

  test('a --var-file with problems: every one at its FILE:LINE:COLUMN, exit 1, nothing planned', async () => {
    const { dir } = await tempWorkspace();
    await writeFile(join(dir, 'bad.yaml'), 'smtpPort: 25\nsmtp-port: 26\nrelay:\n  host: x\n');
    const result = await runCli(['plan', agpmConfig, '--registry', 'snapshot.reg', '--var-file', 'bad.yaml'], { cwd: dir });
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n').filter((l) => /^bad\.yaml:/.test(l))).toEqual([
      'bad.yaml:2:1: "smtp-port" is not a variable name: a letter, then letters, digits or _',
      "bad.yaml:4:3: relay: a variable's value must be a string, a number or true/false, got a mapping",
    ]);
  });

  test('usage errors: a --var without =, --var with a saved plan', async () => {
    const noEquals = await runCli(['validate', agpmConfig, '--var', 'smtpPort']);
    expect(noEquals).toMatchObject({ exitCode: 1, stderr: 'regstate: error: --var "smtpPort": write --var name=value' });
    const { dir, snapshot } = await tempWorkspace();
    expect((await runCli(['plan', agpmConfig, '--registry', snapshot, '--out', 'plan.json'], { cwd: dir })).exitCode).toBe(0);
    const withPlan = await runCli(['apply', 'plan.json', '--var', 'smtpPort=25', '--auto-approve', '--state-dir', 'state'], { cwd: dir });
    expect(withPlan.exitCode).toBe(1);
    expect(withPlan.stderr).toContain('--var and --var-file set variables of configs; the plan plan.json already holds the values it applies');
  });

  test('a --var no config uses is a warning, with the likely name', async () => {
    const result = await runCli(['plan', agpmConfig, '--registry', agpmSnapshot, '--var', 'smtpport=25', '--var', 'other=1']);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('regstate: warning: --var smtpport is not used by any config (did you mean smtpPort?)\nregstate: warning: --var other is not used by any config');
    expect(result.stdout).toContain('587 (0x0000024b)');
  });

  test('a config variable without any value is an error at validate time', async () => {
    const { dir } = await tempWorkspace();
    await writeFile(join(dir, 'c.yaml'), 'version: 1\nkeys:\n  - path: HKLM\\SOFTWARE\\${app}\n');
    const result = await runCli(['validate', 'c.yaml'], { cwd: dir });
    expect(result.exitCode).toBe(1);
    expect(result.stderr.split('\n')[0]).toBe(
      'c.yaml:3:11: keys[0].path: variable ${app} is not defined: give it a default under vars:, or a value with --var app=VALUE, --var-file, or inventory group or host vars',
    );
    expect((await runCli(['validate', 'c.yaml', '--var', 'app=AGPM'], { cwd: dir })).exitCode).toBe(0);
  });
});

describe('validate --inventory', () => {
  test('validates the configs for every selected host', async () => {
    const all = await runCli(['validate', 'configs/agpm-email-security.yaml', '--inventory', 'configs/examples/agpm-inventory.yaml']);
    expect(all).toMatchObject({ exitCode: 0, stderr: '' });
    expect(all.stdout.split('\n')[0]).toBe('configs/agpm-email-security.yaml: valid for 5 hosts of configs/examples/agpm-inventory.yaml');
    const limited = await runCli(['validate', agpmConfig, '--inventory', inventory, '--limit', 'legacy-relay,agpm01', '--format', 'json']);
    expect(limited.exitCode).toBe(0);
    expect(JSON.parse(limited.stdout)).toMatchObject({ valid: true, hosts: [{ name: 'agpm01', keys: 1, values: 2 }, { name: 'agpm-old1', keys: 1, values: 2 }] });
  });

  test('a host whose variables do not fit: the error names the host, the use site and the inventory line', async () => {
    const { dir } = await tempWorkspace();
    await writeFile(join(dir, 'inv.yaml'), 'version: 1\nhosts:\n  - name: good\n  - name: bad\n    vars:\n      smtpPort: 70000000000\n  - name: other\n    vars:\n      encryptSmtp: "yes"\n');
    const result = await runCli(['validate', agpmConfig, '--inventory', 'inv.yaml'], { cwd: dir });
    expect(result.exitCode).toBe(1);
    const first = result.stderr.split('\n').filter((l) => l.startsWith('/'));
    expect(first).toEqual([
      `${agpmConfig}:19:15: host other: keys[0].values[0].data: REG_DWORD data must be an integer 0..4294967295 or a 0x hex string, got the string "yes" (\${encryptSmtp} = "yes" from host other's vars at inv.yaml:9:20)`,
      `${agpmConfig}:24:15: host bad: keys[0].values[1].data: REG_DWORD data 70000000000 is out of range 0..4294967295 (0xFFFFFFFF) (\${smtpPort} = 70000000000 from host bad's vars at inv.yaml:6:17)`,
    ]);
  });

  test('--var wins over inventory variables for every host', async () => {
    const result = await runCli(['validate', agpmConfig, '--inventory', inventory, '--var', 'smtpPort=x']);
    expect(result.exitCode).toBe(1);
    // one problem, the same for every host: reported once, naming the hosts
    expect(result.stderr.split('\n')[0]).toMatch(/^.*:24:15: hosts agpm01, agpm02, agpm-eu1, agpm-old1, agpm-lab: keys\[0\]\.values\[1\]\.data: .*from --var smtpPort=x\)$/);
  });

  test('an inventory with problems: each at its FILE:LINE:COLUMN with the source line, exit 1', async () => {
    const { dir } = await tempWorkspace();
    await writeFile(join(dir, 'inv.yaml'), 'version: 1\nhosts:\n  - name: a\n    port: 0\n    groups: [web]\n  - name: A\n');
    const result = await runCli(['validate', agpmConfig, '--inventory', 'inv.yaml'], { cwd: dir });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(
      [
        'inv.yaml:4:11: hosts[0].port: must be at least 1, got the number 0',
        '    4 |     port: 0',
        '      |           ^',
        'inv.yaml:5:14: hosts[0].groups[0]: unknown group "web"; the inventory defines no groups (under groups:)',
        '    5 |     groups: [web]',
        '      |              ^',
        'inv.yaml:6:11: hosts[1].name: host name "A" is already used by the host at inv.yaml:3:5 (names compare ignoring case)',
        '    6 |   - name: A',
        '      |           ^',
      ].join('\n'),
    );
  });

  test('--limit: an unknown name, and --limit without --inventory', async () => {
    const unknown = await runCli(['validate', agpmConfig, '--inventory', inventory, '--limit', 'agpm02,legacy']);
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr).toBe(`regstate: error: --limit: no host or group named "legacy" in the inventory ${inventory}`);
    const alone = await runCli(['validate', agpmConfig, '--limit', 'agpm01']);
    expect(alone).toMatchObject({ exitCode: 1, stderr: 'regstate: error: --limit selects hosts of an inventory: give --inventory FILE too' });
  });
});

test('regstate schema --inventory prints the inventory schema as shipped', async () => {
  const result = await runCli(['schema', '--inventory']);
  expect(result.exitCode).toBe(0);
  expect(`${result.stdout}\n`).toBe(await readFile(join(repoRoot, 'configs', 'regstate-inventory.schema.json'), 'utf8'));
});
