import type { RegstateError } from '../../src/errors.js';
import { hostDirName } from '../../src/fleet/host-file-name.js';
import { parseFleetJournal } from '../../src/fleet/fleet-journal.js';
import type { HostRun } from '../../src/fleet/host-run.js';
import { parseSavedFleetPlan, renderSavedFleetPlan } from '../../src/fleet/saved-fleet-plan.js';
import { planChanges } from '../../src/plan/plan-changes.js';
import { at, desiredState, dword, liveKey, liveState, present, presentKey } from '../builders.js';

const AGPM = 'HKLM\\SOFTWARE\\Microsoft\\AGPM';
const desired = desiredState(presentKey(AGPM, [present('EncryptSmtp', dword(1), at(13)), present('SmtpPort', dword(587), at(18))], at(11)));
const drift = planChanges(desired, liveState(liveKey(AGPM, { EncryptSmtp: dword(0) })));
const inSync = planChanges(desired, liveState(liveKey(AGPM, { EncryptSmtp: dword(1), SmtpPort: dword(587) })));
const meta = { createdAt: '2026-12-02T05:00:00.000Z', inventory: 'inventory.yaml', configs: [{ path: 'agpm.yaml', sha256: 'a'.repeat(64) }] };
const runs: HostRun[] = [
  { host: 'web01', status: 'drift', target: { backend: 'regfile', file: '/r/web01.reg' }, plan: drift, durationMs: 1 },
  { host: 'web02', status: 'in-sync', target: { backend: 'powershell', host: 'web02', simulatedHive: 'C:\\hive.json' }, plan: inSync, durationMs: 1 },
  { host: 'web03', status: 'unreachable', problems: [{ code: 'HOST_UNREACHABLE', message: 'Connection refused' }], durationMs: 1 },
];
const text = renderSavedFleetPlan(runs, meta);

function refusal(doc: string): RegstateError {
  try {
    parseSavedFleetPlan(doc, 'fleet.json');
  } catch (e) {
    return e as RegstateError;
  }
  throw new Error('the plan was accepted');
}

const lineOf = (doc: string, needle: string) => doc.slice(0, doc.indexOf(needle)).split('\n').length;

describe('saved fleet plans', () => {
  test('round trip: every host with its target and plan, or why it has none', () => {
    const saved = parseSavedFleetPlan(text, 'fleet.json');
    expect(saved).toMatchObject(meta);
    expect(saved.hosts.map((h) => [h.host, h.target, h.plan?.changes.length, h.notPlanned])).toEqual([
      ['web01', runs[0]?.target, 2, undefined],
      ['web02', runs[1]?.target, 0, undefined],
      ['web03', undefined, undefined, [{ code: 'HOST_UNREACHABLE', message: 'Connection refused' }]],
    ]);
    expect(saved.hosts[0]?.plan?.changes).toEqual(drift.changes);
    expect(saved.hosts[1]?.plan?.unchanged).toBe(2);
  });

  test("a bad change in one host's plan is reported at its line:column in the fleet file, naming the host", () => {
    const doc = text.replace('"key": "HKLM\\\\SOFTWARE\\\\Microsoft\\\\AGPM"', '"key": "HKXX\\\\SOFTWARE"');
    const error = refusal(doc);
    expect(error.code).toBe('KEY_PATH');
    expect(error.diagnostics[0]?.source).toEqual({ file: 'fleet.json', line: lineOf(doc, '"HKXX'), column: expect.any(Number) });
    expect(error.diagnostics[0]?.message).toMatch(/^hosts\[0\] \(host web01\): changes\[0\]\.key: /);
  });

  test.each([
    ['a prototype-reaching field in a host', (d: string) => d.replace('"host": "web02",', '"host": "web02", "__proto__": {"polluted": true},'), /__proto__/],
    ['a host listed twice (any case)', (d: string) => d.replace('"host": "web02"', '"host": "WEB01"'), /listed twice/],
    ['an unknown top-level field', (d: string) => d.replace('"createdAt"', '"script": "rm -rf /", "createdAt"'), /script: is not a field/],
    ['an unknown field in a host plan', (d: string) => d.replace('"host": "web02",', '"host": "web02", "address": "10.0.0.66",'), /address: is not a field of a host plan/],
    ['a bad target', (d: string) => d.replace('"backend": "regfile"', '"backend": "ftp"'), /target: must name a valid target/],
    ['a not-planned host with a plan smuggled in', (d: string) => d.replace('"notPlanned": [', '"changes": [], "notPlanned": ['), /changes: is not a field of a host that was not planned/],
    ['a newer fleet format', (d: string) => d.replace('"fleetFormatVersion": 1', '"fleetFormatVersion": 2'), /fleetFormatVersion: must be 1/],
    ['no hosts', (d: string) => d.replace(/"hosts": \[[\s\S]*\]\n\}/, '"hosts": []\n}'), /hosts: must be a list of hosts/],
    ['a host name of 300 characters', (d: string) => d.replace('"host": "web03"', `"host": "${'x'.repeat(300)}"`), /must be a host name/],
    ['summary counts that disagree with the changes', (d: string) => d.replace('"create": 1', '"create": 7'), /is 7 but the changes hold 1/],
  ])('refuses %s', (_name, mutate, message) => {
    const doc = mutate(text);
    expect(doc).not.toBe(text);
    const error = refusal(doc);
    expect(error.message).toMatch(message);
    expect(error.diagnostics.every((d) => d.source?.file === 'fleet.json' && d.source.line >= 1)).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('fleet journals', () => {
  const journal = (hosts: { host: string; journal: string }[]) => JSON.stringify({ kind: 'regstate-fleet-journal', formatVersion: 1, createdAt: 'now', hosts });
  const good = `hosts/${hostDirName('web01')}/2026-12-02T05-00-00.000Z-42-apply.json`;

  test('a host journal path is exactly the folder its name leads to', () => {
    expect(parseFleetJournal(journal([{ host: 'web01', journal: good }]), 'j.json').hosts).toEqual([{ host: 'web01', journal: good }]);
  });

  test.each([
    ['a path out of the state directory', '../../../etc/passwd'],
    ['a path through hosts/..', 'hosts/../../secret-apply.json'],
    ["another host's folder", `hosts/${hostDirName('web02')}/2026-12-02T05-00-00.000Z-42-apply.json`],
    ['a deeper path', `hosts/${hostDirName('web01')}/x/2026-12-02T05-00-00.000Z-42-apply.json`],
    ['an absolute path', '/etc/passwd'],
  ])('refuses %s', (_name, path) => {
    expect(() => parseFleetJournal(journal([{ host: 'web01', journal: path }]), 'j.json')).toThrow(expect.objectContaining({ code: 'JOURNAL' }));
  });

  test('refuses a field it does not know, at the top or in a host entry, and a host listed twice', () => {
    const text = journal([{ host: 'web01', journal: good }]);
    const refuse = (edited: string, message: RegExp) => expect(() => parseFleetJournal(edited, 'j.json')).toThrow(expect.objectContaining({ code: 'JOURNAL', message: expect.stringMatching(message) }));
    refuse(text.replace('{', '{"undo": "rm -rf /", '), /undo is not a field of a fleet journal/);
    refuse(text.replace('"host":', '"extra": 1, "host":'), /hosts: extra is not a field of a host entry/);
    refuse(journal([{ host: 'web01', journal: good }, { host: 'WEB01', journal: good }]), /host WEB01 is listed twice/);
  });
});
