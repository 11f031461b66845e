import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { agpmConfig, agpmSnapshot, runCli, tempWorkspace } from './cli-harness.js';

// Argument parsing through the real CLI (npm run build first, as for the other CLI tests).
const ERROR_LINE = /^regstate: error: /;

describe("Terraform's single-dash spellings", () => {
  test('plan CFG -out PLAN.json saves PLAN.json (not a file named "ut"), with -detailed-exitcode and -no-color', async () => {
    const { dir, snapshot } = await tempWorkspace();
    const result = await runCli(['plan', agpmConfig, '-registry', snapshot, '-out', 'PLAN.json', '-detailed-exitcode', '-no-color'], { cwd: dir });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(2);
    expect((await readdir(dir)).sort()).toEqual(['PLAN.json', 'snapshot.reg']);
    expect(JSON.parse(await readFile(join(dir, 'PLAN.json'), 'utf8'))).toMatchObject({ kind: 'regstate-plan' });
  });

  test('-flag=value and --flag=value, long and short', async () => {
    const { dir, snapshot } = await tempWorkspace();
    const result = await runCli(['plan', agpmConfig, `-registry=${snapshot}`, '-out=a.json', '-f=json'], { cwd: dir });
    expect(result).toMatchObject({ exitCode: 0, stderr: '' });
    expect(JSON.parse(result.stdout)).toMatchObject({ summary: { create: 1, update: 1 } });
    const long = await runCli(['plan', agpmConfig, `--registry=${snapshot}`, '--out=b.json', '--format=markdown'], { cwd: dir });
    expect(long).toMatchObject({ exitCode: 0, stderr: '' });
    expect((await readdir(dir)).sort()).toEqual(['a.json', 'b.json', 'snapshot.reg']);
  });

  test('apply takes -auto-approve, -max-changes=N and -state-dir DIR: every long option, not a hand list', async () => {
    const { dir, snapshot } = await tempWorkspace();
    const refused = await runCli(['apply', agpmConfig, '-registry', snapshot, '-auto-approve', '-max-changes=1', '-state-dir', 'state'], { cwd: dir });
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/^regstate: error: .*2 changes.*1/);
    expect(await readFile(snapshot)).toEqual(await readFile(agpmSnapshot));
    expect((await readdir(dir)).sort()).toEqual(['snapshot.reg', 'state']);
  });

  test('an unknown single-dash word is an error with a suggestion, never bundled short flags', async () => {
    const { dir, snapshot } = await tempWorkspace();
    const typo = await runCli(['plan', agpmConfig, '--registry', snapshot, '-outt', 'x.json'], { cwd: dir });
    expect(typo.exitCode).toBe(1);
    expect(typo.stderr).toBe("regstate: error: unknown option '-outt' (did you mean --out?); run regstate plan --help for usage");
    const bundled = await runCli(['plan', agpmConfig, '--registry', snapshot, '-vf', 'json'], { cwd: dir });
    expect(bundled.exitCode).toBe(1);
    expect(bundled.stderr).toMatch(/^regstate: error: unknown option '-vf'/);
    expect((await readdir(dir)).sort()).toEqual(['snapshot.reg']);
  });
});

describe('every error starts with regstate: error: or FILE:LINE:COLUMN:', () => {
  test.each([
    [['plan', agpmConfig, '--formt', 'json'], /^regstate: error: unknown option '--formt' \(did you mean --format\?\); run regstate plan --help for usage$/],
    [['plan'], /^regstate: error: missing required argument 'config'/],
    [['plan', agpmConfig, '-f', 'xml'], /^regstate: error: option '-f, --format <format>' argument 'xml' is invalid/],
    [['frobnicate'], /^regstate: error: unknown command 'frobnicate'/],
  ])('commander usage error %j', async (args, expected) => {
    const result = await runCli(args);
    expect(result.exitCode).toBe(1);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr.trimEnd()).toMatch(expected);
  });

  test('file system errors name the path, with no EISDIR/ENOENT text', async () => {
    const { dir, snapshot } = await tempWorkspace();
    await mkdir(join(dir, 'adir'));
    const cases = [
      ['plan', agpmConfig, '--registry', 'adir'],
      ['plan', agpmConfig, '--registry', snapshot, '-o', 'adir'],
      ['show', 'adir'],
      ['show', 'missing.json'],
      ['import', 'adir'],
      ['import', agpmSnapshot, '-o', join('no', 'such', 'dir.yaml')],
      ['rollback', 'missing.json'],
      ['apply', agpmConfig, '--registry', snapshot, '--auto-approve', '--report', 'adir', '--state-dir', 'state'],
      ['apply', agpmConfig, '--registry', snapshot, '--auto-approve', '--state-dir', 'afile'],
    ];
    await writeFile(join(dir, 'afile'), '');
    for (const args of cases) {
      const result = await runCli(args, { cwd: dir });
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toMatch(ERROR_LINE);
      expect(result.stderr).toMatch(/adir|missing\.json|dir\.yaml|afile/);
      expect(result.stderr).not.toMatch(/E[A-Z]{3,}|internal error|\.tmp/);
    }
  });
});

