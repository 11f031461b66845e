import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { agpmConfig, agpmSnapshot, runCli, tempWorkspace } from './cli-harness.js';

// regstate status through the real CLI (npm run build first, as for the other CLI tests).
describe('regstate status', () => {
  test('drift: a table of every declared value; exit 0, or 2 with --detailed-exitcode; nothing written', async () => {
    const { dir, snapshot } = await tempWorkspace();
    const plain = await runCli(['status', agpmConfig, '--registry', snapshot], { cwd: dir });
    expect(plain).toMatchObject({ exitCode: 0, stderr: '' });
    expect(plain.stdout.split('\n').map((l) => l.trimEnd())).toEqual([
      '  KEY                           VALUE        CURRENT                   DESIRED                     STATE',
      '  HKLM\\SOFTWARE\\Microsoft\\AGPM  EncryptSmtp  REG_DWORD 0 (0x00000000)  REG_DWORD 1 (0x00000001)    drift',
      '  HKLM\\SOFTWARE\\Microsoft\\AGPM  SmtpPort     absent                    REG_DWORD 587 (0x0000024b)  drift',
      '',
      'Not in the desired state: 2 of 2 items differ.',
    ]);
    const detailed = await runCli(['status', agpmConfig, '--registry', snapshot, '-detailed-exitcode', '--format', 'json'], { cwd: dir });
    expect(detailed.exitCode).toBe(2);
    const json = JSON.parse(detailed.stdout);
    expect(json).toMatchObject({ formatVersion: 1, inDesiredState: false, summary: { items: 2, inDesiredState: 0, notInDesiredState: 2 }, target: { backend: 'regfile' } });
    expect(await readFile(snapshot)).toEqual(await readFile(agpmSnapshot));
    expect(json.items[0]).toMatchObject({ name: 'EncryptSmtp', current: { type: 'REG_DWORD', data: 0 }, desired: { type: 'REG_DWORD', data: 1 }, inDesiredState: false });
  });

  test('in the desired state: an imported snapshot against itself exits 0 with --detailed-exitcode', async () => {
    const { dir, snapshot } = await tempWorkspace();
    expect(await runCli(['import', agpmSnapshot, '-o', join(dir, 'x.yaml')])).toMatchObject({ exitCode: 0 });
    const result = await runCli(['status', 'x.yaml', '--registry', snapshot, '--detailed-exitcode'], { cwd: dir });
    expect(result).toMatchObject({ exitCode: 0, stderr: '' });
    expect(result.stdout).toMatch(/\nIn the desired state: 12 items\.\n?$/);
    expect(result.stdout).not.toMatch(/drift/);
  });

  test('an error exits 1 with a regstate: error: line', async () => {
    const result = await runCli(['status', 'missing.yaml', '--registry', agpmSnapshot, '--detailed-exitcode']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^missing\.yaml:1:1: file not found/);
  });
});
