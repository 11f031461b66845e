// Plans the renderer tests show: the AGPM e-mail security drift, and one of every kind of change.
import { planChanges } from '../../src/plan/plan-changes.js';
import type { Plan, PlanUser } from '../../src/plan/plan.js';
import {
  absent, absentKey, at, binary, desiredState, dword, expandSz, key, liveKey, liveState, missingKey, multiSz, present, presentKey, qword, sz,
} from '../builders.js';

const FILE = 'configs/agpm-email-security.yaml';
const AGPM = 'HKLM\\SOFTWARE\\Microsoft\\AGPM';

/** EncryptSmtp 0 → 1, SmtpPort missing → 587, three declared items already right. */
export function agpmPlan(): Plan {
  const desired = desiredState(
    presentKey(AGPM, [
      present('EncryptSmtp', dword(1), at(12, 9, FILE)),
      present('SmtpPort', dword(587), at(16, 9, FILE)),
      present('SmtpServer', sz('mail.example.com'), at(20, 9, FILE)),
      absent('SmtpPassword', at(24, 9, FILE)),
    ], at(9, 5, FILE)),
    absentKey(`${AGPM}\\Legacy`, at(28, 5, FILE)),
  );
  const live = liveState(liveKey(AGPM, { EncryptSmtp: dword(0), SmtpServer: sz('mail.example.com') }), missingKey(`${AGPM}\\Legacy`));
  return planChanges(desired, live);
}

/** Every action and kind: retype, delete, key create and delete, the 32-bit view, long binary. */
export function mixedPlan(): Plan {
  const app = key('HKLM\\SOFTWARE\\Contoso\\App', 32);
  const desired = desiredState(
    presentKey(app, [
      present('', sz('Contoso App'), at(3)),
      present('Enabled', dword(1), at(4)),
      present('Path', expandSz('%ProgramFiles%\\Contoso\\'), at(5)),
      present('Servers', multiSz('a.example', 'b.example'), at(6)),
      present('Limit', qword(2n ** 53n + 1n), at(7)),
      absent('Trailing', at(8)),
    ], at(2)),
    presentKey('HKCU\\Software\\Contoso', [present('Blob', binary(...Array.from({ length: 40 }, (_, i) => i)), at(11))], at(10)),
    absentKey('HKCU\\Software\\Contoso\\Cache', at(13)),
  );
  const live = liveState(
    liveKey(app, { '': sz('Contoso'), Enabled: sz('1'), Path: expandSz('C:\\Program Files\\Contoso\\'), Servers: multiSz('b.example', 'a.example'), Limit: qword(2n ** 53n), Trailing: sz('x  \n') }),
    missingKey('HKCU\\Software\\Contoso'),
    liveKey('HKCU\\Software\\Contoso\\Cache', { A: dword(1), B: dword(2) }, ['Old']),
    liveKey('HKCU\\Software\\Contoso\\Cache\\Old', { C: dword(3) }),
  );
  return planChanges(desired, live);
}

export const ALICE = 'S-1-5-21-7-1001';
export const BOB = 'S-1-5-21-7-1002';
export const CAROL = 'S-1-5-21-7-1003';

/** A user logged on, one not, one whose hive could not be read, and the default profile. */
export const planUsers = (): PlanUser[] => [
  { sid: ALICE, account: 'CONTOSO\\alice', loaded: true, kind: 'user' },
  { sid: BOB, loaded: false, kind: 'user' },
  { sid: CAROL, account: 'CONTOSO\\carol', loaded: false, kind: 'user', unavailable: { code: 'PROFILE_UNAVAILABLE', message: `cannot read HKU\\${CAROL}\\Software\\X: C:\\Users\\carol\\NTUSER.DAT is in use by another process` } },
  { sid: '<Default>', loaded: false, kind: 'default' },
];

/** Per-user keys (HKU\<sid>\...) of two users, and a key of no user. */
export function perUserPlan(): Plan {
  return {
    changes: [
      { action: 'update', key: key(`HKU\\${ALICE}\\Software\\X`), name: 'Mode', before: dword(0), after: dword(1), source: at(6) },
      { action: 'create-key', key: key(`HKU\\${BOB}\\Software\\X`), before: null, after: null, source: at(3) },
      { action: 'create', key: key(`HKU\\${BOB}\\Software\\X`), name: 'Mode', before: null, after: dword(1), source: at(6) },
      { action: 'create', key: key('HKLM\\SOFTWARE\\Y'), name: 'Mode', before: null, after: dword(1), source: at(9) },
    ],
    unchanged: 1,
    users: planUsers(),
  };
}
