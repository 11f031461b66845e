import { createHash } from 'node:crypto';
import { cp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { openRegFile } from '../../src/registry/reg-file/reg-file-backend.js';
import { type HiveValue, listJournals, pwsh, readHive, readJson, repoRoot, runCli, tempWorkspace, writeHive } from './cli-harness.js';

const wineExport = join(repoRoot, 'test', 'registry', 'reg-file', 'fixtures', 'wine-export.reg');

// Updates, deletes and creates values, deletes a key with its subtree, creates a key below a new one.
const fixtureConfig = `version: 1
keys:
  - path: HKCU\\Software\\RegstateTest\\Fixture
    values:
      - name: Dword
        type: REG_DWORD
        data: 1
      - name: Binary
        ensure: absent
      - name: NewOne
        type: REG_SZ
        data: hello
  - path: HKCU\\Software\\RegstateTest\\Fixture\\Sub Key
    ensure: absent
  - path: HKCU\\Software\\RegstateTest\\Created\\Deep
    values:
      - name: V
        type: REG_DWORD
        data: 7
`;

const dwordConfig = (n: number) => `version: 1\nkeys:\n  - path: HKCU\\Software\\RegstateTest\\Fixture\n    values:\n      - name: Dword\n        type: REG_DWORD\n        data: ${n}\n`;
const qwordConfig = `version: 1\nkeys:\n  - path: HKCU\\Software\\RegstateTest\\Fixture\n    values:\n      - name: Qword\n        type: REG_QWORD\n        data: 5\n`;

// The registry below HKCU\Software\RegstateTest, value for value (order of values and subkeys aside).
async function readTree(file: string) {
  const backend = await openRegFile(file);
  const keys = await backend.read([{ key: { hive: 'HKCU', path: 'Software\\RegstateTest', view: 64 }, recursive: true }]);
  return keys.map((k) => ({ ...k, values: [...k.values].sort((a, b) => a.name.localeCompare(b.name)), subkeys: [...k.subkeys].sort() }));
}

async function wineWorkspace() {
  const { dir } = await tempWorkspace();
  const reg = join(dir, 'registry.reg');
  await cp(wineExport, reg);
  const config = join(dir, 'config.yaml');
  await writeFile(config, fixtureConfig);
  const write = async (name: string, text: string) => {
    await writeFile(join(dir, name), text);
    return join(dir, name);
  };
  return { dir, reg, config, write, state: ['--state-dir', join(dir, 'state')] };
}

describe('rollback on a .reg registry, as a real process', () => {
  test('apply then rollback gives back the exported file byte for byte; a second rollback changes nothing', async () => {
    const { reg, config, state, dir } = await wineWorkspace();
    const original = await readFile(wineExport);
    const applied = await runCli(['apply', config, '--registry', reg, '--auto-approve', ...state]);
    expect(applied).toMatchObject({ exitCode: 0, stderr: '' });
    expect(await readFile(reg)).not.toEqual(original);

    const rolled = await runCli(['rollback', '--auto-approve', '--format', 'json', ...state]);
    expect(rolled.stderr).toBe('');
    expect(rolled.exitCode).toBe(0);
    const report = JSON.parse(rolled.stdout);
    expect(report).toMatchObject({ command: 'rollback', exitCode: 0, plan: { summary: { create: 5, update: 1, delete: 2 } } });
    expect(report.changes.every((c: { outcome: string }) => c.outcome === 'applied')).toBe(true);
    expect(await readFile(reg)).toEqual(original);

    const again = await runCli(['rollback', '--auto-approve', ...state]);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/No changes/);
    expect(await readFile(reg)).toEqual(original);
    // The rollback journaled too, but the default is still the apply's journal.
    expect((await listJournals(join(dir, 'state'))).map((f) => f.replace(/.*-/, ''))).toEqual(['apply.json', 'rollback.json']);
  });

  test('a hand-edited or cut-short journal is refused at its line:column before anything is read or written', async () => {
    const { reg, config, state, dir } = await wineWorkspace();
    expect((await runCli(['apply', config, '--registry', reg, '--auto-approve', ...state])).exitCode).toBe(0);
    const applied = await readFile(reg);
    const [journal] = await listJournals(join(dir, 'state'));
    const text = await readFile(journal as string, 'utf8');
    // the image file the rollback would write back whole, pointed outside the journal's folder; a key given twice; the file cut short
    expect(text).toMatch(/"image":\{"before":\{"file":"[^"]+\.image"/);
    const edits = [
      [text.replace(/"image":\{"before":\{"file":"[^"]+"/, '"image":{"before":{"file":"../../elsewhere.image"'), /image\.before\.file: must be the name of an \.image file in the journal's folder/],
      [text.replace('"status":', '"status":"started","status":'), /the key "status" appears twice in one object/],
      [text.slice(0, Math.floor(text.length / 2)), /not valid JSON/],
    ] as const;
    for (const [edited, message] of edits) {
      await writeFile(journal as string, edited);
      const rolled = await runCli(['rollback', '--auto-approve', ...state]);
      expect(rolled.exitCode).toBe(1);
      expect(rolled.stderr).toMatch(new RegExp(`^${journal}:1:\\d+: not a usable regstate journal: `));
      expect(rolled.stderr).toMatch(message);
      expect(rolled.stderr).not.toMatch(/\n\s+at /);
      expect(await readFile(reg)).toEqual(applied);
    }
  });

  test('a file edited since the apply elsewhere is rolled back value by value: touched items restored, the other edit kept', async () => {
    const { reg, config, state, write } = await wineWorkspace();
    const original = await readTree(reg);
    expect((await runCli(['apply', config, '--registry', reg, '--auto-approve', ...state])).exitCode).toBe(0);
    const other = await write('qword.yaml', qwordConfig);
    expect((await runCli(['apply', other, '--registry', reg, '--auto-approve', '--state-dir', `${reg}.other-state`])).exitCode).toBe(0);

    const rolled = await runCli(['rollback', '--auto-approve', ...state]);
    expect(rolled).toMatchObject({ exitCode: 0, stderr: '' });
    const expected = original.map((k) =>
      k.key.path.endsWith('Fixture') ? { ...k, values: k.values.map((v) => (v.name === 'Qword' ? { name: 'Qword', value: { type: 'REG_QWORD', data: 5n } } : v)) } : k,
    );
    const now = await readTree(reg);
    // Created\Deep is gone again, and so is Created, which the apply made on the way.
    expect(now).toEqual(expected);
  });

  test('a touched value changed since the apply: refused (STALE_PLAN), nothing written, unless --force', async () => {
    const { dir, reg, config, state, write } = await wineWorkspace();
    expect((await runCli(['apply', config, '--registry', reg, '--auto-approve', ...state])).exitCode).toBe(0);
    expect((await runCli(['apply', await write('nine.yaml', dwordConfig(9)), '--registry', reg, '--auto-approve', '--state-dir', join(dir, 'elsewhere')])).exitCode).toBe(0);
    const edited = await readFile(reg);

    const report = join(dir, 'report.json');
    const refused = await runCli(['rollback', '--auto-approve', ...state, '--report', report]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/Dword changed since the apply \(now REG_DWORD 9 /);
    expect(await readJson(report)).toMatchObject({ command: 'rollback', exitCode: 1, error: { code: 'STALE_PLAN' } });
    expect(await readFile(reg)).toEqual(edited);

    const forced = await runCli(['rollback', '--auto-approve', '--force', ...state]);
    expect(forced).toMatchObject({ exitCode: 0, stderr: '' });
    const fixture = (await readTree(reg)).find((k) => k.key.path.endsWith('Fixture'));
    expect(fixture?.values.find((v) => v.name === 'Dword')?.value).toEqual({ type: 'REG_DWORD', data: 587 });
  });

  test('the default journal is the newest apply: two applies, the rollback undoes the second', async () => {
    const { reg, state, write } = await wineWorkspace();
    for (const n of [1, 2]) expect((await runCli(['apply', await write(`d${n}.yaml`, dwordConfig(n)), '--registry', reg, '--auto-approve', ...state])).exitCode).toBe(0);
    expect((await runCli(['rollback', '--auto-approve', ...state])).exitCode).toBe(0);
    const fixture = (await readTree(reg)).find((k) => k.key.path.endsWith('Fixture'));
    expect(fixture?.values.find((v) => v.name === 'Dword')?.value).toEqual({ type: 'REG_DWORD', data: 1 });
  });

  test('without a terminal and without --auto-approve, rollback plans and refuses, writing nothing', async () => {
    const { reg, config, state } = await wineWorkspace();
    expect((await runCli(['apply', config, '--registry', reg, '--auto-approve', ...state])).exitCode).toBe(0);
    const applied = await readFile(reg);
    const result = await runCli(['rollback', ...state]);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toMatch(/Plan: 5 to create, 1 to update, 2 to delete/);
    expect(result.stderr).toMatch(/--auto-approve/);
    expect(await readFile(reg)).toEqual(applied);
  });
});

describe('the journal\'s image of a .reg file (format 3: raw bytes in a file beside the journal), as a real process', () => {
  const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

  async function appliedWorkspace() {
    const ws = await wineWorkspace();
    const original = await readFile(wineExport);
    expect(await runCli(['apply', ws.config, '--registry', ws.reg, '--auto-approve', ...ws.state])).toMatchObject({ exitCode: 0, stderr: '' });
    const [journalFile] = await listJournals(join(ws.dir, 'state'));
    const imageFile = (journalFile as string).replace(/\.json$/, '.image');
    return { ...ws, original, journalFile: journalFile as string, imageFile, applied: await readFile(ws.reg) };
  }

  test('the apply writes the file\'s bytes once beside its journal, which names it with their sha256 and holds no copy', async () => {
    const { original, journalFile, imageFile } = await appliedWorkspace();
    expect(await readFile(imageFile)).toEqual(original);
    expect((await stat(imageFile)).mode & 0o777).toBe(0o600);
    const journal = await readJson(journalFile);
    expect(journal).toMatchObject({ formatVersion: 3, status: 'finished', image: { before: { file: basename(imageFile), sha256: sha256(original) } } });
    expect(journal.image.before.data).toBeUndefined();
    expect((await readFile(journalFile)).length).toBeLessThan(original.length);
  });

  test('a format 2 journal (the image inline, base64) still rolls back byte for byte', async () => {
    const { reg, state, original, journalFile, imageFile } = await appliedWorkspace();
    const journal = await readJson(journalFile);
    await writeFile(journalFile, JSON.stringify({ ...journal, formatVersion: 2, image: { ...journal.image, before: { data: original.toString('base64'), sha256: sha256(original) } } }));
    await rm(imageFile);
    const rolled = await runCli(['rollback', '--auto-approve', ...state]);
    expect(rolled).toMatchObject({ exitCode: 0, stderr: '' });
    expect(await readFile(reg)).toEqual(original);
  });

  test.each([
    ['missing', async (file: string) => rm(file), /image file .*\.image .*is missing/],
    ['altered', async (file: string) => writeFile(file, Buffer.concat([await readFile(file), Buffer.from('\r\n', 'utf16le')])), /image .*was altered since the apply/],
    ['replaced by a directory', async (file: string) => rm(file).then(() => mkdir(file)), /image file cannot be read/],
  ])('an image file %s: refused (JOURNAL, exit 1), nothing written, and the same with --force', async (_, damage, message) => {
    const { dir, reg, state, imageFile, applied } = await appliedWorkspace();
    await damage(imageFile);
    const report = join(dir, 'report.json');
    for (const extra of [[], ['--force']]) {
      const refused = await runCli(['rollback', '--auto-approve', ...extra, ...state, '--report', report]);
      expect(refused.exitCode).toBe(1);
      expect(refused.stderr).toMatch(message);
      expect(refused.stderr).toMatch(/refusing to roll back/);
      expect(refused.stderr).not.toMatch(/\n\s+at /);
      expect(await readJson(report)).toMatchObject({ command: 'rollback', exitCode: 1, error: { code: 'JOURNAL' } });
      expect(await readFile(reg)).toEqual(applied);
    }
  });

  test('an apply that died after its write, before recording the sha256 it left: rollback restores every value (value by value)', async () => {
    const { reg, state, journalFile } = await appliedWorkspace();
    const original = await readTree(wineExport);
    // the journal as such a run leaves it: written before the batch, never updated
    const { outcomes: _outcomes, ...journal } = await readJson(journalFile);
    await writeFile(journalFile, JSON.stringify({ ...journal, status: 'started', image: { before: journal.image.before } }));
    const rolled = await runCli(['rollback', '--auto-approve', ...state]);
    expect(rolled).toMatchObject({ exitCode: 0, stderr: '' });
    expect(await readTree(reg)).toEqual(original);
  });
});

describe('rollback checks whole subtrees, as a real process', () => {
  const vendorConfig = (values: string, extraKeys = '') =>
    `version: 1\nkeys:\n  - path: HKLM\\SOFTWARE\\NewVendor\\App\n    values:\n${values}${extraKeys}`;
  const value = (name: string, data: number) => `      - name: ${name}\n        type: REG_DWORD\n        data: ${data}\n`;

  test('apply A creates NewVendor\\App, apply B (another config and state dir) adds a value under it and a sibling key: rollback of A refuses naming both, --force deletes them', async () => {
    const { dir, snapshot } = await tempWorkspace();
    const a = join(dir, 'a.yaml');
    const b = join(dir, 'b.yaml');
    await writeFile(a, vendorConfig(value('FromA', 1)));
    await writeFile(b, vendorConfig(value('FromB', 2), '  - path: HKLM\\SOFTWARE\\NewVendor\\Sibling\n'));
    const stateA = ['--state-dir', join(dir, 'state-a')];
    expect(await runCli(['apply', a, '--registry', snapshot, '--auto-approve', ...stateA])).toMatchObject({ exitCode: 0, stderr: '' });
    expect(await runCli(['apply', b, '--registry', snapshot, '--auto-approve', '--state-dir', join(dir, 'state-b')])).toMatchObject({ exitCode: 0, stderr: '' });
    const withB = await readFile(snapshot);

    const report = join(dir, 'report.json');
    const refused = await runCli(['rollback', '--auto-approve', ...stateA, '--report', report]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/HKLM\\SOFTWARE\\NewVendor\\App → FromB \(now REG_DWORD 2 .*\) was written since the apply under HKLM\\SOFTWARE\\NewVendor, which the apply created/);
    expect(refused.stderr).toMatch(/key HKLM\\SOFTWARE\\NewVendor\\Sibling is not in the journal/);
    expect(refused.stderr).toMatch(/--force/);
    expect(await readJson(report)).toMatchObject({ exitCode: 1, error: { code: 'STALE_PLAN' } });
    expect(await readFile(snapshot)).toEqual(withB);

    // The rollback plan names the config line that created the key, not the journal.
    const forced = await runCli(['rollback', '--auto-approve', '--force', ...stateA]);
    expect(forced).toMatchObject({ exitCode: 0, stderr: '' });
    expect(forced.stdout).toContain(`${a}:3`);
    expect((await readFile(snapshot, 'utf8')).toLowerCase()).not.toContain('newvendor');
  });
});

describe('rollback on PowerShell with a simulated hive, as a real process', () => {
  const agpm = 'HKLM\\SOFTWARE\\Microsoft\\AGPM';
  const hiveKeys: { path: string; values: HiveValue[] }[] = [
    { path: agpm, values: [{ name: 'EncryptSmtp', kind: 'DWord', data: 0 }, { name: 'Legacy', kind: 'String', data: 'old' }] },
    { path: `${agpm}\\Old`, values: [{ name: 'Bin', kind: 'Binary', data: '00ff10' }, { name: 'Multi', kind: 'MultiString', data: ['a', 'b'] }] },
    { path: `${agpm}\\Old\\Deeper`, values: [{ name: 'Q', kind: 'QWord', data: '-1' }, { name: 'X', kind: 'ExpandString', data: '%TEMP%\\x' }] },
  ];
  const config = `version: 1
keys:
  - path: ${agpm}
    values:
      - name: EncryptSmtp
        type: REG_DWORD
        data: 1
      - name: SmtpPort
        type: REG_DWORD
        data: 587
      - name: Legacy
        ensure: absent
  - path: ${agpm}\\Old
    ensure: absent
  - path: ${agpm}\\New\\Inner
    values:
      - name: Flag
        type: REG_DWORD
        data: 1
`;

  test('apply then rollback restores every value, the deleted subtree, and removes the created key; twice changes nothing', async () => {
    const { dir } = await tempWorkspace();
    const hive = join(dir, 'hive.json');
    await writeHive(hive, hiveKeys);
    const original = await readHive(hive);
    const configFile = join(dir, 'config.yaml');
    await writeFile(configFile, config);
    const ps = ['--powershell', pwsh, '--state-dir', join(dir, 'state')];

    expect(await runCli(['apply', configFile, '--simulated-hive', hive, '--auto-approve', ...ps])).toMatchObject({ exitCode: 0, stderr: '' });
    const applied = await readHive(hive);
    expect(applied[`${agpm}\\Old`]).toBeUndefined();
    expect(applied[`${agpm}\\New\\Inner`]).toEqual({ Flag: { kind: 'DWord', data: 1 } });

    // The journal names its target: rollback needs no --simulated-hive.
    const rolled = await runCli(['rollback', '--auto-approve', ...ps]);
    expect(rolled).toMatchObject({ exitCode: 0, stderr: '' });
    expect(await readHive(hive)).toEqual(original);
    const again = await runCli(['rollback', '--auto-approve', ...ps]);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/No changes/);
    expect(await readHive(hive)).toEqual(original);
  }, 120_000);
});
