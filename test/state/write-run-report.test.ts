import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Change } from '../../src/plan/plan.js';
import { type RunReport, toReportChange } from '../../src/state/run-report.js';
import { storedReportName, storeRunReport, writeRunReport } from '../../src/state/write-run-report.js';

const source = { file: 'configs/agpm-email-security.yaml', line: 7, column: 9 };
const key = { hive: 'HKLM' as const, path: 'SOFTWARE\\Microsoft\\AGPM', view: 64 as const };

function sampleReport(startedAt: string, command = 'apply'): RunReport {
  const update: Change = { action: 'update', key, name: 'EncryptSmtp', before: { type: 'REG_DWORD', data: 0 }, after: { type: 'REG_DWORD', data: 1 }, source };
  const create: Change = { action: 'create', key, name: 'SmtpPort', before: null, after: { type: 'REG_DWORD', data: 587 }, source };
  return {
    formatVersion: 1,
    regstate: '0.1.0',
    command,
    startedAt,
    finishedAt: startedAt,
    durationMs: 0,
    host: 'AGPM01',
    user: 'NT AUTHORITY\\SYSTEM',
    target: { backend: 'powershell', host: 'localhost' },
    configs: [{ path: 'C:\\regstate\\configs\\agpm-email-security.yaml', sha256: 'ab'.repeat(32) }],
    plan: { summary: { create: 1, update: 1, delete: 0, unchanged: 0 } },
    changes: [
      toReportChange(update, 'applied'),
      toReportChange(create, 'failed', { code: 'ACCESS_DENIED', message: 'Requested registry access is not allowed.' }),
    ],
    stats: { processes: 1, roundTrips: 3 },
    exitCode: 3,
  };
}

let tmp: string;
beforeEach(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'regstate-report-'));
});
afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('toReportChange', () => {
  test('values in their JSON form, key as text, the outcome and error', () => {
    const report = sampleReport('2026-11-28T00:24:37.123Z');
    expect(report.changes).toEqual([
      { action: 'update', key: 'HKLM\\SOFTWARE\\Microsoft\\AGPM', view: 64, name: 'EncryptSmtp', before: { type: 'REG_DWORD', data: 0 }, after: { type: 'REG_DWORD', data: 1 }, outcome: 'applied' },
      {
        action: 'create',
        key: 'HKLM\\SOFTWARE\\Microsoft\\AGPM',
        view: 64,
        name: 'SmtpPort',
        before: null,
        after: { type: 'REG_DWORD', data: 587 },
        outcome: 'failed',
        error: { code: 'ACCESS_DENIED', message: 'Requested registry access is not allowed.' },
      },
    ]);
  });

  test('key changes have no name; QWORD crosses as a decimal string', () => {
    expect(toReportChange({ action: 'create-key', key: { ...key, view: 32 }, before: null, after: null, source }, 'skipped')).toEqual({
      action: 'create-key', key: 'HKLM\\SOFTWARE\\Microsoft\\AGPM', view: 32, name: null, before: null, after: null, outcome: 'skipped',
    });
    const qword = toReportChange({ action: 'create', key, name: 'Big', before: null, after: { type: 'REG_QWORD', data: 2n ** 64n - 1n }, source }, 'not-converged');
    expect(JSON.parse(JSON.stringify(qword)).after).toEqual({ type: 'REG_QWORD', data: '18446744073709551615' });
  });
});

