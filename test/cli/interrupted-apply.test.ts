import { join } from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import type { RegistryValue } from '../../src/model/registry-value.js';
import { encodeRegText } from '../../src/registry/reg-file/decode-reg-bytes.js';
import { openRegFile } from '../../src/registry/reg-file/reg-file-backend.js';
import { renderHeader, renderKeySection } from '../../src/registry/reg-file/render-reg-file.js';
import { childPids, type HiveValue, isAlive, listJournals, listLocks, pwsh, readHive, readJson, runCli, startCli, tempWorkspace, waitFor, writeHive } from './cli-harness.js';

// A three-change apply on a simulated hive: update, create, delete.
const agpm = 'HKLM\\SOFTWARE\\Microsoft\\AGPM';
const hiveKeys: { path: string; values: HiveValue[] }[] = [
  { path: agpm, values: [{ name: 'EncryptSmtp', kind: 'DWord', data: 0 }, { name: 'Legacy', kind: 'String', data: 'old' }] },
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
`;

async function workspace(faults: { exitAfterWrites?: number; delayMsPerWrite?: number }) {
  const { dir } = await tempWorkspace();
  const hive = join(dir, 'hive.json');
  await writeHive(hive, hiveKeys);
  const original = await readHive(hive);
  await writeHive(hive, hiveKeys, faults);
  const configFile = join(dir, 'config.yaml');
  await writeFile(configFile, config);
  const stateDir = join(dir, 'state');
  return { dir, hive, original, configFile, stateDir, common: ['--powershell', pwsh, '--state-dir', stateDir] };
}

describe('an apply that dies mid-write can be rolled back (PowerShell, simulated hive), as real processes', () => {
  test.concurrent.each([0, 1, 2, 3])('PowerShell killed after %i durable writes of 3: exit 3, the report says so, rollback restores every value', async (n) => {
    const { dir, hive, original, configFile, stateDir, common } = await workspace({ exitAfterWrites: n });
    const reportFile = join(dir, 'report.json');
    const applied = await runCli(['apply', configFile, '--simulated-hive', hive, '--auto-approve', '--report', reportFile, ...common]);
    expect(applied.exitCode).toBe(3);
    const report = await readJson(reportFile);
    expect(report.exitCode).toBe(3);
    expect(report.changes).toHaveLength(3);
    for (const change of report.changes) expect(change).toMatchObject({ outcome: 'failed', error: { code: 'POWERSHELL_CRASHED' } });

    // Exactly the first n changes are durable.
    const values = (await readHive(hive))[agpm] ?? {};
    report.changes.forEach((change: { name: string; before: { data: unknown } | null; after: { data: unknown } | null }, i: number) => {
      const expected = i < n ? change.after : change.before;
      expect(values[change.name]?.data).toEqual(expected?.data);
    });
    expect(await listJournals(stateDir)).toHaveLength(1);

    const rolled = await runCli(['rollback', '--auto-approve', ...common]);
    expect(rolled).toMatchObject({ exitCode: 0, stderr: '' });
    if (n === 0) expect(rolled.stdout).toMatch(/No changes/);
    expect(await readHive(hive)).toEqual(original);
  }, 180_000);

  test('the regstate process itself SIGKILLed mid-batch: its lock is broken by the next run, and rollback restores every value', async () => {
    const { hive, original, configFile, stateDir, common } = await workspace({ delayMsPerWrite: 1500 });
    const apply = startCli(['apply', configFile, '--simulated-hive', hive, '--auto-approve', ...common]);
    const pid = apply.pid as number;
    // The journal is on disk before the first write; the batch then takes 3 × 1.5 s.
    await waitFor(async () => (await listJournals(stateDir)).length === 1);
    const children = await childPids(pid);
    apply.kill('SIGKILL');
    expect((await apply).signal).toBe('SIGKILL');
    // The orphaned PowerShell may finish its batch or not; wait until it is gone before rolling back.
    for (const child of children) await waitFor(async () => !(await isAlive(child)));
    expect((await listLocks(hive)).map((l) => l.pid)).toEqual([pid]);
    expect((await readJson((await listJournals(stateDir))[0] as string)).status).toBe('started');

    const rolled = await runCli(['rollback', '--auto-approve', '--lock-timeout', '0', ...common]);
    expect(rolled.stderr).toBe('');
    expect(rolled.exitCode).toBe(0);
    expect(await readHive(hive)).toEqual(original);
    expect(await listLocks(hive)).toEqual([]);
  }, 120_000);
});

describe('a .reg apply killed once its journal (format 3, the image file beside it) is on disk can be rolled back, as real processes', () => {
  // The AGPM key of the config above, and enough other keys that writing and reading back the file takes a while.
  const agpmValues: { name: string; value: RegistryValue }[] = [
    { name: 'EncryptSmtp', value: { type: 'REG_DWORD', data: 0 } },
    { name: 'Legacy', value: { type: 'REG_SZ', data: 'old' } },
  ];
  const filler = Array.from({ length: 400 }, (_, k) =>
    renderKeySection('HKLM', `SOFTWARE\\Filler\\Key${k}`, Array.from({ length: 20 }, (_, j) => ({ name: `V${j}`, value: { type: 'REG_SZ' as const, data: `filler ${k} ${j}` } }))),
  );
  const original = encodeRegText(renderHeader() + renderKeySection('HKLM', 'SOFTWARE\\Microsoft\\AGPM', agpmValues) + filler.join(''), { encoding: 'utf16le', bom: true });

  async function agpmNow(reg: string) {
    const [key] = await (await openRegFile(reg)).read([{ key: { hive: 'HKLM', path: 'SOFTWARE\\Microsoft\\AGPM', view: 64 } }]);
    return [...(key?.values ?? [])].sort((a, b) => a.name.localeCompare(b.name));
  }

  test.each([0, 250])('SIGKILL %i ms after the journal appears: the image file holds the file as it was, rollback restores every value (byte for byte when it can use the image)', async (delay) => {
    const { dir } = await tempWorkspace();
    const reg = join(dir, 'registry.reg');
    await writeFile(reg, original);
    const configFile = join(dir, 'config.yaml');
    await writeFile(configFile, config);
    const stateDir = join(dir, 'state');
    const apply = startCli(['apply', configFile, '--registry', reg, '--auto-approve', '--state-dir', stateDir]);
    await waitFor(async () => (await listJournals(stateDir)).length === 1);
    await new Promise((done) => setTimeout(done, delay));
    apply.kill('SIGKILL');
    await apply;
    const [journalFile] = await listJournals(stateDir);
    // the image is written before the journal that names it, and never again
    expect(await readFile((journalFile as string).replace(/\.json$/, '.image'))).toEqual(original);
    const journal = await readJson(journalFile as string);
    expect(journal).toMatchObject({ formatVersion: 3, image: { before: { file: expect.stringMatching(/-apply\.image$/) } } });

    const rolled = await runCli(['rollback', '--auto-approve', '--lock-timeout', '0', '--state-dir', stateDir]);
    expect(rolled.stderr).toBe('');
    expect(rolled.exitCode).toBe(0);
    expect(await agpmNow(reg)).toEqual(agpmValues);
    // once the apply recorded what its write left, the rollback puts the image back whole
    if (journal.image.afterSha256 !== undefined) expect(await readFile(reg)).toEqual(original);
  }, 300_000);
});
