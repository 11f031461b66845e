import { existsSync } from 'node:fs';
import { cp, link, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { agpmConfig, runCli, tempWorkspace } from './cli-harness.js';
import { regFleet } from '../fleet/fleet-fixtures.js';

// An output file that is one of the run's inputs would replace it: a config, a saved plan, the
// registry file itself. Each is refused before anything is read or written, whatever path names it.
describe('an output file that is also an input of the run (real CLI)', () => {
  async function workspace() {
    const { dir, snapshot } = await tempWorkspace();
    const config = join(dir, 'agpm.yaml');
    await cp(agpmConfig, config);
    return { dir, snapshot, config, configBytes: await readFile(config), snapshotBytes: await readFile(snapshot) };
  }

  test('plan --out naming the config, by the same name, a symbolic link or a hard link: exit 1, the config as it was', async () => {
    const { dir, snapshot, config, configBytes } = await workspace();
    await symlink(config, join(dir, 'link.yaml'));
    await link(config, join(dir, 'hard.yaml'));
    for (const out of ['agpm.yaml', './agpm.yaml', 'link.yaml', 'hard.yaml']) {
      const result = await runCli(['plan', 'agpm.yaml', '--registry', snapshot, '--out', out], { cwd: dir });
      expect(result.exitCode).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^regstate: error: --out .* is also a file named on the command line.*nothing was read or written/);
      expect(result.stderr.startsWith(`regstate: error: --out ${out} is also`)).toBe(true);
      expect(await readFile(config)).toEqual(configBytes);
    }
  });

  test('plan --out and apply --report naming the --registry file: exit 1, the registry file as it was, no journal, no report', async () => {
    const { dir, snapshot, config, snapshotBytes } = await workspace();
    const plan = await runCli(['plan', config, '--registry', snapshot, '--out', snapshot]);
    expect(plan.exitCode).toBe(1);
    expect(plan.stderr).toContain(`is also the --registry file`);
    const state = join(dir, 'state');
    const apply = await runCli(['apply', config, '--registry', snapshot, '--auto-approve', '--state-dir', state, '--report', snapshot]);
    expect(apply.exitCode).toBe(1);
    expect(apply.stderr).toContain(`--report ${snapshot} is also the --registry file`);
    expect(await readFile(snapshot)).toEqual(snapshotBytes);
    expect(existsSync(state)).toBe(false);
  });

  test('apply of a saved plan with --report naming the plan, import and export with --out naming their input (even with --force)', async () => {
    const { dir, snapshot, config, configBytes, snapshotBytes } = await workspace();
    const saved = join(dir, 'agpm.plan.json');
    expect((await runCli(['plan', config, '--registry', snapshot, '--out', saved])).exitCode).toBe(0);
    const planBytes = await readFile(saved);
    const apply = await runCli(['apply', saved, '--auto-approve', '--state-dir', join(dir, 'state'), '--report', saved]);
    expect(apply.exitCode).toBe(1);
    expect(await readFile(saved)).toEqual(planBytes);
    expect(await readFile(snapshot)).toEqual(snapshotBytes);

    const imported = await runCli(['import', snapshot, '--out', snapshot, '--force']);
    expect(imported.exitCode).toBe(1);
    expect(await readFile(snapshot)).toEqual(snapshotBytes);
    const exported = await runCli(['export', config, '--format', 'reg', '--out', config, '--force']);
    expect(exported.exitCode).toBe(1);
    expect(await readFile(config)).toEqual(configBytes);
  });

  test('a --var-file named as --out is refused too; an output elsewhere is written as before', async () => {
    const { dir, snapshot, config, configBytes } = await workspace();
    const vars = join(dir, 'vars.yaml');
    await cp(config, vars);
    const refused = await runCli(['plan', config, '--registry', snapshot, '--var-file', vars, '--out', vars]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('is also a --var-file');
    expect(await readFile(vars)).toEqual(configBytes);
    const saved = await runCli(['plan', config, '--registry', snapshot, '--out', join(dir, 'elsewhere.json')]);
    expect(saved.exitCode).toBe(0);
    expect(JSON.parse(await readFile(join(dir, 'elsewhere.json'), 'utf8')).kind).toBe('regstate-plan');
  });

  test("fleet runs: --out or --report naming a host's .reg file in --registry-dir, or a host's key file, is refused", async () => {
    const { dir, regs, inventory } = await regFleet(2);
    const web01 = join(regs, 'web01.reg');
    const before = await readFile(web01);
    const fleet = ['--inventory', inventory, '--registry-dir', regs];
    const plan = await runCli(['plan', agpmConfig, ...fleet, '--out', web01], { cwd: dir });
    expect(plan.exitCode).toBe(1);
    expect(plan.stderr).toContain(`--out ${web01} is also the .reg file of host web01 in --registry-dir`);
    const apply = await runCli(['apply', agpmConfig, ...fleet, '--auto-approve', '--state-dir', join(dir, 'state'), '--report', web01], { cwd: dir });
    expect(apply.exitCode).toBe(1);
    expect(apply.stderr).toContain(`--report ${web01} is also the .reg file of host web01 in --registry-dir`);
    expect(await readFile(web01)).toEqual(before);
    expect(await readFile(join(regs, 'web02.reg'))).toEqual(before);

    // an ssh host's key file, named relative to the inventory
    const key = join(dir, 'id_ed25519');
    await writeFile(key, 'a private key\n');
    await writeFile(inventory, `${await readFile(inventory, 'utf8')}  - name: ssh01\n    transport: ssh\n    keyFile: id_ed25519\n`);
    const keyed = await runCli(['plan', agpmConfig, ...fleet, '--limit', 'web01', '--out', key], { cwd: dir });
    expect(keyed.exitCode).toBe(1);
    expect(keyed.stderr).toContain(`--out ${key} is also the keyFile of host ssh01`);
    expect(await readFile(key, 'utf8')).toBe('a private key\n');
  }, 240_000);
});
