import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openRegFile } from '../../src/registry/reg-file/reg-file-backend.js';
import { type HiveValue, agpmConfig, pwsh, readHive, readJson, runCli, tempWorkspace, writeHive } from './cli-harness.js';

const AGPM = 'HKLM\\SOFTWARE\\Microsoft\\AGPM';

// Keeps EncryptSmtp (set to 1) and Port; every other value and the subkey Server go.
const exclusiveConfig = (extra = '') => `version: 1
keys:
  - path: ${AGPM}
    exclusive: subkeys${extra}
    values:
      - name: EncryptSmtp
        type: REG_DWORD
        data: 1
      - name: Port
        type: REG_DWORD
        data: 4600
`;

// The AGPM subtree of a .reg file, value for value (order aside).
async function readAgpm(file: string) {
  const backend = await openRegFile(file);
  const keys = await backend.read([{ key: { hive: 'HKLM', path: 'SOFTWARE\\Microsoft\\AGPM', view: 64 }, recursive: true }]);
  return keys.map((k) => ({ ...k, values: [...k.values].sort((a, b) => a.name.localeCompare(b.name)), subkeys: [...k.subkeys].sort() }));
}

// Appends a section to a UTF-16 .reg file, as another tool editing it would.
async function appendToReg(file: string, text: string): Promise<void> {
  const bytes = await readFile(file);
  await writeFile(file, Buffer.concat([bytes, Buffer.from(text.replace(/\n/g, '\r\n'), 'utf16le')]));
}

async function workspace(config = exclusiveConfig()) {
  const { dir, snapshot } = await tempWorkspace();
  const file = join(dir, 'exclusive.yaml');
  await writeFile(file, config);
  return { dir, snapshot, config: file, state: ['--state-dir', join(dir, 'state')] };
}

