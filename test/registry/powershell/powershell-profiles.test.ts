import { existsSync } from 'node:fs';
import { chmod, lstat, mkdir, readFile, readdir, readlink, rename, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyRef } from '../../../src/model/key-ref.js';
import { DEFAULT_PROFILE_SID } from '../../../src/model/user-profile.js';
import type { RegistryBackend } from '../../../src/registry/backend.js';
import { encodeReadRequest, encodeWriteRequest } from '../../../src/registry/powershell/agent-protocol.js';
import { createPowerShellBackend } from '../../../src/registry/powershell/powershell-backend.js';
import { PowerShellSession } from '../../../src/registry/powershell/powershell-session.js';
import { describeWithPwsh, tempDir } from './pwsh-helper.js';

// Per-user values on the simulated hive (real pwsh): ProfileList, loaded user hives (HKU\<SID> in the
// hive file) and unloaded ones (<ProfileImagePath>/NTUSER.DAT, loaded for the request and written back).
const PROFILE_LIST = 'HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList';
const ALICE = 'S-1-5-21-100-200-300-1001'; // logged on: HKU\ALICE is in the hive file
const BOB = 'S-1-5-21-100-200-300-1002'; // not logged on: NTUSER.DAT in his folder
const CAROL = 'S-1-5-21-100-200-300-1003'; // not logged on, and no NTUSER.DAT
const DAVE = 'S-1-12-1-400-500-600-700'; // an Azure AD user, not logged on, NTUSER.DAT is not a hive
const SYSTEM = 'S-1-5-18';

const hku = (path: string): KeyRef => ({ hive: 'HKU', path, view: 64 });
const sz = (data: string) => ({ type: 'REG_SZ' as const, data });
const dword = (data: number) => ({ type: 'REG_DWORD' as const, data });

interface HiveKey {
  path: string;
  readOnly?: boolean;
  denyRead?: boolean;
  values: { name: string; kind: string; data: unknown }[];
}

const hiveDoc = (keys: HiveKey[], extra: Record<string, unknown> = {}) => ({ format: 'regstate-simulated-hive', version: 1, keys, ...extra });

