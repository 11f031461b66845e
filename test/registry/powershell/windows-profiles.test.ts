import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import type { KeyRef } from '../../../src/model/key-ref.js';
import { DEFAULT_PROFILE_SID } from '../../../src/model/user-profile.js';
import type { RegistryBackend } from '../../../src/registry/backend.js';
import { encodeReadRequest } from '../../../src/registry/powershell/agent-protocol.js';
import { type WindowsHost, WINDOWS_TIMEOUT_MS, describeWine, exportImage, openLiveBackend, readImage, startWindowsHost, withExportOracle } from '../../windows-host.js';

jest.setTimeout(WINDOWS_TIMEOUT_MS);

// Per-user values on the agent's Windows layer (a Windows PowerShell 7 under wine): the profiles request
// against wine's ProfileList, wine's own user hive under HKU\<SID> checked with `wine reg export`, and a
// profile that is not loaded, whose hive file the agent loads with RegLoadKey and unloads with RegUnLoadKey.
const PROFILE_LIST = 'HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList';
// Set-up adds these two ProfileList entries with `wine reg add` (wine's prefix lists only its own user).
const GHOST = 'S-1-5-21-0-0-0-2000'; // not logged on: its hive file is written below, in wine's own format
const BROKEN = 'S-1-5-21-0-0-0-2001'; // not logged on: its NTUSER.DAT is not a hive

const PROFILE_LIST_NAME = `HKEY_LOCAL_MACHINE\\${PROFILE_LIST.slice('HKLM\\'.length)}`;

const hku = (path: string): KeyRef => ({ hive: 'HKU', path, view: 64 });