describe('undeclared values in plans (.reg target)', () => {
  test('are listed but are not changes: a config in the desired state plans no changes and exits 0 with --detailed-exitcode', async () => {
    const { dir, snapshot } = await workspace();
    const config = join(dir, 'in-state.yaml');
    await writeFile(config, `version: 1\nkeys:\n  - path: ${AGPM}\n    values:\n      - { name: EncryptSmtp, type: REG_DWORD, data: 0 }\n`);
    const result = await runCli(['plan', config, '--registry', snapshot, '--detailed-exitcode']);
    expect(result).toMatchObject({ exitCode: 0, stderr: '' });
    expect(result.stdout).toMatch(/^No changes\. .*\n\nUndeclared values \(\?\)/);
    expect(result.stdout).toContain('      ? SmtpServer      REG_SZ         "mail.contoso.com"\n');
    expect(result.stdout).toContain('6 undeclared values at 1 key;');
  });

  test('JSON and Markdown list them apart from the changes; undeclared: ignore hides them', async () => {
    const { dir, snapshot } = await workspace();
    const json = await runCli(['plan', agpmConfig, '--registry', snapshot, '--format', 'json']);
    const doc = JSON.parse(json.stdout);
    expect(doc.summary).toEqual({ create: 1, update: 1, delete: 0, unchanged: 0 });
    expect(doc.undeclared[0].values.map((v: { name: string }) => v.name)).toEqual(['ApproverEmails', 'ArchivePath', 'LogLevel', 'Port', 'SmtpFrom', 'SmtpServer']);
    const markdown = await runCli(['plan', agpmConfig, '--registry', snapshot, '--format', 'markdown']);
    expect(markdown.stdout).toContain('### Undeclared values\n\n6 undeclared values at 1 key');
    const quiet = join(dir, 'quiet.yaml');
    await writeFile(quiet, (await readFile(agpmConfig, 'utf8')).replace('  - path: HKLM\\SOFTWARE\\Microsoft\\AGPM\n', '  - path: HKLM\\SOFTWARE\\Microsoft\\AGPM\n    undeclared: ignore\n'));
    const ignored = await runCli(['plan', quiet, '--registry', snapshot]);
    expect(ignored.exitCode).toBe(0);
    expect(ignored.stdout).not.toContain('Undeclared');
  });

  test("apply's closing lines, its --format json report and its --report file list the undeclared values it left in place", async () => {
    const { dir, snapshot } = await workspace();
    const state = ['--state-dir', join(dir, 'state')];
    const names = ['ApproverEmails', 'ArchivePath', 'LogLevel', 'Port', 'SmtpFrom', 'SmtpServer'];
    const text = await runCli(['apply', agpmConfig, '--registry', snapshot, '--auto-approve', '--report', join(dir, 'text-run.json'), ...state]);
    expect(text).toMatchObject({ exitCode: 0, stderr: '' });
    expect(text.stdout).toMatch(/Apply complete: 2 changes written, read back and verified\.\nLeft in place: 6 undeclared values at 1 key \(undeclared, listed above\)\.$/);
    const recorded = await readJson(join(dir, 'text-run.json'));
    expect(recorded.undeclared).toEqual([
      expect.objectContaining({ key: AGPM, view: 64, subkeys: [], source: { file: agpmConfig, line: 14, column: 11 } }),
    ]);
    expect(recorded.undeclared[0].values.map((v: { name: string }) => v.name)).toEqual(names);
    expect(recorded.undeclared[0].values[2]).toEqual({ name: 'LogLevel', value: { type: 'REG_DWORD', data: 1 } });

    // nothing left to change: the report still says what is there undeclared
    const json = await runCli(['apply', agpmConfig, '--registry', snapshot, '--auto-approve', '--format', 'json', ...state]);
    expect(json.exitCode).toBe(0);
    const doc = JSON.parse(json.stdout);
    expect(doc.changes).toEqual([]);
    expect(doc.undeclared[0].values.map((v: { name: string }) => v.name)).toEqual(names);

    // a rollback restores what the journal holds and lists nothing it did not plan: no undeclared field
    const rolled = await runCli(['rollback', '--auto-approve', '--format', 'json', ...state]);
    expect(rolled.exitCode).toBe(0);
    expect(JSON.parse(rolled.stdout)).not.toHaveProperty('undeclared');
  }, 180_000);

  test('an exclusive key with force: the apply report lists the unreadable values it left in place', async () => {
    const { dir, config } = await workspace(exclusiveConfig('\n    force: true'));
    const state = ['--state-dir', join(dir, 'state')];
    const hive = join(dir, 'hive.json');
    await writeHive(hive, [{ path: AGPM, values: [{ name: 'EncryptSmtp', kind: 'DWord', data: 0 }, { name: 'Legacy', kind: 'String', data: 'x' }, { name: 'Link', kind: 6, data: null }] }]);
    const applied = await runCli(['apply', config, '--simulated-hive', hive, '--powershell', pwsh, '--auto-approve', '--format', 'json', ...state]);
    expect(applied).toMatchObject({ exitCode: 0, stderr: '' });
    expect(JSON.parse(applied.stdout).undeclared).toEqual([
      { key: AGPM, view: 64, values: [{ name: 'Link', unreadable: { code: 'UNSUPPORTED_KIND', message: expect.stringContaining('cannot be read') } }], subkeys: [], source: { file: config, line: 3, column: 11 } },
    ]);
  }, 240_000);
});

