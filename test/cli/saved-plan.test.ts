import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { agpmConfig, pwsh, readHive, readJson, runCli, tempWorkspace, writeHive } from './cli-harness.js';

// Someone changes the server between review and apply: EncryptSmtp to 5, SmtpPort created as 25.
const meddle = 'version: 1\nkeys:\n  - path: HKLM\\SOFTWARE\\Microsoft\\AGPM\n    values:\n      - name: EncryptSmtp\n        type: REG_DWORD\n        data: 5\n      - name: SmtpPort\n        type: REG_DWORD\n        data: 25\n';

describe('saved plans on a .reg registry, as a real process', () => {
  test('plan --out, show in every format, then apply PLAN.json applies exactly it and records the configs', async () => {
    const { dir, snapshot } = await tempWorkspace();
    const planFile = join(dir, 'plan.json');
    const planned = await runCli(['plan', agpmConfig, '--registry', snapshot, '--out', planFile]);
    expect(planned.exitCode).toBe(0);
    expect(planned.stdout).toContain(`regstate apply ${planFile}`);

    const saved = await readJson(planFile);
    expect(saved).toMatchObject({ kind: 'regstate-plan', target: { backend: 'regfile', file: snapshot }, summary: { create: 1, update: 1, delete: 0 } });
    expect(saved.configs).toEqual([{ path: agpmConfig, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
    expect(saved.changes.map((c: any) => [c.action, c.name, c.before])).toEqual([
      ['update', 'EncryptSmtp', { type: 'REG_DWORD', data: 0 }],
      ['create', 'SmtpPort', null],
    ]);

    const markdown = await runCli(['show', planFile, '--format', 'markdown']);
    expect(markdown.exitCode).toBe(0);
    expect(markdown.stdout.split('\n')[0]).toBe(`## regstate plan for \`regfile:${snapshot}\``);
    expect(markdown.stdout).toMatch(/^\| update \| `EncryptSmtp` \| REG_DWORD \| `0 \(0x00000000\)` \| `1 \(0x00000001\)` \|/m);
    expect(markdown.stdout).toMatch(/^\| create \| `SmtpPort` \| REG_DWORD \| — \| `587 \(0x0000024b\)` \|/m);
    const json = await runCli(['show', planFile, '--format', 'json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ kind: 'regstate-plan', changes: saved.changes, target: saved.target });
    const text = await runCli(['show', planFile]);
    expect(text.stdout).toMatch(/~ EncryptSmtp +REG_DWORD +0 \(0x00000000\) → 1 \(0x00000001\)/);

    const report = join(dir, 'report.json');
    const applied = await runCli(['apply', planFile, '--state-dir', join(dir, 'state'), '--report', report]);
    expect(applied.stderr).toBe('');
    expect(applied.exitCode).toBe(0);
    expect(await readJson(report)).toMatchObject({ command: 'apply', exitCode: 0, configs: saved.configs, changes: [{ outcome: 'applied' }, { outcome: 'applied' }] });
    expect((await runCli(['plan', agpmConfig, '--registry', snapshot, '--detailed-exitcode'])).exitCode).toBe(0);
  });

  test('a value changed since the plan: refused whole, every stale value named with what it is now, nothing written', async () => {
    const { dir, snapshot } = await tempWorkspace();
    const planFile = join(dir, 'plan.json');
    expect((await runCli(['plan', agpmConfig, '--registry', snapshot, '--out', planFile])).exitCode).toBe(0);
    await writeFile(join(dir, 'meddle.yaml'), meddle);
    expect((await runCli(['apply', join(dir, 'meddle.yaml'), '--registry', snapshot, '--auto-approve', '--state-dir', join(dir, 'other')])).exitCode).toBe(0);
    const before = await readFile(snapshot);

    const report = join(dir, 'report.json');
    const result = await runCli(['apply', planFile, '--state-dir', join(dir, 'state'), '--report', report]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/EncryptSmtp was REG_DWORD 0 \(0x00000000\) when planned, but it is now REG_DWORD 5 \(0x00000005\)/);
    expect(result.stderr).toMatch(/SmtpPort was absent when planned, but it is now REG_DWORD 25 \(0x00000019\)/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(await readFile(snapshot)).toEqual(before);
    expect(await readJson(report)).toMatchObject({ exitCode: 1, error: { code: 'STALE_PLAN' } });
  });

  test('a hand-edited plan with contradictory changes or a hive-root write is refused before any write, at its line and column', async () => {
    const { dir, snapshot } = await tempWorkspace();
    const planFile = join(dir, 'plan.json');
    expect((await runCli(['plan', agpmConfig, '--registry', snapshot, '--out', planFile])).exitCode).toBe(0);
    const doc = await readJson(planFile);
    doc.changes.push({ ...doc.changes[0], action: 'delete', after: null }, { ...doc.changes[1], key: 'HKLM' });
    await writeFile(planFile, JSON.stringify(doc, null, 2));
    const bytes = await readFile(snapshot);
    const report = join(dir, 'report.json');
    const result = await runCli(['apply', planFile, '--state-dir', join(dir, 'state'), '--report', report]);
    expect(result.exitCode).toBe(1);
    const lines = JSON.stringify(doc, null, 2).split('\n');
    const keyLine = lines.findIndex((l) => l.includes('"key": "HKLM"')) + 1;
    expect(result.stderr).toMatch(new RegExp(`^${planFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: changes\\[2\\]: delete of value "EncryptSmtp" .* contradicts changes\\[0\\]`, 'm'));
    expect(result.stderr).toContain(`${planFile}:${keyLine}:14: changes[3].key: key path "HKLM" is a hive root`);
    expect(await readJson(report)).toMatchObject({ exitCode: 1, error: { code: 'CONFLICT' } });
    expect(await readFile(snapshot)).toEqual(bytes);
  });

  test('a plan for another target is refused (WRONG_TARGET), nothing written anywhere', async () => {
    const { dir, snapshot } = await tempWorkspace();
    const other = join(dir, 'other.reg');
    await cp(snapshot, other);
    const planFile = join(dir, 'plan.json');
    expect((await runCli(['plan', agpmConfig, '--registry', snapshot, '--out', planFile])).exitCode).toBe(0);
    const bytes = await readFile(snapshot);
    for (const elsewhere of [['--registry', other], ['--simulated-hive', join(dir, 'hive.json')]]) {
      const report = join(dir, 'report.json');
      const result = await runCli(['apply', planFile, ...elsewhere, '--state-dir', join(dir, 'state'), '--report', report]);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toContain(snapshot);
      expect(await readJson(report)).toMatchObject({ exitCode: 1, error: { code: 'WRONG_TARGET' } });
    }
    expect(await readFile(snapshot)).toEqual(bytes);
    expect(await readFile(other)).toEqual(bytes);
  });
});

describe('a saved delete-key is checked against the whole subtree it saw, as a real process', () => {
  const server = 'HKLM\\SOFTWARE\\Microsoft\\AGPM\\Server';
  const deleteServer = `version: 1\nkeys:\n  - path: ${server}\n    ensure: absent\n`;
  const addUnder = `version: 1\nkeys:\n  - path: ${server}\n    values:\n      - name: Added\n        type: REG_DWORD\n        data: 1\n  - path: ${server}\\Extra\n`;
  const retype = `version: 1\nkeys:\n  - path: ${server}\n    values:\n      - name: ServiceAccount\n        type: REG_SZ\n        data: CONTOSO\\\\other\n`;

  test('a value or subkey added, or a value changed, since the plan: refused as stale with what the key holds now; a hand-edited delete of HKLM\\SOFTWARE "(0 values, 0 subkeys)" likewise', async () => {
    const { dir, snapshot } = await tempWorkspace();
    const write = async (name: string, text: string) => {
      await writeFile(join(dir, name), text);
      return join(dir, name);
    };
    const planFile = join(dir, 'plan.json');
    expect((await runCli(['plan', await write('delete.yaml', deleteServer), '--registry', snapshot, '--out', planFile])).exitCode).toBe(0);
    expect(await readJson(planFile)).toMatchObject({ changes: [{ action: 'delete-key', contents: { values: 2, subkeys: 0 } }] });
    const pristine = await readFile(snapshot);
    const state = ['--state-dir', join(dir, 'state')];
    const meddle = async (config: string) => {
      await writeFile(snapshot, pristine);
      expect((await runCli(['apply', await write('meddle.yaml', config), '--registry', snapshot, '--auto-approve', '--state-dir', join(dir, 'other')])).exitCode).toBe(0);
      return readFile(snapshot);
    };

    const added = await meddle(addUnder);
    const report = join(dir, 'report.json');
    const grown = await runCli(['apply', planFile, ...state, '--report', report]);
    expect(grown.exitCode).toBe(1);
    expect(grown.stderr).toContain(`stale plan ${planFile}: ${server} was present (2 values, 0 subkeys) when planned, but it holds 3 values, 1 subkey; nothing was written`);
    expect(await readJson(report)).toMatchObject({ exitCode: 1, error: { code: 'STALE_PLAN' } });
    expect(await readFile(snapshot)).toEqual(added);

    const changed = await meddle(retype);
    const same = await runCli(['apply', planFile, ...state]);
    expect(same.exitCode).toBe(1);
    expect(same.stderr).toContain(`${server} was present (2 values, 0 subkeys) when planned, but its values or subkeys changed`);
    expect(await readFile(snapshot)).toEqual(changed);

    await writeFile(snapshot, pristine);
    const doc = await readJson(planFile);
    Object.assign(doc.changes[0], { key: 'HKLM\\SOFTWARE', contents: { values: 0, subkeys: 0 }, subtree: [{ path: '', values: [] }] });
    await writeFile(planFile, JSON.stringify(doc));
    const software = await runCli(['apply', planFile, ...state]);
    expect(software.exitCode).toBe(1);
    expect(software.stderr).toMatch(/HKLM\\SOFTWARE was present \(0 values, 0 subkeys\) when planned, but it holds \d+ values, [1-9]\d* subkeys/);
    expect(await readFile(snapshot)).toEqual(pristine);
  });
});

describe('saved plans on PowerShell with a simulated hive, as a real process', () => {
  const agpm = (encrypt: number) => [{ path: 'HKLM\\SOFTWARE\\Microsoft\\AGPM', values: [{ name: 'EncryptSmtp', kind: 'DWord', data: encrypt }] }];

  test('another hive is refused, a changed hive is refused with the stale value named, the unchanged hive takes the plan', async () => {
    const { dir } = await tempWorkspace();
    const hive = join(dir, 'hive.json');
    const other = join(dir, 'other.json');
    await writeHive(hive, agpm(0));
    await writeHive(other, agpm(0));
    const planFile = join(dir, 'plan.json');
    const ps = ['--powershell', pwsh];
    expect((await runCli(['plan', agpmConfig, '--simulated-hive', hive, '--out', planFile, ...ps])).exitCode).toBe(0);
    expect(await readJson(planFile)).toMatchObject({ target: { backend: 'powershell', simulatedHive: hive } });
    const state = ['--state-dir', join(dir, 'state')];
    const report = join(dir, 'report.json');

    const wrong = await runCli(['apply', planFile, '--simulated-hive', other, ...state, ...ps, '--report', report]);
    expect(wrong.exitCode).toBe(1);
    expect(await readJson(report)).toMatchObject({ error: { code: 'WRONG_TARGET' } });

    await writeHive(hive, agpm(7));
    const changed = await readFile(hive);
    const stale = await runCli(['apply', planFile, ...state, ...ps, '--report', report]);
    expect(stale.exitCode).toBe(1);
    expect(stale.stderr).toMatch(/EncryptSmtp was REG_DWORD 0 \(0x00000000\) when planned, but it is now REG_DWORD 7 \(0x00000007\)/);
    expect(await readFile(hive)).toEqual(changed);
    expect(await readJson(report)).toMatchObject({ error: { code: 'STALE_PLAN' } });

    await writeHive(hive, agpm(0));
    const applied = await runCli(['apply', planFile, ...state, ...ps]);
    expect(applied).toMatchObject({ exitCode: 0, stderr: '' });
    expect((await readHive(hive))['HKLM\\SOFTWARE\\Microsoft\\AGPM']).toEqual({ EncryptSmtp: { kind: 'DWord', data: 1 }, SmtpPort: { kind: 'DWord', data: 587 } });
    expect((await readHive(other))['HKLM\\SOFTWARE\\Microsoft\\AGPM']).toEqual({ EncryptSmtp: { kind: 'DWord', data: 0 } });
  }, 180_000); // five runs, each starting PowerShell
});
