import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { agpmConfig, type HiveValue, listJournals, pwsh, readHive, readJson, runCli, startCli, tempWorkspace, waitFor, writeHive } from './cli-harness.js';

const agpm = 'HKLM\\SOFTWARE\\Microsoft\\AGPM';
const agpmValues = (encrypt: number, port: number) =>
  `version: 1\nkeys:\n  - path: ${agpm}\n    values:\n      - name: EncryptSmtp\n        type: REG_DWORD\n        data: ${encrypt}\n      - name: SmtpPort\n        type: REG_DWORD\n        data: ${port}\n`;

async function writeConfig(dir: string, name: string, text: string): Promise<string> {
  await writeFile(join(dir, name), text);
  return join(dir, name);
}

interface JournalValue {
  name: string;
  before: { data: number } | null;
  after: { data: number } | null;
}

// What each journal saw before it wrote, and meant to write, per value name.
async function journalValues(stateDir: string): Promise<Record<string, JournalValue>[]> {
  const journals = await Promise.all((await listJournals(stateDir)).map((f) => readJson<{ prior: JournalValue[] }>(f)));
  return journals.map((j) => Object.fromEntries(j.prior.map((p) => [p.name, p])));
}

describe('unattended runs, as real processes', () => {
  test('two applies started at once on one .reg never interleave: the second plans from what the first wrote', async () => {
    const { dir, snapshot } = await tempWorkspace();
    const state = ['--state-dir', join(dir, 'state')];
    const a = await writeConfig(dir, 'a.yaml', agpmValues(1, 587));
    const b = await writeConfig(dir, 'b.yaml', agpmValues(2, 25));
    const [ra, rb] = await Promise.all([a, b].map((c) => startCli(['apply', c, '--registry', snapshot, '--auto-approve', ...state])));
    expect([ra?.exitCode, rb?.exitCode]).toEqual([0, 0]);
    const [first, second] = await journalValues(join(dir, 'state'));
    // Whichever ran second saw exactly what the first left.
    expect(second?.EncryptSmtp?.before).toEqual(first?.EncryptSmtp?.after);
    expect(second?.SmtpPort?.before).toEqual(first?.SmtpPort?.after);
    const plan = await runCli(['plan', second?.EncryptSmtp?.after?.data === 1 ? a : b, '--registry', snapshot, '--detailed-exitcode']);
    expect(plan.exitCode).toBe(0);
  });

  test('on a simulated hive: a run with --lock-timeout 0 is refused naming the holder; a waiting run applies after the holder', async () => {
    const { dir } = await tempWorkspace();
    const hive = join(dir, 'hive.json');
    const keys: { path: string; values: HiveValue[] }[] = [{ path: agpm, values: [{ name: 'EncryptSmtp', kind: 'DWord', data: 0 }] }];
    // The first apply's batch takes 2 × 4 s, holding the lock all the while.
    await writeHive(hive, keys, { delayMsPerWrite: 4000 });
    const stateDir = join(dir, 'state');
    const common = ['--simulated-hive', hive, '--auto-approve', '--powershell', pwsh, '--state-dir', stateDir];
    const holder = startCli(['apply', await writeConfig(dir, 'a.yaml', agpmValues(1, 587)), ...common]);
    await waitFor(async () => (await listJournals(stateDir)).length === 1);

    const report = join(dir, 'refused.json');
    const refused = await runCli(['apply', await writeConfig(dir, 'c.yaml', agpmValues(3, 3)), ...common, '--lock-timeout', '0', '--report', report]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`locked by another regstate run: pid ${holder.pid} `));
    expect(await readJson(report)).toMatchObject({ exitCode: 1, error: { code: 'LOCK_TIMEOUT' }, changes: [] });

    const waiter = await runCli(['apply', await writeConfig(dir, 'b.yaml', agpmValues(2, 25)), ...common]);
    expect((await holder).exitCode).toBe(0);
    expect(waiter).toMatchObject({ exitCode: 0 });
    const [first, second] = await journalValues(stateDir);
    expect(first?.EncryptSmtp).toMatchObject({ before: { data: 0 }, after: { data: 1 } });
    expect(second?.EncryptSmtp).toMatchObject({ before: { data: 1 }, after: { data: 2 } });
    expect((await readHive(hive))[agpm]).toEqual({ EncryptSmtp: { kind: 'DWord', data: 2 }, SmtpPort: { kind: 'DWord', data: 25 } });
  }, 120_000);

  test('--max-changes counts what a key deletion takes with it: one declared deletion of a big key is refused', async () => {
    const { dir, snapshot } = await tempWorkspace();
    const config = join(dir, 'gone.yaml');
    await writeFile(config, 'version: 1\nkeys:\n  - path: HKLM\\SOFTWARE\\Microsoft\n    ensure: absent\n');
    const before = await readFile(snapshot);
    const refused = await runCli(['apply', config, '--registry', snapshot, '--auto-approve', '--max-changes', '5', '--state-dir', join(dir, 'state')]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/the plan has 1 change \((\d+) with the values and subkeys under the keys it deletes\), more than --max-changes 5/);
    expect(await readFile(snapshot)).toEqual(before);
    expect(await listJournals(join(dir, 'state'))).toEqual([]);
  });

  test('--max-changes 1 with 2 changes: exit 1, nothing written, no journal, a report with the error', async () => {
    const { dir, snapshot } = await tempWorkspace();
    const before = await readFile(snapshot);
    const report = join(dir, 'report.json');
    const result = await runCli(['apply', agpmConfig, '--registry', snapshot, '--auto-approve', '--max-changes', '1', '--state-dir', join(dir, 'state'), '--report', report]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/--max-changes 1/);
    expect(await readFile(snapshot)).toEqual(before);
    expect(await listJournals(join(dir, 'state'))).toEqual([]);
    expect(await readJson(report)).toMatchObject({ exitCode: 1, error: { code: 'MAX_CHANGES' }, plan: { summary: { create: 1, update: 1 } } });
    expect((await runCli(['apply', agpmConfig, '--registry', snapshot, '--auto-approve', '--max-changes', '2', '--state-dir', join(dir, 'state')])).exitCode).toBe(0);
  });

  test('a scheduled run reports what drifted and what was fixed, and the state directory keeps the newest 50 reports', async () => {
    const { dir, snapshot } = await tempWorkspace();
    const stateDir = join(dir, 'state');
    // 55 older reports from earlier runs.
    const reports = join(stateDir, 'reports');
    await mkdir(reports, { recursive: true });
    for (let i = 0; i < 55; i++) await writeFile(join(reports, `20200101T0000${String(i).padStart(2, '0')}-000Z-apply.json`), '{}');

    const reportFile = join(dir, 'report.json');
    const run = await runCli(['apply', agpmConfig, '--registry', snapshot, '--auto-approve', '--state-dir', stateDir, '--report', reportFile]);
    expect(run.exitCode).toBe(0);
    const report = await readJson(reportFile);
    const sha256 = createHash('sha256').update(await readFile(agpmConfig)).digest('hex');
    expect(report).toMatchObject({
      formatVersion: 1,
      command: 'apply',
      exitCode: 0,
      target: { backend: 'regfile', file: snapshot },
      configs: [{ path: agpmConfig, sha256 }],
      plan: { summary: { create: 1, update: 1, delete: 0 } },
      stats: { processes: 0, roundTrips: expect.any(Number) },
      changes: [
        { action: 'update', key: agpm, name: 'EncryptSmtp', before: { type: 'REG_DWORD', data: 0 }, after: { type: 'REG_DWORD', data: 1 }, outcome: 'applied' },
        { action: 'create', key: agpm, name: 'SmtpPort', before: null, after: { type: 'REG_DWORD', data: 587 }, outcome: 'applied' },
      ],
    });
    const kept = (await readdir(reports)).sort();
    expect(kept).toHaveLength(50);
    expect(await readJson(join(reports, kept.at(-1) as string))).toEqual(report);

    // The next scheduled run finds nothing drifted.
    const quiet = await runCli(['apply', agpmConfig, '--registry', snapshot, '--auto-approve', '--state-dir', stateDir, '--report', reportFile]);
    expect(quiet.exitCode).toBe(0);
    expect(await readJson(reportFile)).toMatchObject({ exitCode: 0, changes: [], plan: { summary: { create: 0, update: 0, delete: 0, unchanged: 2 } } });
  });
});
