import fc from 'fast-check';
import { RegstateError } from '../../src/errors.js';
import type { DesiredKey, UserSelection } from '../../src/model/desired-state.js';
import { formatKey } from '../../src/model/key-ref.js';
import { DEFAULT_PROFILE_SID, type UserProfile } from '../../src/model/user-profile.js';
import { expandUserKeys } from '../../src/plan/expand-user-keys.js';
import { matchesUserPattern, selectsProfile } from '../../src/plan/select-profiles.js';
import { runs } from '../properties/arbitraries.js';
import { at, dword, present, presentKey } from '../builders.js';

const alice: UserProfile = { sid: 'S-1-5-21-10-20-30-1001', account: 'CONTOSO\\alice', loaded: true, kind: 'user' };
const bob: UserProfile = { sid: 'S-1-5-21-10-20-30-1002', account: 'CONTOSO\\Bob', loaded: false, kind: 'user' };
const admin: UserProfile = { sid: 'S-1-5-21-10-20-30-500', account: 'FABRIKAM\\Administrator', loaded: true, kind: 'user' };
const deleted: UserProfile = { sid: 'S-1-5-21-10-20-30-1099', loaded: false, kind: 'user' };
const aad: UserProfile = { sid: 'S-1-12-1-111-222-333-444', account: 'AzureAD\\Carol', loaded: true, kind: 'user' };
const system: UserProfile = { sid: 'S-1-5-18', account: 'NT AUTHORITY\\SYSTEM', loaded: true, kind: 'service' };
const network: UserProfile = { sid: 'S-1-5-20', account: 'NT AUTHORITY\\NETWORK SERVICE', loaded: true, kind: 'service' };
const defaults: UserProfile = { sid: DEFAULT_PROFILE_SID, loaded: false, kind: 'default' };
const PROFILES = [system, network, alice, bob, admin, deleted, aad, defaults];

const select = (spec: Partial<UserSelection>): UserSelection => ({ exclude: [], defaultProfile: false, source: at(4), ...spec });
const chosen = (spec: Partial<UserSelection>) => PROFILES.filter((p) => selectsProfile(select(spec), p)).map((p) => p.sid);

describe('user patterns', () => {
  test.each([
    ['S-1-5-21-*', 'S-1-5-21-10-20-30-1001', true],
    ['s-1-5-21-*', 'S-1-5-21-10-20-30-1001', true],
    ['S-1-5-21-*', 'S-1-5-18', false],
    ['CONTOSO\\*', 'contoso\\alice', true],
    ['CONTOSO\\*', 'CONTOSOX\\alice', false],
    ['*\\Administrator', 'FABRIKAM\\Administrator', true],
    ['*\\Administrator', 'FABRIKAM\\Administrators', false],
    ['user?', 'user1', true],
    ['user?', 'user12', false],
    ['a.b', 'aXb', false],
    ['(x)+', '(x)+', true],
    ['*', '', true],
  ])('%j matches %j: %s', (pattern, text, expected) => {
    expect(matchesUserPattern(pattern, text)).toBe(expected);
  });
});

describe('selectsProfile', () => {
  test.each<[string, Partial<UserSelection>, string[]]>([
    ['all: every user profile, no service profile, no default profile', {}, [alice.sid, bob.sid, admin.sid, deleted.sid, aad.sid]],
    ['include by SID glob', { include: ['S-1-5-21-*'] }, [alice.sid, bob.sid, admin.sid, deleted.sid]],
    ['include by account glob (an unknown account is matched by SID only)', { include: ['contoso\\*'] }, [alice.sid, bob.sid]],
    ['exclude wins over include', { include: ['CONTOSO\\*'], exclude: ['*\\bob'] }, [alice.sid]],
    ['exclude alone', { exclude: ['*\\Administrator', 'AzureAD\\*'] }, [alice.sid, bob.sid, deleted.sid]],
    ['* does not take service profiles', { include: ['*'] }, [alice.sid, bob.sid, admin.sid, deleted.sid, aad.sid]],
    ['a service profile by its exact SID', { include: ['S-1-5-18'] }, [system.sid]],
    ['a service profile not by a pattern or its account', { include: ['S-1-5-1?', 'NT AUTHORITY\\*'] }, []],
    ['the default profile with defaultProfile', { include: ['*\\alice'], defaultProfile: true }, [alice.sid, DEFAULT_PROFILE_SID]],
    ['patterns never take the default profile', { include: ['<Default>', '*'] }, [alice.sid, bob.sid, admin.sid, deleted.sid, aad.sid]],
  ])('%s', (_, spec, expected) => {
    expect(chosen(spec)).toEqual(expected);
  });
});

const perUser = (path: string, users: Partial<UserSelection>, values = [present('V', dword(1), at(6))]): DesiredKey => ({ ...presentKey(path, values, at(3)), users: select(users) });

