import { renderFleetPlanJson } from '../../src/fleet/render-fleet-json.js';
import { renderFleetPlanMarkdown } from '../../src/fleet/render-fleet-markdown.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from '../cli/cli-harness.js';
import { renderFleetApplyText, renderFleetPlanText, renderFleetSummaryText } from '../../src/fleet/render-fleet-text.js';
import type { HostRun } from '../../src/fleet/host-run.js';
import type { Change } from '../../src/plan/plan.js';
import { planChanges } from '../../src/plan/plan-changes.js';
import { renderPlanText } from '../../src/plan/render-text.js';
import { at, desiredState, dword, liveKey, liveState, present, presentKey } from '../builders.js';

const AGPM = 'HKLM\\SOFTWARE\\Microsoft\\AGPM';
const desired = desiredState(presentKey(AGPM, [present('EncryptSmtp', dword(1), at(13)), present('SmtpPort', dword(587), at(18))], at(11)));
const drift = planChanges(desired, liveState(liveKey(AGPM, { EncryptSmtp: dword(0) })));
const inSync = planChanges(desired, liveState(liveKey(AGPM, { EncryptSmtp: dword(1), SmtpPort: dword(587) })));

const EVIL = 'db\u001b[2J\u202e01|x';
const runs: HostRun[] = [
  { host: 'web01', status: 'drift', target: { backend: 'powershell', host: 'web01' }, plan: drift, durationMs: 12 },
  { host: 'web02', status: 'in-sync', target: { backend: 'powershell', host: 'web02' }, plan: inSync, durationMs: 10 },
  { host: EVIL, status: 'unreachable', problems: [{ code: 'HOST_UNREACHABLE', message: 'Permission denied (publickey)\u001b]0;pwned\u0007' }], durationMs: 300 },
];