describe('writeRunReport', () => {
  test('writes the report as JSON that reads back equal, leaving no temp file', async () => {
    const file = path.join(tmp, 'sub', 'last-report.json');
    const report = sampleReport('2026-11-28T00:24:37.123Z');
    await writeRunReport(file, report);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(report);
    expect(await readdir(path.dirname(file))).toEqual(['last-report.json']);
  });

  test('replaces an existing report whole', async () => {
    const file = path.join(tmp, 'last-report.json');
    await writeFile(file, 'x'.repeat(100000));
    const report = sampleReport('2026-11-28T00:24:37.123Z');
    await writeRunReport(file, report);
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual(report);
  });

  test('readers polling during repeated writes only ever see a complete report', async () => {
    const file = path.join(tmp, 'last-report.json');
    await writeRunReport(file, sampleReport('2026-11-28T00:00:00.000Z'));
    let writing = true;
    const reads: unknown[] = [];
    const reader = (async () => {
      while (writing) reads.push(JSON.parse(await readFile(file, 'utf8')));
    })();
    for (let i = 0; i < 50; i++) await writeRunReport(file, { ...sampleReport('2026-11-28T00:00:00.000Z'), durationMs: i, changes: Array(200).fill(sampleReport('2026-11-28T00:00:00.000Z').changes[0]) });
    writing = false;
    await reader;
    expect(reads.length).toBeGreaterThan(0);
  });

  test('an unwritable place fails with STATE_DIR naming the file', async () => {
    const blocker = path.join(tmp, 'blocker');
    await writeFile(blocker, '');
    const file = path.join(blocker, 'report.json');
    await expect(writeRunReport(file, sampleReport('2026-11-28T00:24:37.123Z'))).rejects.toMatchObject({ code: 'STATE_DIR', message: expect.stringContaining(file) });
  });
});

describe('storeRunReport', () => {
  test('names are UTC timestamps that sort by time and carry the command', () => {
    expect(storedReportName({ startedAt: '2026-11-28T00:24:37.123Z', command: 'apply' })).toBe('20261128T002437-123Z-apply.json');
    expect(storedReportName({ startedAt: '2026-11-28T09:24:37.123+09:00', command: 'rollback' })).toBe('20261128T002437-123Z-rollback.json');
    const times = ['2026-01-02T03:04:05.006Z', '2026-11-28T00:00:00.000Z', '2026-11-28T00:00:00.001Z', '2027-01-01T00:00:00.000Z'];
    const names = times.map((startedAt) => storedReportName({ startedAt, command: 'apply' }));
    expect([...names].sort()).toEqual(names);
  });

  test('keeps the newest N reports, whatever order they were written in', async () => {
    const stateDir = path.join(tmp, 'state');
    const times = [5, 1, 9, 3, 7, 2].map((m) => `2026-11-28T00:0${m}:00.000Z`);
    let last = '';
    for (const t of times) last = await storeRunReport(stateDir, sampleReport(t), 3);
    expect(path.basename(last)).toBe('20261128T000200-000Z-apply.json');
    expect(await readdir(path.join(stateDir, 'reports'))).toEqual([
      '20261128T000500-000Z-apply.json',
      '20261128T000700-000Z-apply.json',
      '20261128T000900-000Z-apply.json',
    ]);
  });

  test('stores the report content and leaves unrelated files alone', async () => {
    const stateDir = path.join(tmp, 'state');
    await storeRunReport(stateDir, sampleReport('2026-11-28T00:01:00.000Z'), 1);
    await writeFile(path.join(stateDir, 'reports', 'README.txt'), 'notes');
    const file = await storeRunReport(stateDir, sampleReport('2026-11-28T00:02:00.000Z', 'rollback'), 1);
    expect(await readdir(path.join(stateDir, 'reports'))).toEqual(['20261128T000200-000Z-rollback.json', 'README.txt']);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ formatVersion: 1, command: 'rollback', exitCode: 3 });
  });

  test('keeps 50 by default', async () => {
    const stateDir = path.join(tmp, 'state');
    for (let i = 0; i < 53; i++) await storeRunReport(stateDir, sampleReport(new Date(Date.UTC(2026, 10, 28, 0, 0, i)).toISOString()));
    const names = await readdir(path.join(stateDir, 'reports'));
    expect(names).toHaveLength(50);
    expect(names[0]).toBe('20261128T000003-000Z-apply.json');
  });
});
