import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { agpmConfig, runCli, tempWorkspace } from './cli-harness.js';

describe('regstate plan and apply on a .reg registry, as a real process', () => {
  test('the AGPM plan against the shipped snapshot shows exactly EncryptSmtp 0 → 1 and SmtpPort created as 587', async () => {
    const { snapshot } = await tempWorkspace();
    const result = await runCli(['plan', agpmConfig, '--registry', snapshot, '--format', 'json']);
    expect(result).toMatchObject({ exitCode: 0, stderr: '' });
    const plan = JSON.parse(result.stdout);
    // the snapshot's AGPM key holds values no config declares: listed, so format 3
    expect(plan.formatVersion).toBe(3);
    expect(plan.changes.map((c: Record<string, unknown>) => [c.action, c.key, c.name, c.before, c.after])).toEqual([
      ['update', 'HKLM\\SOFTWARE\\Microsoft\\AGPM', 'EncryptSmtp', { type: 'REG_DWORD', data: 0 }, { type: 'REG_DWORD', data: 1 }],
      ['create', 'HKLM\\SOFTWARE\\Microsoft\\AGPM', 'SmtpPort', null, { type: 'REG_DWORD', data: 587 }],
    ]);
    expect(plan.summary).toEqual({ create: 1, update: 1, delete: 0, unchanged: 0 });
  });

  test('--detailed-exitcode: 2 with drift; apply converges; then 0', async () => {
    const { dir, snapshot } = await tempWorkspace();
    const before = await readFile(snapshot);
    expect((await runCli(['plan', agpmConfig, '--registry', snapshot, '--detailed-exitcode'])).exitCode).toBe(2);
    expect(await readFile(snapshot)).toEqual(before);

    const apply = await runCli(['apply', agpmConfig, '--registry', snapshot, '--auto-approve', '--state-dir', join(dir, 'state')]);
    expect(apply.stderr).toBe('');
    expect(apply.exitCode).toBe(0);
    expect(apply.stdout).toMatch(/Apply complete: 2 changes written, read back and verified/);

    const again = await runCli(['plan', agpmConfig, '--registry', snapshot, '--detailed-exitcode']);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/No changes/);
  });

  test('text plan: terraform-like, DWORD in decimal and hex, file:line of each change, no colour with NO_COLOR', async () => {
    const { snapshot } = await tempWorkspace();
    const result = await runCli(['plan', agpmConfig, '--registry', snapshot]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('587 (0x0000024b)');
    expect(result.stdout).toMatch(/agpm-email-security\.yaml:\d+/);
    expect(result.stdout).not.toMatch(/\u001b\[/);
  });

  test('markdown plan renders a table', async () => {
    const { snapshot } = await tempWorkspace();
    const result = await runCli(['plan', agpmConfig, '--registry', snapshot, '--format', 'markdown']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^\|.*EncryptSmtp.*\|$/m);
  });

  test('apply without a terminal and without --auto-approve refuses and writes nothing', async () => {
    const { dir, snapshot } = await tempWorkspace();
    const before = await readFile(snapshot);
    const result = await runCli(['apply', agpmConfig, '--registry', snapshot, '--state-dir', join(dir, 'state')]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/--auto-approve/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(await readFile(snapshot)).toEqual(before);
  });

  test('an invalid config: FILE:LINE:COLUMN errors, exit 1, no stack trace, nothing written', async () => {
    const { dir, snapshot } = await tempWorkspace();
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'version: 1\nkeys:\n  - path: HKXX\\SOFTWARE\\X\n    values:\n      - name: A\n        type: REG_DWORD\n        data: 4294967296\n');
    const before = await readFile(snapshot);
    for (const args of [['validate', bad], ['plan', bad, '--registry', snapshot], ['apply', bad, '--registry', snapshot, '--auto-approve', '--state-dir', join(dir, 'state')]]) {
      const result = await runCli(args);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toMatch(/bad\.yaml:3:\d+: /);
      expect(result.stderr).toMatch(/bad\.yaml:7:\d+: /);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
    expect(await readFile(snapshot)).toEqual(before);
  });

  test('validate, schema, --help and --version', async () => {
    expect(await runCli(['validate', agpmConfig])).toMatchObject({ exitCode: 0 });
    const schema = await runCli(['schema']);
    expect(schema.exitCode).toBe(0);
    expect(JSON.parse(schema.stdout)).toHaveProperty('properties.keys');
    const help = await runCli(['--help']);
    expect(help.exitCode).toBe(0);
    for (const command of ['validate', 'plan', 'apply', 'rollback', 'show', 'schema', 'import', 'export']) expect(help.stdout).toContain(command);
    expect((await runCli(['--version'])).stdout.trim()).toBe(`regstate ${JSON.parse(await readFile('package.json', 'utf8')).version} (Node.js ${process.versions.node}, ${process.platform}-${process.arch})`);
    expect((await runCli(['frobnicate'])).exitCode).toBe(1);
  });
});

describe('regstate on a .reg path that does not exist', () => {
  test('plan refuses it (exit 1, naming it); with --create-registry it is an empty registry where every value is created', async () => {
    const { dir } = await tempWorkspace();
    const missing = join(dir, 'typo.reg');
    const refused = await runCli(['plan', agpmConfig, '--registry', missing, '--format', 'json']);
    expect(refused).toMatchObject({ exitCode: 1, stdout: '' });
    expect(refused.stderr).toMatch(/^regstate: error: the registry file .*typo\.reg does not exist/);
    const result = await runCli(['plan', agpmConfig, '--registry', missing, '--create-registry', '--format', 'json']);
    expect(result).toMatchObject({ exitCode: 0, stderr: '' });
    expect(JSON.parse(result.stdout).summary).toEqual({ create: 3, update: 0, delete: 0, unchanged: 0 });
  });
});
