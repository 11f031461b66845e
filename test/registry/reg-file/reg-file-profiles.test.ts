import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegstateError } from '../../../src/errors.js';
import type { KeyRef } from '../../../src/model/key-ref.js';
import { openRegFile } from '../../../src/registry/reg-file/reg-file-backend.js';
import { ALICE, BOB, CAROL, SYSTEM, usersRegText } from '../users-fixture.js';

const hku = (path: string): KeyRef => ({ hive: 'HKU', path, view: 64 });

async function regFile(text: string): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'regstate-profiles-')), 'machine.reg');
  await writeFile(file, text);
  return file;
}

describe('.reg backend: listProfiles', () => {
  test('lists ProfileList in file order, loaded when the file holds HKU\\<sid>, kinds by SID, then the default profile', async () => {
    const backend = await openRegFile(await regFile(usersRegText()));
    expect(await backend.listProfiles()).toEqual([
      { sid: SYSTEM, loaded: true, kind: 'service', profilePath: 'C:\\Windows\\system32\\config\\systemprofile' },
      { sid: ALICE, loaded: true, kind: 'user', profilePath: 'C:\\Users\\alice' },
      { sid: BOB, loaded: true, kind: 'user', profilePath: 'C:\\Users\\bob' },
      { sid: CAROL, loaded: false, kind: 'user', profilePath: 'C:\\Users\\carol' },
      { sid: '<Default>', loaded: true, kind: 'default', profilePath: 'C:\\Users\\Default' },
    ]);
  });

  test('a ProfileList subkey that is not a SID (a .bak left-over) is no profile, as the agent lists them, even with a hive', async () => {
    const bak = `${ALICE}.bak`;
    const list = 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList';
    const text = `${usersRegText()}\r\n[${list}\\${bak}]\r\n"ProfileImagePath"="C:\\\\Users\\\\alice.old"\r\n\r\n[HKEY_USERS\\${bak}\\Software]\r\n`;
    const backend = await openRegFile(await regFile(text));
    expect((await backend.listProfiles()).map((p) => p.sid)).toEqual([SYSTEM, ALICE, BOB, CAROL, '<Default>']);
  });

  test('no default profile without HKU\\<Default>; no profiles without ProfileList', async () => {
    expect((await (await openRegFile(await regFile(usersRegText({ defaultProfile: false })))).listProfiles()).map((p) => p.sid)).toEqual([SYSTEM, ALICE, BOB, CAROL]);
    expect(await (await openRegFile(await regFile('Windows Registry Editor Version 5.00\r\n\r\n[HKEY_USERS\\S-1-5-21-1\\Software]\r\n'))).listProfiles()).toEqual([]);
  });

  test('a profile whose hive the file does not hold: reads fail PROFILE_UNAVAILABLE naming each key, writes fail per op, the file is not touched', async () => {
    const file = await regFile(usersRegText());
    const backend = await openRegFile(file);
    const error = await backend.read([{ key: hku(`${ALICE}\\Software\\Contoso\\Mail`) }, { key: hku(`${CAROL}\\Software\\Contoso\\Mail`) }, { key: hku(CAROL) }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegstateError);
    expect((error as RegstateError).diagnostics.map((d) => [d.code, d.message.split(':')[0]])).toEqual([
      ['PROFILE_UNAVAILABLE', `cannot read HKU\\${CAROL}\\Software\\Contoso\\Mail`],
      ['PROFILE_UNAVAILABLE', `cannot read HKU\\${CAROL}`],
    ]);
    const before = await readFile(file);
    const outcomes = await backend.write([{ op: 'set-value', key: hku(`${CAROL}\\Software\\X`), name: 'v', value: { type: 'REG_DWORD', data: 1 } }]);
    expect(outcomes).toEqual([{ ok: false, code: 'PROFILE_UNAVAILABLE', message: expect.stringContaining(`its hive is not in the .reg file`) }]);
    expect(await readFile(file)).toEqual(before);
  });

  test('the other users are read and written as any key', async () => {
    const backend = await openRegFile(await regFile(usersRegText()));
    const outcomes = await backend.write([{ op: 'set-value', key: hku(`${BOB}\\Software\\Contoso\\Mail`), name: 'EncryptSmtp', value: { type: 'REG_DWORD', data: 1 } }]);
    expect(outcomes).toEqual([{ ok: true }]);
    const [alice, bob] = await backend.read([{ key: hku(`${ALICE}\\Software\\Contoso\\Mail`) }, { key: hku(`${BOB}\\Software\\Contoso\\Mail`) }]);
    expect(alice?.values.map((v) => v.name)).toEqual(['EncryptSmtp', 'Legacy']);
    expect(bob?.values).toEqual([{ name: 'EncryptSmtp', value: { type: 'REG_DWORD', data: 1 } }]);
  });
});