describeWithPwsh('per-user hives on the simulated hive (real pwsh)', (pwsh) => {
  let session: PowerShellSession;
  let root: string;
  let cleanup: () => Promise<void>;
  let n = 0;
  // Per test: the machine's hive file, a profiles folder, and a backend on both.
  let dir: string;
  let hive: string;
  let backend: RegistryBackend;

  beforeAll(async () => {
    ({ dir: root, cleanup } = await tempDir());
    // ProfileImagePath values are REG_EXPAND_SZ with %REGSTATE_PROFILES%, expanded by the agent.
    session = new PowerShellSession({ executable: pwsh(), env: { ...process.env, REGSTATE_PROFILES: join(root, 'users') } });
  });
  afterAll(async () => {
    await session?.close();
    await cleanup?.();
  });
  beforeEach(async () => {
    dir = join(root, 'users');
    await mkdir(dir, { recursive: true });
    hive = join(root, `machine-${n++}.json`);
    backend = await createPowerShellBackend({ simulatedHive: hive, session, platform: 'linux' });
  });

  // Each test has its own folder per user: the run number keeps them apart.
  const folder = (user: string): string => join(dir, `${user}-${n}`);
  const ntuser = (user: string): string => join(folder(user), 'NTUSER.DAT');

  async function machine(options: { defaultValue?: boolean; profilesDirectory?: boolean } = {}): Promise<void> {
    const listValues = [
      ...(options.profilesDirectory === false ? [] : [{ name: 'ProfilesDirectory', kind: 'ExpandString', data: '%REGSTATE_PROFILES%' }]),
      ...(options.defaultValue === false ? [] : [{ name: 'Default', kind: 'ExpandString', data: `%REGSTATE_PROFILES%/default-${n}` }]),
    ];
    const entry = (sid: string, user: string): HiveKey => ({ path: `${PROFILE_LIST}\\${sid}`, values: [{ name: 'ProfileImagePath', kind: 'ExpandString', data: `%REGSTATE_PROFILES%/${user}-${n}` }] });
    await writeFile(
      hive,
      JSON.stringify(
        hiveDoc(
          [
            { path: PROFILE_LIST, values: listValues },
            { path: `${PROFILE_LIST}\\${SYSTEM}`, values: [{ name: 'ProfileImagePath', kind: 'ExpandString', data: '%systemroot%\\system32\\config\\systemprofile' }] },
            entry(ALICE, 'alice'),
            entry(BOB, 'bob'),
            entry(CAROL, 'carol'),
            entry(DAVE, 'dave'),
            // A profile Windows set aside (a temporary profile was used): not a SID, never listed.
            entry(`${BOB}.bak`, 'bob-old'),
            { path: `HKU\\${SYSTEM}\\Software`, values: [] },
            { path: `HKU\\${ALICE}\\Software\\Contoso`, values: [{ name: 'Theme', kind: 'String', data: 'dark' }] },
          ],
          { accounts: { [ALICE]: 'CONTOSO\\alice', [BOB]: 'CONTOSO\\bob', [SYSTEM]: 'NT AUTHORITY\\SYSTEM' } },
        ),
      ),
    );
    await mkdir(folder('bob'), { recursive: true });
    await writeFile(ntuser('bob'), JSON.stringify(hiveDoc([{ path: 'Software\\Contoso', values: [{ name: 'Theme', kind: 'String', data: 'light' }] }, { path: 'Software\\Contoso\\Pinned', readOnly: true, values: [] }, { path: 'Software\\Secret', denyRead: true, values: [] }])));
    await mkdir(folder('carol'), { recursive: true });
    await mkdir(folder('dave'), { recursive: true });
    await writeFile(ntuser('dave'), '{ "format": "regstate-simulated-hive", "keys": [ oops');
    await mkdir(folder('default'), { recursive: true });
    await writeFile(ntuser('default'), JSON.stringify(hiveDoc([{ path: '', values: [{ name: 'AtRoot', kind: 'DWord', data: 1 }] }])));
  }

  async function stored(file: string): Promise<{ keys: HiveKey[] } & Record<string, unknown>> {
    return JSON.parse(await readFile(file, 'utf8'));
  }

  test('profiles: every SID of ProfileList, loaded or not, with account, expanded folder and kind, then the default profile', async () => {
    await machine();
    const profiles = await backend.listProfiles?.();
    expect(profiles).toEqual([
      { sid: SYSTEM, account: 'NT AUTHORITY\\SYSTEM', profilePath: '%systemroot%\\system32\\config\\systemprofile', loaded: true, kind: 'service' },
      { sid: ALICE, account: 'CONTOSO\\alice', profilePath: folder('alice'), loaded: true, kind: 'user' },
      { sid: BOB, account: 'CONTOSO\\bob', profilePath: folder('bob'), loaded: false, kind: 'user' },
      { sid: CAROL, profilePath: folder('carol'), loaded: false, kind: 'user' },
      { sid: DAVE, profilePath: folder('dave'), loaded: false, kind: 'user' },
      { sid: DEFAULT_PROFILE_SID, profilePath: folder('default'), loaded: false, kind: 'default' },
    ]);
    // One round trip, and listing profiles loads no hive.
    const before = backend.stats().roundTrips;
    const answer = await session.request({ op: 'profiles', simulatedHive: Buffer.from(hive).toString('base64') });
    expect(backend.stats().roundTrips).toBe(before + 1);
    expect(answer.stats?.hiveLoads).toBe(0);
  });

  test('profiles: the default profile is ProfilesDirectory\\Default without a Default value, and absent without either', async () => {
    await machine({ defaultValue: false });
    const profiles = (await backend.listProfiles?.()) ?? [];
    expect(profiles.find((p) => p.kind === 'default')).toEqual({ sid: DEFAULT_PROFILE_SID, profilePath: join(dir, 'Default'), loaded: false, kind: 'default' });
    await machine({ defaultValue: false, profilesDirectory: false });
    expect(((await backend.listProfiles?.()) ?? []).map((p) => p.kind)).toEqual(['service', 'user', 'user', 'user', 'user']);
  });

  test('profiles: a machine without ProfileList has none, and the hive file is not created', async () => {
    expect(await backend.listProfiles?.()).toEqual([]);
    expect(existsSync(hive)).toBe(false);
  });

  test('reads: a logged-on user from HKU\\<SID>, the others from their NTUSER.DAT, paths as asked, each hive loaded once', async () => {
    await machine();
    const requests = [
      { key: hku(`${ALICE}\\Software\\Contoso`) },
      { key: hku(`${BOB}\\Software`) },
      { key: hku(`${BOB.toLowerCase()}\\Software\\Contoso`) },
      { key: hku(`${BOB}\\Software\\Missing`) },
      { key: hku(DEFAULT_PROFILE_SID) },
      { key: hku(`${DEFAULT_PROFILE_SID}\\Software`) },
    ];
    const answer = await session.request(encodeReadRequest(requests, hive));
    expect(answer.stats?.hiveLoads).toBe(2);
    const live = await backend.read(requests);
    expect(live.map((k) => [k.key.path, k.exists, k.values])).toEqual([
      [`${ALICE}\\Software\\Contoso`, true, [{ name: 'Theme', value: sz('dark') }]],
      [`${BOB}\\Software`, true, []],
      [`${BOB.toLowerCase()}\\Software\\Contoso`, true, [{ name: 'Theme', value: sz('light') }]],
      [`${BOB}\\Software\\Missing`, false, []],
      [DEFAULT_PROFILE_SID, true, [{ name: 'AtRoot', value: dword(1) }]],
      [`${DEFAULT_PROFILE_SID}\\Software`, false, []],
    ]);
    const recursive = await backend.read([{ key: hku(`${BOB}\\Software\\Contoso`), recursive: true }]);
    expect(recursive.map((k) => [k.key.path, k.subkeys])).toEqual([
      [`${BOB}\\Software\\Contoso`, ['Pinned']],
      [`${BOB}\\Software\\Contoso\\Pinned`, []],
    ]);
    // Nothing was written: neither file changed, and no temporary key reached the machine's file.
    expect((await stored(hive)).keys.filter((k) => /^HKU\\regstate-/i.test(k.path))).toEqual([]);
  });

  test('HKU read in the same request as an unloaded profile lists the logged-on users only', async () => {
    await machine();
    const live = await backend.read([{ key: hku(`${BOB}\\Software`) }, { key: hku(''), recursive: true }]);
    expect(live.find((k) => k.key.path === '')?.subkeys).toEqual([SYSTEM, ALICE]);
    expect(live.filter((k) => /regstate-/i.test(k.key.path))).toEqual([]);
  });

  test('a read error inside an unloaded hive names the key as asked, never the temporary key', async () => {
    await machine();
    await expect(backend.read([{ key: hku(`${BOB}\\Software\\Secret`) }])).rejects.toMatchObject({
      code: 'ACCESS_DENIED',
      message: expect.stringContaining(`HKU\\${BOB}\\Software\\Secret`),
    });
    const answer = await session.request(encodeReadRequest([{ key: hku(`${BOB}\\Software\\Secret`) }], hive));
    expect(JSON.stringify(answer)).not.toContain('regstate-');
  });

  test('writes: loaded users into the hive file, unloaded ones into their NTUSER.DAT (written back), one load per profile', async () => {
    await machine();
    const ops = [
      { op: 'set-value' as const, key: hku(`${ALICE}\\Software\\Contoso`), name: 'Size', value: dword(12) },
      { op: 'set-value' as const, key: hku(`${BOB}\\Software\\Contoso`), name: 'Size', value: dword(14) },
      { op: 'set-value' as const, key: { hive: 'HKLM' as const, path: 'SOFTWARE\\Contoso', view: 64 as const }, name: 'Machine', value: sz('yes') },
      { op: 'create-key' as const, key: hku(`${BOB}\\Software\\Contoso\\New`) },
      { op: 'delete-value' as const, key: hku(`${BOB}\\Software\\Contoso`), name: 'Theme' },
      { op: 'set-value' as const, key: hku(`${DEFAULT_PROFILE_SID}\\Software\\Contoso`), name: 'Size', value: dword(10) },
    ];
    const answer = await session.request(encodeWriteRequest(ops, hive));
    expect(answer.results).toEqual(ops.map(() => ({ ok: true })));
    expect(answer.stats?.hiveLoads).toBe(2);

    const machineFile = await stored(hive);
    expect(machineFile.keys.map((k) => k.path)).toEqual(expect.arrayContaining([`HKU\\${ALICE}\\Software\\Contoso`, 'HKLM\\SOFTWARE\\Contoso']));
    // Under HKU the file holds the logged-on users only: no temporary key, nothing of Bob's or the default profile's.
    expect(new Set(machineFile.keys.filter((k) => k.path.startsWith('HKU\\')).map((k) => k.path.split('\\')[1]))).toEqual(new Set([SYSTEM, ALICE]));
    expect(machineFile.accounts).toEqual({ [ALICE]: 'CONTOSO\\alice', [BOB]: 'CONTOSO\\bob', [SYSTEM]: 'NT AUTHORITY\\SYSTEM' });
    // NTUSER.DAT keeps its own relative paths and its flags.
    const bobFile = await stored(ntuser('bob'));
    expect(bobFile.keys).toEqual([
      { path: 'Software', values: [] },
      { path: 'Software\\Contoso', values: [{ name: 'Size', kind: 'DWord', data: 14 }] },
      { path: 'Software\\Contoso\\Pinned', readOnly: true, values: [] },
      { path: 'Software\\Contoso\\New', values: [] },
      { path: 'Software\\Secret', denyRead: true, values: [] },
    ]);
    expect((await stored(ntuser('default'))).keys).toEqual([
      { path: '', values: [{ name: 'AtRoot', kind: 'DWord', data: 1 }] },
      { path: 'Software', values: [] },
      { path: 'Software\\Contoso', values: [{ name: 'Size', kind: 'DWord', data: 10 }] },
    ]);
    const live = await backend.read([{ key: hku(`${BOB}\\Software\\Contoso`) }, { key: hku(`${ALICE}\\Software\\Contoso`) }]);
    expect(live.map((k) => k.values)).toEqual([[{ name: 'Size', value: dword(14) }], [
      { name: 'Theme', value: sz('dark') },
      { name: 'Size', value: dword(12) },
    ]]);
  });

  // As the .reg backend's file: a link is written through and stays a link, the file keeps its mode.
  test('a hive file and an NTUSER.DAT that are symbolic links: written through to their files, the links and modes kept', async () => {
    await mkdir(join(root, `real-${n}`));
    const realHive = join(root, `real-${n}`, 'machine.json');
    const realBob = join(root, `real-${n}`, 'bob.dat');
    await writeFile(realHive, '');
    await symlink(realHive, hive);
    await machine();
    await rename(ntuser('bob'), realBob);
    await symlink(realBob, ntuser('bob'));
    await chmod(realHive, 0o600);
    await chmod(realBob, 0o640);
    const ops = [
      { op: 'set-value' as const, key: { hive: 'HKLM' as const, path: 'SOFTWARE\\Contoso', view: 64 as const }, name: 'Machine', value: sz('yes') },
      { op: 'set-value' as const, key: hku(`${BOB}\\Software\\Contoso`), name: 'Size', value: dword(14) },
    ];
    expect(await backend.write(ops)).toEqual([{ ok: true }, { ok: true }]);
    expect(await readlink(hive)).toBe(realHive);
    expect(await readlink(ntuser('bob'))).toBe(realBob);
    expect((await stat(realHive)).mode & 0o777).toBe(0o600);
    expect((await stat(realBob)).mode & 0o777).toBe(0o640);
    expect((await stored(realHive)).keys).toContainEqual({ path: 'HKLM\\SOFTWARE\\Contoso', values: [{ name: 'Machine', kind: 'String', data: 'yes' }] });
    expect((await stored(realBob)).keys).toContainEqual({ path: 'Software\\Contoso', values: [{ name: 'Theme', kind: 'String', data: 'light' }, { name: 'Size', kind: 'DWord', data: 14 }] });
    // no temporary file left beside either file, nor beside the links
    expect((await lstat(hive)).isSymbolicLink()).toBe(true);
    expect((await readdir(join(root, `real-${n}`))).sort()).toEqual(['bob.dat', 'machine.json']);
    expect((await readdir(folder('bob'))).sort()).toEqual(['NTUSER.DAT']);
  });

  test('a write that changes nothing in an unloaded hive leaves its NTUSER.DAT untouched', async () => {
    await machine();
    const before = await readFile(ntuser('bob'), 'utf8');
    expect(await backend.write([{ op: 'delete-value', key: hku(`${BOB}\\Software\\Contoso`), name: 'NotThere' }])).toEqual([{ ok: true }]);
    expect(await readFile(ntuser('bob'), 'utf8')).toBe(before);
  });

  test('a failing op in an unloaded hive: the earlier and later ops are written, the hive is unloaded, nothing of it reaches the machine file', async () => {
    await machine();
    const outcomes = await backend.write([
      { op: 'set-value', key: hku(`${BOB}\\Software\\Contoso`), name: 'Before', value: dword(1) },
      { op: 'create-key', key: hku(`${BOB}\\Software\\Contoso\\Pinned\\Child`) },
      { op: 'set-value', key: hku(`${BOB}\\Software\\Contoso`), name: 'After', value: dword(2) },
      { op: 'set-value', key: hku(`${ALICE}\\Software\\Contoso`), name: 'Also', value: dword(3) },
    ]);
    expect(outcomes.map((o) => (o.ok ? 'ok' : o.code))).toEqual(['ok', 'ACCESS_DENIED', 'ok', 'ok']);
    expect(outcomes[1]).toMatchObject({ message: expect.stringContaining(`HKU\\${BOB}\\Software\\Contoso\\Pinned\\Child`) });
    expect(JSON.stringify(outcomes)).not.toContain('regstate-');
    const bobFile = await stored(ntuser('bob'));
    expect(bobFile.keys.find((k) => k.path === 'Software\\Contoso')?.values).toEqual([
      { name: 'Theme', kind: 'String', data: 'light' },
      { name: 'Before', kind: 'DWord', data: 1 },
      { name: 'After', kind: 'DWord', data: 2 },
    ]);
    const machineFile = await stored(hive);
    expect(machineFile.keys.some((k) => /^HKU\\regstate-/i.test(k.path))).toBe(false);
    expect(machineFile.keys.find((k) => k.path === `HKU\\${ALICE}\\Software\\Contoso`)?.values).toContainEqual({ name: 'Also', kind: 'DWord', data: 3 });
  });

  test('a process that dies mid-batch leaves no temporary key under HKU in the machine file', async () => {
    await machine();
    const doc = await stored(hive);
    await writeFile(hive, JSON.stringify({ ...doc, faults: { exitAfterWrites: 1 } }));
    const dying = await createPowerShellBackend({ executable: pwsh(), simulatedHive: hive, platform: 'linux' });
    try {
      await expect(
        dying.write([
          { op: 'set-value', key: hku(`${BOB}\\Software\\Contoso`), name: 'Lost', value: dword(1) },
          { op: 'set-value', key: hku(`${BOB}\\Software\\Contoso`), name: 'Never', value: dword(2) },
        ]),
      ).rejects.toMatchObject({ code: 'POWERSHELL_CRASHED' });
    } finally {
      await dying.close();
    }
    const machineFile = await stored(hive);
    expect(machineFile.faults).toBeUndefined();
    expect(machineFile.keys.some((k) => /^HKU\\regstate-/i.test(k.path))).toBe(false);
    // As a power loss on Windows: a hive loaded by the dead process keeps none of its changes.
    expect(JSON.stringify(await stored(ntuser('bob')))).not.toContain('Lost');
    // A second PowerShell process starts here: room for a loaded machine.
  }, 240_000);

  test('missing and corrupt NTUSER.DAT: PROFILE_UNAVAILABLE per key and per op, every other user goes on', async () => {
    await machine();
    const requests = [{ key: hku(`${CAROL}\\Software`) }, { key: hku(`${BOB}\\Software\\Contoso`) }, { key: hku(`${DAVE}\\Software`) }, { key: hku(`${CAROL}\\Other`) }, { key: hku(`${ALICE}\\Software\\Contoso`) }];
    const answer = await session.request(encodeReadRequest(requests, hive));
    expect(answer.ok).toBe(true);
    expect((answer.results as { request: number; exists: boolean }[]).map((r) => [r.request, r.exists])).toEqual([
      [1, true],
      [4, true],
    ]);
    expect(answer.errors.map((e) => [e.request, e.code])).toEqual([
      [0, 'PROFILE_UNAVAILABLE'],
      [2, 'PROFILE_UNAVAILABLE'],
      [3, 'PROFILE_UNAVAILABLE'],
    ]);
    expect(answer.errors[0]?.message).toContain(ntuser('carol'));
    expect(answer.errors[1]?.message).toMatch(/not a simulated hive/);
    expect(answer.stats?.hiveLoads).toBe(1);
    await expect(backend.read(requests)).rejects.toMatchObject({
      code: 'PROFILE_UNAVAILABLE',
      diagnostics: [
        { code: 'PROFILE_UNAVAILABLE', message: expect.stringContaining(`HKU\\${CAROL}\\Software`) },
        { code: 'PROFILE_UNAVAILABLE', message: expect.stringContaining(`HKU\\${DAVE}\\Software`) },
        { code: 'PROFILE_UNAVAILABLE', message: expect.stringContaining(`HKU\\${CAROL}\\Other`) },
      ],
    });

    const daveBefore = await readFile(ntuser('dave'), 'utf8');
    const outcomes = await backend.write([
      { op: 'set-value', key: hku(`${CAROL}\\Software\\Contoso`), name: 'Size', value: dword(1) },
      { op: 'set-value', key: hku(`${BOB}\\Software\\Contoso`), name: 'Size', value: dword(2) },
      { op: 'delete-key', key: hku(`${DAVE}\\Software\\Contoso`) },
      { op: 'set-value', key: hku(`${ALICE}\\Software\\Contoso`), name: 'Size', value: dword(3) },
      { op: 'create-key', key: hku(`${CAROL}\\Software`) },
    ]);
    expect(outcomes.map((o) => (o.ok ? 'ok' : o.code))).toEqual(['PROFILE_UNAVAILABLE', 'ok', 'PROFILE_UNAVAILABLE', 'ok', 'PROFILE_UNAVAILABLE']);
    expect(existsSync(ntuser('carol'))).toBe(false);
    expect(await readFile(ntuser('dave'), 'utf8')).toBe(daveBefore);
    const live = await backend.read([{ key: hku(`${BOB}\\Software\\Contoso`) }, { key: hku(`${ALICE}\\Software\\Contoso`) }]);
    expect(live.map((k) => k.values.find((v) => v.name === 'Size')?.value)).toEqual([dword(2), dword(3)]);
  });

  test('the default profile without a known folder is PROFILE_UNAVAILABLE; a SID ProfileList does not name is an ordinary HKU key', async () => {
    await machine({ defaultValue: false, profilesDirectory: false });
    await expect(backend.read([{ key: hku(`${DEFAULT_PROFILE_SID}\\Software`) }])).rejects.toMatchObject({ code: 'PROFILE_UNAVAILABLE' });
    const [unknown] = await backend.read([{ key: hku('S-1-5-21-9-9-9-9999\\Software') }]);
    expect(unknown?.exists).toBe(false);
  });

  test('a user hive root under HKU cannot be deleted, loaded or not', async () => {
    await machine();
    const outcomes = await backend.write([{ op: 'delete-key', key: hku(ALICE) }, { op: 'delete-key', key: hku(BOB) }]);
    expect(outcomes.map((o) => (o.ok ? 'ok' : o.code))).toEqual(['WRITE_FAILED', 'WRITE_FAILED']);
    expect((await backend.read([{ key: hku(`${ALICE}\\Software\\Contoso`) }]))[0]?.exists).toBe(true);
    expect(existsSync(ntuser('bob'))).toBe(true);
  });
});