describe('exclusive keys (.reg target)', () => {
  test('plan shows the deletions of undeclared values and subkeys at the line of exclusive; they count as changes', async () => {
    const { snapshot, config } = await workspace();
    const result = await runCli(['plan', config, '--registry', snapshot, '--detailed-exitcode']);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toContain('      - SmtpServer      REG_SZ         "mail.contoso.com"                # exclusive.yaml:4\n'.replace('exclusive.yaml', config));
    expect(result.stdout).toContain(`  - ${AGPM}\\Server (2 values, 0 subkeys)  # ${config}:4\n`);
    expect(result.stdout).toContain('Plan: 0 to create, 1 to update, 6 to delete. 1 unchanged.');
    expect(result.stdout).not.toContain('Undeclared');
  });

  test('apply deletes them, the next plan is empty; rollback (value by value, the file edited since) restores them exactly', async () => {
    const { snapshot, config, state } = await workspace();
    const original = await readAgpm(snapshot);
    expect(await runCli(['apply', config, '--registry', snapshot, '--auto-approve', ...state])).toMatchObject({ exitCode: 0, stderr: '' });
    const applied = await readAgpm(snapshot);
    expect(applied.map((k) => [k.key.path, k.values.map((v) => v.name), k.subkeys])).toEqual([['SOFTWARE\\Microsoft\\AGPM', ['EncryptSmtp', 'Port'], []]]);
    expect(await runCli(['plan', config, '--registry', snapshot, '--detailed-exitcode'])).toMatchObject({ exitCode: 0, stdout: 'No changes. The registry matches the desired state (2 declared items checked).' });

    // An unrelated edit since the apply: rollback cannot give back the old bytes and goes value by value.
    await appendToReg(snapshot, '\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Unrelated]\n"Kept"="yes"\n');
    expect(await runCli(['rollback', '--auto-approve', ...state])).toMatchObject({ exitCode: 0, stderr: '' });
    expect(await readAgpm(snapshot)).toEqual(original);
    const unrelated = await (await openRegFile(snapshot)).read([{ key: { hive: 'HKLM', path: 'SOFTWARE\\Unrelated', view: 64 } }]);
    expect(unrelated[0]?.values).toEqual([{ name: 'Kept', value: { type: 'REG_SZ', data: 'yes' } }]);
  }, 120_000);

  test('a saved plan is refused as stale when a value appeared at the exclusive key since, and nothing is written', async () => {
    const { dir, snapshot, config } = await workspace();
    const planFile = join(dir, 'plan.json');
    expect(await runCli(['plan', config, '--registry', snapshot, '--out', planFile])).toMatchObject({ exitCode: 0 });
    expect((await readJson(planFile)).exclusiveKeys[0]).toMatchObject({ key: AGPM, mode: 'subkeys', subkeys: ['Server'] });
    await appendToReg(snapshot, `\n[${AGPM.replace('HKLM', 'HKEY_LOCAL_MACHINE')}]\n"Appeared"=dword:00000001\n`);
    const before = await readFile(snapshot);
    const result = await runCli(['apply', planFile, '--state-dir', join(dir, 'state')]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`stale plan ${planFile}: ${AGPM} is exclusive and holds value "Appeared", which was not there when planned; nothing was written, plan again`);
    expect(await readFile(snapshot)).toEqual(before);
  }, 120_000);

  test('a saved plan with an exclusive key is formatVersion 3 and applies; edited to 2 (as an older regstate would take it) it is refused and nothing is written', async () => {
    const { dir, snapshot, config, state } = await workspace();
    const planFile = join(dir, 'plan.json');
    expect(await runCli(['plan', config, '--registry', snapshot, '--out', planFile])).toMatchObject({ exitCode: 0 });
    const saved = await readJson(planFile);
    expect(saved).toMatchObject({ formatVersion: 3, kind: 'regstate-plan' });
    const older = join(dir, 'older.json');
    await writeFile(older, JSON.stringify({ ...saved, formatVersion: 2 }, null, 2));
    const before = await readFile(snapshot);
    const refused = await runCli(['apply', older, ...state]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`^${older.replace(/[\\/.]/g, '\\$&')}:\\d+:\\d+: exclusiveKeys: a plan of formatVersion 2 cannot carry exclusiveKeys`, 'm'));
    expect(await readFile(snapshot)).toEqual(before);
    expect(await runCli(['apply', planFile, ...state])).toMatchObject({ exitCode: 0, stderr: '' });
    expect((await readAgpm(snapshot))[0]?.values.map((v) => v.name)).toEqual(['EncryptSmtp', 'Port']);
  }, 120_000);

  test('a saved plan is refused as stale when a value it deletes changed since', async () => {
    const { dir, snapshot, config } = await workspace();
    const planFile = join(dir, 'plan.json');
    expect(await runCli(['plan', config, '--registry', snapshot, '--out', planFile])).toMatchObject({ exitCode: 0 });
    await appendToReg(snapshot, `\n[${AGPM.replace('HKLM', 'HKEY_LOCAL_MACHINE')}]\n"LogLevel"=dword:00000003\n`);
    const result = await runCli(['apply', planFile, '--state-dir', join(dir, 'state')]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`${AGPM} → LogLevel was REG_DWORD 1 (0x00000001) when planned, but it is now REG_DWORD 3 (0x00000003)`);
  }, 120_000);

  test('more undeclared items than maxUndeclared: exit 1 at the line of exclusive, nothing written; force: true applies', async () => {
    const { dir, snapshot, config, state } = await workspace(exclusiveConfig('\n    maxUndeclared: 5'));
    const before = await readFile(snapshot);
    const refused = await runCli(['apply', config, '--registry', snapshot, '--auto-approve', ...state]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain(`${config}:4:16: key ${AGPM} is exclusive and holds 6 undeclared values and subkeys to delete, more than maxUndeclared 5: nothing was written`);
    expect(await readFile(snapshot)).toEqual(before);

    const forced = join(dir, 'forced.yaml');
    await writeFile(forced, exclusiveConfig('\n    maxUndeclared: 5\n    force: true'));
    expect(await runCli(['apply', forced, '--registry', snapshot, '--auto-approve', ...state])).toMatchObject({ exitCode: 0 });
  }, 120_000);

  test('--max-changes counts the deletions, and what lies under each key deleted', async () => {
    const { snapshot, config, state } = await workspace();
    const result = await runCli(['apply', config, '--registry', snapshot, '--auto-approve', '--max-changes', '8', ...state]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('the plan has 7 changes (9 with the values and subkeys under the keys it deletes), more than --max-changes 8');
    expect(await runCli(['apply', config, '--registry', snapshot, '--auto-approve', '--max-changes', '9', ...state])).toMatchObject({ exitCode: 0 });
  }, 120_000);
});

test('export warns that an exclusive key cannot be expressed as .reg or GPP items', async () => {
  const { config } = await workspace();
  for (const format of ['reg', 'gpp']) {
    const result = await runCli(['export', config, '--format', format]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toMatch(new RegExp(`^regstate: warning: ${config.replace(/[\\/.]/g, '\\$&')}:4:16: key HKLM\\\\SOFTWARE\\\\Microsoft\\\\AGPM is exclusive, which .* cannot express`));
  }
}, 120_000);

describe('exclusive keys through the PowerShell agent (simulated hive, real pwsh)', () => {
  const hiveKeys: { path: string; values: HiveValue[] }[] = [
    { path: AGPM, values: [{ name: 'EncryptSmtp', kind: 'DWord', data: 0 }, { name: 'Port', kind: 'DWord', data: 4600 }, { name: 'Legacy', kind: 'String', data: 'x' }, { name: 'Blob', kind: 'Binary', data: '00ff' }] },
    { path: `${AGPM}\\Old`, values: [{ name: 'Multi', kind: 'MultiString', data: ['a', 'b'] }] },
    { path: `${AGPM}\\Old\\Deeper`, values: [{ name: 'Q', kind: 'QWord', data: '-1' }] },
  ];

  test('plan, apply, plan again (empty), rollback (every deleted value and subtree back); an unreadable undeclared value is refused unless forced', async () => {
    const { dir, config, state } = await workspace();
    const hive = join(dir, 'hive.json');
    await writeHive(hive, hiveKeys);
    const original = await readHive(hive);
    const ps = ['--powershell', pwsh, ...state];

    const planned = await runCli(['plan', config, '--simulated-hive', hive, '--powershell', pwsh]);
    expect(planned.stdout).toContain('Plan: 0 to create, 1 to update, 3 to delete. 1 unchanged.');
    expect(await runCli(['apply', config, '--simulated-hive', hive, '--auto-approve', ...ps])).toMatchObject({ exitCode: 0, stderr: '' });
    const applied = await readHive(hive);
    expect(Object.keys(applied).filter((k) => k.startsWith(AGPM))).toEqual([AGPM]);
    expect(applied[AGPM]).toEqual({ EncryptSmtp: { kind: 'DWord', data: 1 }, Port: { kind: 'DWord', data: 4600 } });
    expect(await runCli(['plan', config, '--simulated-hive', hive, '--powershell', pwsh, '--detailed-exitcode'])).toMatchObject({ exitCode: 0 });
    expect(await runCli(['rollback', '--auto-approve', ...ps])).toMatchObject({ exitCode: 0, stderr: '' });
    expect(await readHive(hive)).toEqual(original);

    // A REG_LINK the agent cannot read: deleting it could never be undone.
    await writeHive(hive, [{ path: AGPM, values: [...(hiveKeys[0] as { values: HiveValue[] }).values, { name: 'Link', kind: 6, data: null }] }]);
    const refused = await runCli(['plan', config, '--simulated-hive', hive, '--powershell', pwsh]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain(`${config}:4:16: key ${AGPM} is exclusive but holds undeclared values regstate cannot read ("Link")`);
    const forced = join(dir, 'forced.yaml');
    await writeFile(forced, exclusiveConfig('\n    force: true'));
    const left = await runCli(['apply', forced, '--simulated-hive', hive, '--auto-approve', ...ps]);
    expect(left).toMatchObject({ exitCode: 0, stderr: '' });
    expect(Object.keys((await readHive(hive))[AGPM] ?? {}).sort()).toEqual(['EncryptSmtp', 'Link', 'Port']);
    const listed = await runCli(['plan', forced, '--simulated-hive', hive, '--powershell', pwsh, '--detailed-exitcode']);
    expect(listed.exitCode).toBe(0);
    expect(listed.stdout).toMatch(/\? Link +unreadable +UNSUPPORTED_KIND: value cannot be read/);
  }, 480_000);
});