describe('a saved plan given where configs go', () => {
  test.each(['plan', 'validate'])('%s PLAN.json: says it is a saved plan, use show or apply (exit 1)', async (command) => {
    const { dir, snapshot } = await tempWorkspace();
    expect(await runCli(['plan', agpmConfig, '--registry', snapshot, '--out', 'p.json'], { cwd: dir })).toMatchObject({ exitCode: 0 });
    const result = await runCli([command, 'p.json', ...(command === 'plan' ? ['--registry', snapshot] : [])], { cwd: dir });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe('regstate: error: p.json is a saved plan, not a desired-state file: read it with `regstate show p.json`, apply it with `regstate apply p.json`');
  });
});

describe('a config given where a saved plan goes', () => {
  test('show CONFIG.yaml: says it is a desired-state file, use plan (exit 1)', async () => {
    const result = await runCli(['show', agpmConfig]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe(`regstate: error: ${agpmConfig} is a desired-state file, not a saved plan: \`regstate plan ${agpmConfig}\` shows what it would change (\`--out PLAN.json\` saves that plan for show and apply)`);
  });
});

describe('a config or a saved plan given where a journal goes', () => {
  test('rollback CONFIG.yaml and rollback PLAN.json: say what the file is (exit 1, nothing written)', async () => {
    const { dir, snapshot } = await tempWorkspace();
    const before = await readFile(snapshot);
    expect(await runCli(['plan', agpmConfig, '--registry', snapshot, '--out', 'p.json'], { cwd: dir })).toMatchObject({ exitCode: 0 });
    const config = await runCli(['rollback', agpmConfig, '--state-dir', 'state', '--auto-approve'], { cwd: dir });
    expect(config.exitCode).toBe(1);
    expect(config.stderr).toContain(`${agpmConfig} is a desired-state file, not a journal: rollback undoes an apply from the journal it wrote`);
    const plan = await runCli(['rollback', 'p.json', '--state-dir', 'state', '--auto-approve'], { cwd: dir });
    expect(plan.exitCode).toBe(1);
    expect(plan.stderr).toMatch(/p\.json is a saved plan, not a journal: `regstate apply .*p\.json` applies it/);
    expect(await readFile(snapshot)).toEqual(before);
  });
});

describe('a .reg file given where configs go', () => {
  test.each(['plan', 'apply', 'validate', 'status'])('%s FILE.reg: says it is a .reg file, use import or --registry (exit 1, nothing written)', async (command) => {
    const { dir, snapshot } = await tempWorkspace();
    const before = await readFile(snapshot);
    const target = command === 'validate' ? [] : ['--registry', snapshot];
    const result = await runCli([command, 'snapshot.reg', ...target, ...(command === 'apply' ? ['--auto-approve', '--state-dir', 'state'] : [])], { cwd: dir });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('regstate: error: snapshot.reg is a .reg file (a registry export), not a desired-state file: `regstate import snapshot.reg -o FILE.yaml` turns it into one, and `--registry snapshot.reg` uses it as the registry');
    expect(await readFile(snapshot)).toEqual(before);
  });
});

describe('--out refuses to replace a file without --force', () => {
  test.each([
    ['import', [agpmSnapshot]],
    ['export', [agpmConfig, '--format', 'reg']],
  ])('%s -o EXISTING: exit 1, file untouched; --force replaces it', async (command, args) => {
    const { dir } = await tempWorkspace();
    const out = join(dir, 'existing.out');
    await writeFile(out, 'keep me\n');
    const refused = await runCli([command, ...args, '-o', out]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/^regstate: error: .*existing\.out already exists; nothing was written/);
    expect(await readFile(out, 'utf8')).toBe('keep me\n');
    expect((await readdir(dir)).sort()).toEqual(['existing.out', 'snapshot.reg']);
    const forced = await runCli([command, ...args, '-o', out, '--force']);
    expect(forced).toMatchObject({ exitCode: 0, stderr: '' });
    expect(await readFile(out, 'utf8')).not.toBe('keep me\n');
  });
});

describe('numeric options are checked whatever the backend', () => {
  test.each([
    ['plan', ['--timeout', 'abc']],
    ['plan', ['--timeout', '0']],
    ['apply', ['--lock-timeout', 'soon', '--auto-approve']],
    ['apply', ['--max-changes', '1.5', '--auto-approve']],
  ])('%s %j with --registry: exit 1 naming the option, nothing written', async (command, extra) => {
    const { dir, snapshot } = await tempWorkspace();
    const state = command === 'apply' ? ['--state-dir', 'state'] : [];
    const result = await runCli([command, agpmConfig, '--registry', snapshot, ...state, ...extra], { cwd: dir });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`^regstate: error: option '${extra[0]} <[a-z]+>' argument '${extra[1]}' is invalid`));
    expect(await readFile(snapshot)).toEqual(await readFile(agpmSnapshot));
    expect((await readdir(dir)).sort()).toEqual(['snapshot.reg']);
  });
});