describeWine('per-user hives on the Windows registry (Windows pwsh under wine)', () => {
  let host: WindowsHost;
  let backend: RegistryBackend;
  let sid: string;
  let userFolder: string;

  // The subkeys of a key (its full name, HKEY_...), as reg.exe lists them.
  async function subkeys(key: string): Promise<string[]> {
    const out = await host.wine.reg('query', key);
    return out
      .split(/\r?\n/)
      .filter((line) => line.toUpperCase().startsWith(`${key.toUpperCase()}\\`))
      .map((line) => line.slice(key.length + 1).trim());
  }

  beforeAll(async () => {
    host = await startWindowsHost();
    backend = await openLiveBackend(host);
    const listed = await subkeys(PROFILE_LIST_NAME);
    const users = listed.filter((name) => name.startsWith('S-1-5-21-'));
    if (users.length !== 1) throw new Error(`wine's ProfileList should list its one user, it lists ${JSON.stringify(listed)}`);
    sid = users[0] as string;
    const entry = await host.wine.query(`${PROFILE_LIST}\\${sid}`);
    userFolder = entry.get('ProfileImagePath')?.[1] ?? '';
    // A hive file in wine's registry format (what wine's RegSaveKey writes), and one that is not a hive.
    const drive = join(host.wine.prefix, 'drive_c', 'users');
    await mkdir(join(drive, 'ghost'), { recursive: true });
    await writeFile(join(drive, 'ghost', 'NTUSER.DAT'), `WINE REGISTRY Version 2\n;; All keys relative to REGISTRY\\\\User\\\\${GHOST}\n\n#arch=win64\n\n[Software\\\\Contoso] 1796218235\n"Theme"="light"\n"Size"=dword:0000000e\n`);
    await mkdir(join(drive, 'broken'), { recursive: true });
    await writeFile(join(drive, 'broken', 'NTUSER.DAT'), 'not a hive\n');
    await host.wine.reg('add', `${PROFILE_LIST}\\${GHOST}`, '/v', 'ProfileImagePath', '/t', 'REG_EXPAND_SZ', '/d', '%SystemDrive%\\users\\ghost', '/f');
    await host.wine.reg('add', `${PROFILE_LIST}\\${BROKEN}`, '/v', 'ProfileImagePath', '/t', 'REG_SZ', '/d', 'C:\\users\\broken', '/f');
  }, 240_000);
  afterAll(async () => {
    await backend?.close();
    await host?.dispose();
  }, 60_000);

  test('profiles: wine\'s ProfileList, its logged-on user with account and folder, and the default profile', async () => {
    const profiles = (await backend.listProfiles?.()) ?? [];
    expect(userFolder).toMatch(/^C:\\users\\/i);
    const userName = userFolder.slice(userFolder.lastIndexOf('\\') + 1);
    expect(profiles).toEqual([
      { sid, account: expect.stringMatching(new RegExp(`^[^\\\\]+\\\\${userName}$`, 'i')), profilePath: userFolder, loaded: true, kind: 'user' },
      { sid: GHOST, profilePath: 'C:\\users\\ghost', loaded: false, kind: 'user' },
      { sid: BROKEN, profilePath: 'C:\\users\\broken', loaded: false, kind: 'user' },
      // wine's ProfileList has ProfilesDirectory (C:\users) and no Default value.
      { sid: DEFAULT_PROFILE_SID, profilePath: 'C:\\users\\Default', loaded: false, kind: 'default' },
    ]);
    // The oracle: reg.exe's view of ProfileList and HKU.
    expect(new Set(profiles.filter((p) => p.kind !== 'default').map((p) => p.sid))).toEqual(new Set(await subkeys(PROFILE_LIST_NAME)));
    expect(await subkeys('HKEY_USERS')).toContain(sid);
  });

  test('read and write of wine\'s user hive under HKU\\<SID>: reg export agrees, and it is the same hive as HKCU', async () => {
    const root = hku(`${sid}\\Software\\RegstateUsers`);
    const checked = withExportOracle(backend, host.wine, [root]);
    const outcomes = await checked.write([
      { op: 'set-value', key: root, name: 'Theme', value: { type: 'REG_SZ', data: 'dark' } },
      { op: 'set-value', key: { ...root, path: `${root.path}\\Inner` }, name: 'Size', value: { type: 'REG_DWORD', data: 0xfffffffe } },
      { op: 'set-value', key: root, name: 'Path', value: { type: 'REG_EXPAND_SZ', data: '%USERPROFILE%\\x' } },
    ]);
    expect(outcomes).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    // (withExportOracle compared reg export with the read-back after each write.)
    const exported = await exportImage(host.wine, root);
    expect(exported.size).toBe(2);
    expect(await readImage(backend, root)).toEqual(exported);
    const [viaHkcu] = await backend.read([{ key: { hive: 'HKCU', path: 'Software\\RegstateUsers', view: 64 } }]);
    expect(viaHkcu?.values.map((v) => v.name).sort()).toEqual(['Path', 'Theme']);
    expect((await host.wine.query('HKCU\\Software\\RegstateUsers\\Inner')).get('Size')).toEqual(['REG_DWORD', '0xfffffffe']);
    // Deleting goes through the same hive.
    expect(await checked.write([{ op: 'delete-key', key: root }])).toEqual([{ ok: true }]);
    expect(await readImage(backend, root)).toEqual(new Map());
  });

  test('a profile that is not loaded: its hive file is loaded with RegLoadKey for the request and unloaded, paths as asked', async () => {
    const requests = [{ key: hku(`${GHOST}\\Software\\Contoso`) }, { key: hku(`${GHOST.toLowerCase()}\\Software`), recursive: true }];
    const answer = await host.session.request(encodeReadRequest(requests, undefined));
    expect(answer.errors).toEqual([]);
    expect(answer.stats?.hiveLoads).toBe(1);
    const live = await backend.read(requests);
    // (wine keeps a loaded hive's values in name order.)
    expect(live.map((k) => [k.key.path, [...k.values].sort((a, b) => a.name.localeCompare(b.name))])).toEqual([
      [`${GHOST}\\Software\\Contoso`, [
        { name: 'Size', value: { type: 'REG_DWORD', data: 14 } },
        { name: 'Theme', value: { type: 'REG_SZ', data: 'light' } },
      ]],
      [`${GHOST.toLowerCase()}\\Software`, []],
      [`${GHOST.toLowerCase()}\\Software\\Contoso`, expect.any(Array)],
    ]);
    // Unloaded: HKU holds wine's own keys only, nothing of the ghost's hive.
    expect((await subkeys('HKEY_USERS')).filter((name) => /^regstate-/i.test(name) || name === GHOST)).toEqual([]);
  });

  test('writes to a profile that is not loaded run on its loaded hive and leave nothing under HKU', async () => {
    const outcomes = await backend.write([
      { op: 'set-value', key: hku(`${GHOST}\\Software\\Contoso`), name: 'Written', value: { type: 'REG_DWORD', data: 1 } },
      { op: 'delete-value', key: hku(`${GHOST}\\Software\\Contoso`), name: 'Theme' },
    ]);
    expect(outcomes).toEqual([{ ok: true }, { ok: true }]);
    expect((await subkeys('HKEY_USERS')).filter((name) => /^regstate-/i.test(name) || name === GHOST)).toEqual([]);
    // What wine 8 does: RegUnLoadKey drops the loaded hive without writing it back to its file, so the
    // file keeps what it held (Windows writes a loaded hive's changes to its file).
    const file = await readFile(join(host.wine.prefix, 'drive_c', 'users', 'ghost', 'NTUSER.DAT'), 'utf8');
    expect(file).toContain('"Theme"="light"');
    expect(file).not.toContain('Written');
  });

  test('a hive file that is not a hive, and a default profile without one: PROFILE_UNAVAILABLE, nothing left under HKU, other users go on', async () => {
    const requests = [{ key: hku(`${BROKEN}\\Software`) }, { key: hku(`${sid}\\Software`) }, { key: hku(`${DEFAULT_PROFILE_SID}\\Software`) }, { key: hku(`${GHOST}\\Software\\Contoso`) }];
    const answer = await host.session.request(encodeReadRequest(requests, undefined));
    expect(answer.errors.map((e) => [e.request, e.code])).toEqual([
      [0, 'PROFILE_UNAVAILABLE'],
      [2, 'PROFILE_UNAVAILABLE'],
    ]);
    expect(answer.errors[0]?.message).toContain('C:\\users\\broken\\NTUSER.DAT');
    expect(answer.errors[1]?.message).toContain('C:\\users\\Default\\NTUSER.DAT');
    expect((answer.results as { request: number; exists: boolean }[]).map((r) => [r.request, r.exists])).toEqual([
      [1, true],
      [3, true],
    ]);
    const outcomes = await backend.write([
      { op: 'set-value', key: hku(`${BROKEN}\\Software\\X`), name: 'v', value: { type: 'REG_DWORD', data: 1 } },
      { op: 'set-value', key: hku(`${sid}\\Software\\RegstateUsers`), name: 'v', value: { type: 'REG_DWORD', data: 2 } },
    ]);
    expect(outcomes.map((o) => (o.ok ? 'ok' : o.code))).toEqual(['PROFILE_UNAVAILABLE', 'ok']);
    expect((await host.wine.query(`HKU\\${sid}\\Software\\RegstateUsers`)).get('v')).toEqual(['REG_DWORD', '0x2']);
    expect((await subkeys('HKEY_USERS')).filter((name) => /^regstate-/i.test(name))).toEqual([]);
  });
});
