import { existsSync } from 'node:fs';
import { cp, link, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { agpmConfig, runCli, tempWorkspace } from './cli-harness.js';
import { regFleet } from '../fleet/fleet-fixtures.js';
import { refuseOutputsInStateDir } from '../../src/cli/check-output-paths.js';

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

  test("--report naming one of regstate's own journals or reports (by its path or a link) is refused; a report file of the user's own in the state directory is written again", async () => {
    const { dir, snapshot, config } = await workspace();
    const state = join(dir, 'state');
    const run = (report: string) => runCli(['apply', config, '--registry', snapshot, '--auto-approve', '--state-dir', state, '--report', report]);
    const mine = join(state, 'last-run.json');
    expect((await runCli(['apply', config, '--registry', snapshot, '--auto-approve', '--state-dir', state])).exitCode).toBe(0);
    expect((await run(mine)).exitCode).toBe(0);
    const journals = (await readdir(join(state, 'journals'))).filter((n) => n.endsWith('.json'));
    expect(journals.length).toBe(1);
    const journal = join(state, 'journals', journals[0] as string);
    const journalBytes = await readFile(journal);
    await symlink(journal, join(dir, 'journal-link.json'));
    for (const report of [journal, join(dir, 'journal-link.json')]) {
      const refused = await run(report);
      expect(refused.exitCode).toBe(1);
      expect(refused.stderr).toContain(`--report ${report} is a file in regstate's state directory (${join(state, 'journals')}), which keeps the journals rollback restores from`);
      expect(refused.stderr).toContain('nothing was read or written');
      expect(await readFile(journal)).toEqual(journalBytes);
    }
    const reports = await readdir(join(state, 'reports'));
    const stored = join(state, 'reports', reports[0] as string);
    expect((await run(stored)).stderr).toContain(`(${join(state, 'reports')})`);
    // The scheduled task's own report path, in the state directory but not among regstate's records, is rewritten run after run.
    expect((await run(mine)).exitCode).toBe(0);
    expect(JSON.parse(await readFile(mine, 'utf8'))).toMatchObject({ command: 'apply' });
    expect((await readdir(join(state, 'journals'))).filter((n) => n.endsWith('.json'))).toEqual(journals);
  });

  test('the state directory check: only existing files under journals and reports, whatever the path that names them', async () => {
    const { dir } = await workspace();
    const state = join(dir, 'state');
    await cp(agpmConfig, join(state, 'journals', 'j.json'));
    const check = (path: string) => () => refuseOutputsInStateDir([{ path, role: '--out' }], state, dir, 'linux');
    expect(check('state/journals/j.json')).toThrow(expect.objectContaining({ code: 'USAGE' }));
    expect(check('state/reports/../journals/./j.json')).toThrow(expect.objectContaining({ code: 'USAGE' }));
    expect(check('state/journals/new.json')).not.toThrow();
    expect(check(agpmConfig)).not.toThrow();
    // a folder named like one but elsewhere, and a state directory that does not exist yet
    await cp(agpmConfig, join(dir, 'journals-old', 'j.json'));
    expect(() => refuseOutputsInStateDir([{ path: 'journals-old/j.json', role: '--out' }], dir, dir, 'linux')).not.toThrow();
    expect(() => refuseOutputsInStateDir([{ path: 'state/journals/j.json', role: '--out' }], join(dir, 'none'), dir, 'linux')).not.toThrow();
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