describe('fleet plan output', () => {
  test('the summary shown in the README is what the renderer prints', async () => {
    const readme = await readFile(join(repoRoot, 'README.md'), 'utf8');
    const block = /Text: each host's plan[\s\S]*?```\n([\s\S]*?)```/.exec(readme)?.[1];
    const shown: HostRun[] = [
      { host: 'web01', status: 'drift', plan: drift, durationMs: 1 },
      { host: 'web02', status: 'in-sync', plan: inSync, durationMs: 1 },
      { host: 'db01', status: 'unreachable', problems: [{ code: 'HOST_UNREACHABLE', message: 'ssh: connect to host 10.0.0.9 port 22: Connection refused' }], durationMs: 1 },
    ];
    expect(renderFleetSummaryText(shown, 'plan', { color: false })).toBe(block);
  });

  test('the single-host text these build on', () => {
    expect(renderPlanText(drift, { color: false })).toContain('      ~ EncryptSmtp  REG_DWORD  0 (0x00000000) → 1 (0x00000001)  # test.yaml:13\n');
  });

  test('text: each host under its header with the single-host plan, then the summary table; hostile names escaped', () => {
    expect(renderFleetPlanText(runs, { color: false })).toBe(
      [
        '=== host web01 ===',
        // Each host's plan is exactly the single-host text.
        renderPlanText(drift, { color: false }),
        '=== host web02 ===',
        renderPlanText(inSync, { color: false }),
        '=== host db\\u001b[2J\\u202e01|x ===',
        '✗ unreachable: HOST_UNREACHABLE Permission denied (publickey)\\u001b]0;pwned\\u0007',
        '',
        'Fleet plan: 3 hosts: 1 in-sync, 1 drift, 1 unreachable',
        '',
        'HOST                   CREATE  UPDATE  DELETE  STATUS',
        'web01                       1       1       0  drift',
        'web02                       0       0       0  in-sync',
        'db\\u001b[2J\\u202e01|x       -       -       -  unreachable: Permission denied (publickey)\\u001b]0;pwned\\u0007',
        '',
      ].join('\n'),
    );
  });

  test('JSON: one document listing every host, the unreachable one with its reason', () => {
    const doc = JSON.parse(renderFleetPlanJson(runs));
    expect(doc).toMatchObject({ formatVersion: 1, kind: 'regstate-fleet-plan-output', summary: { hosts: 3, drift: 1, 'in-sync': 1, unreachable: 1 } });
    expect(doc.hosts.map((h: { host: string; status: string }) => [h.host, h.status])).toEqual([['web01', 'drift'], ['web02', 'in-sync'], [EVIL, 'unreachable']]);
    expect(doc.hosts[0].plan).toMatchObject({ formatVersion: 2, summary: { create: 1, update: 1, delete: 0 }, changes: [{ action: 'update', name: 'EncryptSmtp' }, { action: 'create', name: 'SmtpPort' }] });
    expect(doc.hosts[2]).toEqual({ host: EVIL, status: 'unreachable', target: null, plan: null, problems: [{ code: 'HOST_UNREACHABLE', message: runs[2]?.problems?.[0]?.message }], durationMs: 300 });
  });

  test('Markdown: a summary table, then each host under its own heading; cells cannot break the table', () => {
    const md = renderFleetPlanMarkdown(runs);
    const lines = md.split('\n');
    expect(lines.slice(0, 9)).toEqual([
      '# regstate fleet plan',
      '',
      '**Fleet:** 3 hosts: 1 in-sync, 1 drift, 1 unreachable',
      '',
      '| Host | Create | Update | Delete | Status |',
      '| --- | --- | --- | --- | --- |',
      '| `web01` | 1 | 1 | 0 | drift |',
      '| `web02` | 0 | 0 | 0 | in-sync |',
      '| `db\\u001b[2J\\u202e01\\|x` | - | - | - | unreachable: Permission denied (publickey)\\u001b]0;pwned\\u0007 |',
    ]);
    expect(lines).toContain('## host `web01`');
    expect(lines).toContain('| update | `EncryptSmtp` | REG_DWORD | `0 (0x00000000)` | `1 (0x00000001)` | `test.yaml:13` |');
    expect(lines).toContain('## host `db\\u001b[2J\\u202e01|x`');
    expect(lines).toContain('- unreachable: `HOST_UNREACHABLE Permission denied (publickey)\\u001b]0;pwned\\u0007`');
    expect(md).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u202e]/);
  });

  test('apply text: each host that wrote with its outcome, failures listed, then the summary', () => {
    const [update, create] = drift.changes as [Change, Change];
    const applied: HostRun[] = [
      { host: 'web01', status: 'converged', plan: drift, result: { converged: true, results: [{ change: update, outcome: 'applied' }, { change: create, outcome: 'applied' }] }, durationMs: 5 },
      { host: 'web02', status: 'partial', plan: drift, result: { converged: false, results: [{ change: update, outcome: 'applied' }, { change: create, outcome: 'failed', error: { code: 'HOST_UNREACHABLE', message: 'dropped' } }] }, durationMs: 5 },
      { host: 'web03', status: 'stale', plan: drift, problems: [{ code: 'STALE_PLAN', message: 'stale plan p.json (host web03): EncryptSmtp was 0 when planned, but it is now 5' }], durationMs: 5 },
    ];
    expect(renderFleetApplyText(applied, { color: false })).toBe(
      [
        '=== host web01 ===',
        'Apply complete on web01: 2 changes written, read back and verified.',
        '',
        '=== host web02 ===',
        '✗ create HKLM\\SOFTWARE\\Microsoft\\AGPM → SmtpPort: HOST_UNREACHABLE dropped',
        'Apply incomplete on web02: 1 of 2 changes failed or did not verify (listed above).',
        '',
        'Fleet apply: 3 hosts: 1 converged, 1 partial, 1 stale',
        '',
        'HOST   CREATE  UPDATE  DELETE  STATUS',
        'web01       1       1       0  converged',
        'web02       1       1       0  partial: 1 change failed or did not verify',
        'web03       1       1       0  stale: stale plan p.json (host web03): EncryptSmtp was 0 when planned, but it is now 5',
        '',
      ].join('\n'),
    );
  });
});