describe('expandUserKeys', () => {
  test('each per-user key becomes one HKU\\<sid> key per selected profile, in declaration then profile order; other keys stay', () => {
    const plain = presentKey('HKLM\\SOFTWARE\\X');
    const desired = { files: [], keys: [perUser('HKCU\\Software\\A', { include: ['CONTOSO\\*'] }), plain, perUser('HKCU\\Software\\B', { include: ['*\\bob'], defaultProfile: true })] };
    const { desired: out, users } = expandUserKeys(desired, PROFILES);
    expect(out.keys.map((k) => `${formatKey(k.key)}:${k.key.view}`)).toEqual([
      `HKU\\${alice.sid}\\Software\\A:64`,
      `HKU\\${bob.sid}\\Software\\A:64`,
      'HKLM\\SOFTWARE\\X:64',
      `HKU\\${bob.sid}\\Software\\B:64`,
      'HKU\\<Default>\\Software\\B:64',
    ]);
    expect(out.keys.every((k) => k.users === undefined)).toBe(true);
    expect(out.keys[0]?.values).toEqual(desired.keys[0]?.values);
    expect(users).toEqual([
      { sid: alice.sid, account: 'CONTOSO\\alice', loaded: true, kind: 'user' },
      { sid: bob.sid, account: 'CONTOSO\\Bob', loaded: false, kind: 'user' },
      { sid: DEFAULT_PROFILE_SID, loaded: false, kind: 'default' },
    ]);
  });

  test('a concrete key also declared directly is merged by the config rules: a value declared twice is a DUPLICATE', () => {
    const direct = presentKey(`HKU\\${alice.sid}\\Software\\A`, [present('v', dword(2), at(9))], at(8));
    const run = () => expandUserKeys({ files: [], keys: [perUser('HKCU\\Software\\A', {}), direct] }, [alice]);
    expect(run).toThrow(RegstateError);
    expect(run).toThrow(/value "v" of key HKU\\S-1-5-21-10-20-30-1001\\Software\\A is declared twice: at test.yaml:6:5 and at test.yaml:9:5/);
  });

  test('a state without per-user keys is returned as it is, with no users', () => {
    const desired = { files: [], keys: [presentKey('HKCU\\Software\\A')] };
    expect(expandUserKeys(desired, PROFILES)).toEqual({ desired, users: [] });
  });

  const sidArb = fc.oneof(
    fc.tuple(fc.nat(99), fc.nat(9999)).map(([a, b]) => `S-1-5-21-${a}-${b}`),
    fc.constantFrom('S-1-5-18', 'S-1-5-19', 'S-1-5-20'),
  );
  const profileArb: fc.Arbitrary<UserProfile> = fc.record({ sid: sidArb, account: fc.option(fc.constantFrom('CONTOSO\\alice', 'contoso\\Bob', 'X\\Administrator'), { nil: undefined }), loaded: fc.boolean() }).map(
    ({ sid, account, loaded }) => ({ sid, loaded, kind: sid.startsWith('S-1-5-21-') ? 'user' : 'service', ...(account === undefined ? {} : { account }) }),
  );
  const profilesArb = fc.uniqueArray(profileArb, { selector: (p) => p.sid.toUpperCase(), maxLength: 6 });
  const patternArb = fc.constantFrom('*', 'S-1-5-21-*', 'S-1-5-18', 'CONTOSO\\*', '*\\Administrator', 'S-1-5-2?', '*b*');
  const selectionArb = fc.record({ include: fc.option(fc.array(patternArb, { minLength: 1, maxLength: 3 }), { nil: undefined }), exclude: fc.array(patternArb, { maxLength: 2 }), defaultProfile: fc.boolean() });

  test('property: every concrete key is HKU\\<a selected sid>\\<the HKCU path>; no service profile unless its SID is an include pattern; no excluded profile', () => {
    fc.assert(
      fc.property(profilesArb, selectionArb, (profiles, spec) => {
        const { include, ...rest } = spec;
        const key = perUser('HKCU\\Software\\P', include === undefined ? rest : { ...rest, include });
        const { desired, users } = expandUserKeys({ files: [], keys: [key] }, profiles);
        const sids = desired.keys.map((k) => k.key.path.split('\\')[0]);
        expect(desired.keys.every((k) => k.key.hive === 'HKU' && k.key.path.endsWith('\\Software\\P'))).toBe(true);
        expect(users.map((u) => u.sid)).toEqual(sids);
        for (const p of profiles.filter((x) => sids.includes(x.sid))) {
          if (p.kind === 'service') expect(include?.map((i) => i.toUpperCase())).toContain(p.sid.toUpperCase());
          expect(spec.exclude.some((e) => matchesUserPattern(e, p.sid) || (p.account !== undefined && matchesUserPattern(e, p.account)))).toBe(false);
        }
        // a user profile that no exclude pattern and some include pattern (or none) matches is taken
        for (const p of profiles.filter((x) => x.kind === 'user')) {
          const hit = (list: string[]) => list.some((e) => matchesUserPattern(e, p.sid) || (p.account !== undefined && matchesUserPattern(e, p.account)));
          expect(sids.includes(p.sid)).toBe((include === undefined || hit(include)) && !hit(spec.exclude));
        }
      }),
      { numRuns: runs(200) },
    );
  });
});
