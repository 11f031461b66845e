import { DEFAULT_PROFILE_SID } from '../../../src/model/user-profile.js';
import { decodeProfilesAnswer, encodeProfilesRequest } from '../../../src/registry/powershell/agent-protocol.js';
import type { AgentAnswer } from '../../../src/registry/powershell/answer-line.js';

// The profiles answer is checked as strictly as the read and write answers: anything the agent's
// protocol does not produce is POWERSHELL_PROTOCOL, never a profile.
const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
const ok = (results: unknown): AgentAnswer => ({ ok: true, results, errors: [] });
const user = { sid: 'S-1-5-21-1-2-3-1001', account: b64('CONTOSO\\älice'), profilePath: b64('C:\\Users\\älice'), loaded: true, kind: 'user' };
const def = { sid: DEFAULT_PROFILE_SID, account: null, profilePath: b64('C:\\Users\\Default'), loaded: false, kind: 'default' };

describe('the profiles request and its answer', () => {
  test('the request carries the simulated hive path as base64, or null', () => {
    expect(encodeProfilesRequest('/tmp/h.json')).toEqual({ op: 'profiles', simulatedHive: b64('/tmp/h.json') });
    expect(encodeProfilesRequest(undefined)).toEqual({ op: 'profiles', simulatedHive: null });
  });

  test('decodes accounts and folders from base64, and leaves absent ones out', () => {
    expect(decodeProfilesAnswer(ok([user, { sid: 'S-1-5-18', account: null, profilePath: null, loaded: false, kind: 'service' }, def]))).toEqual([
      { sid: 'S-1-5-21-1-2-3-1001', account: 'CONTOSO\\älice', profilePath: 'C:\\Users\\älice', loaded: true, kind: 'user' },
      { sid: 'S-1-5-18', loaded: false, kind: 'service' },
      { sid: DEFAULT_PROFILE_SID, profilePath: 'C:\\Users\\Default', loaded: false, kind: 'default' },
    ]);
  });

  test.each([
    ['results that are not a list', { a: 1 }],
    ['a profile that is not an object', [[user]]],
    ['a SID that is not one', [{ ...user, sid: 'S-1-5-21-1-2-3-1001.bak' }]],
    ['a SID with a path in it', [{ ...user, sid: 'S-1-5-21-1\\..\\X' }]],
    ['a profile without a SID', [{ ...user, sid: undefined }]],
    ['the same SID twice, ignoring case', [user, { ...user, sid: user.sid.toLowerCase() }]],
    ['an unknown kind', [{ ...user, kind: 'admin' }]],
    ['a default profile under another name', [{ ...def, sid: 'S-1-5-21-1-2-3-1002' }]],
    ['a user named as the default profile', [{ ...user, sid: DEFAULT_PROFILE_SID }]],
    ['a loaded default profile', [{ ...def, loaded: true }]],
    ['loaded that is not a boolean', [{ ...user, loaded: 'yes' }]],
    ['an account that is not base64', [{ ...user, account: 'CONTOSO\\alice' }]],
    ['an account that is not UTF-8', [{ ...user, account: Buffer.from([0xff, 0xfe]).toString('base64') }]],
    ['a folder with a NUL', [{ ...user, profilePath: b64('C:\\Users\0x') }]],
    ['an empty folder', [{ ...user, profilePath: '' }]],
    ['a field the protocol does not have', [{ ...user, __proto__: null, extra: 1 }]],
    ['a prototype key', [JSON.parse(`{ "sid": "${user.sid}", "loaded": true, "kind": "user", "account": null, "profilePath": null, "__proto__": { "x": 1 } }`)]],
  ])('refuses %s with POWERSHELL_PROTOCOL', (_, results) => {
    expect(() => decodeProfilesAnswer(ok(results))).toThrow(expect.objectContaining({ code: 'POWERSHELL_PROTOCOL' }));
  });

  test('a failed request throws its own code', () => {
    expect(() => decodeProfilesAnswer({ ok: false, results: null, errors: [{ code: 'ACCESS_DENIED', message: 'no' }] })).toThrow(expect.objectContaining({ code: 'ACCESS_DENIED' }));
  });
});
