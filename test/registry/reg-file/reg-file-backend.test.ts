import { execFileSync } from 'node:child_process';
import { chmod, copyFile, mkdtemp, readFile, readdir, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KeyRef } from '../../../src/model/key-ref.js';
import type { RegistryValue } from '../../../src/model/registry-value.js';
import type { WriteOp } from '../../../src/registry/backend.js';
import { openRegFile } from '../../../src/registry/reg-file/reg-file-backend.js';
import { parseRegFile } from '../../../src/registry/reg-file/parse-reg-file.js';

const fixturePath = (name: string): string => fileURLToPath(new URL(`fixtures/${name}`, import.meta.url));
const utf16 = (text: string): Buffer => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
const fromUtf16 = (bytes: Buffer): string => bytes.subarray(2).toString('utf16le');
const key = (hive: KeyRef['hive'], path: string, view: 32 | 64 = 64): KeyRef => ({ hive, path, view });

/** A file in our canonical form, as regedit writes it. */
const CANONICAL = [
  'Windows Registry Editor Version 5.00',
  '',
  '[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\AGPM]',
  '"EncryptSmtp"=dword:00000000',
  '"Archive Path"="C:\\\\ProgramData\\\\Microsoft\\\\AGPM"',
  '',
  '[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\AGPM\\Child]',
  '@="child default"',
  '',
  '[HKEY_LOCAL_MACHINE\\SOFTWARE\\Other]',
  '"Keep"=hex:01,02',
  '',
  '',
].join('\r\n');

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'regstate-regfile-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fileWith(bytes: Buffer, name = 'snap.reg'): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, bytes);
  return file;
}

async function writeOk(file: string, ops: WriteOp[]): Promise<void> {
  const backend = await openRegFile(file);
  expect(await backend.write(ops)).toEqual(ops.map(() => ({ ok: true })));
}

const AGPM = key('HKLM', 'SOFTWARE\\Microsoft\\AGPM');

describe('byte-for-byte: only what a write touches changes', () => {
  test('updating one value changes only its line', async () => {
    const file = await fileWith(utf16(CANONICAL));
    await writeOk(file, [{ op: 'set-value', key: AGPM, name: 'encryptsmtp', value: { type: 'REG_DWORD', data: 1 } }]);
    expect(fromUtf16(await readFile(file))).toBe(CANONICAL.replace('"EncryptSmtp"=dword:00000000', '"EncryptSmtp"=dword:00000001'));
  });

  test('a new value is appended to its section, a new key goes after its parent subtree', async () => {
    const file = await fileWith(utf16(CANONICAL));
    await writeOk(file, [
      { op: 'set-value', key: AGPM, name: 'SmtpPort', value: { type: 'REG_DWORD', data: 587 } },
      { op: 'set-value', key: key('HKLM', 'SOFTWARE\\Microsoft\\AGPM\\New'), name: 'n', value: { type: 'REG_SZ', data: 'v' } },
    ]);
    const expected = CANONICAL.replace('AGPM"\r\n\r\n', 'AGPM"\r\n"SmtpPort"=dword:0000024b\r\n\r\n').replace(
      '@="child default"\r\n\r\n',
      '@="child default"\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\AGPM\\New]\r\n"n"="v"\r\n\r\n',
    );
    expect(fromUtf16(await readFile(file))).toBe(expected);
  });

  test('deleting a key removes its section and every descendant section', async () => {
    const file = await fileWith(utf16(CANONICAL));
    await writeOk(file, [{ op: 'delete-key', key: AGPM }]);
    const text = fromUtf16(await readFile(file));
    expect(text).not.toContain('AGPM');
    expect(text).toContain('[HKEY_LOCAL_MACHINE\\SOFTWARE\\Other]\r\n"Keep"=hex:01,02\r\n');
  });

  /** A file and the names in it that the changes below touch. */
  interface Subject {
    bytes: () => Promise<Buffer>;
    key: KeyRef;
    dword: string;
    text: string;
    newKey: KeyRef;
  }

  /** Ops that recreate a key as the file shows it: every section within it, with its values. */
  function recreate(bytes: Buffer, k: KeyRef): WriteOp[] {
    const ops: WriteOp[] = [];
    const inside = (path: string): boolean => path.toUpperCase() === k.path.toUpperCase() || path.toUpperCase().startsWith(`${k.path.toUpperCase()}\\`);
    for (const s of parseRegFile(bytes, 'f').sections) {
      if (s.delete || s.hive !== k.hive || !inside(s.path)) continue;
      ops.push({ op: 'create-key', key: { ...k, path: s.path } });
      for (const e of s.entries) if (e.type === 'value' && e.value) ops.push({ op: 'set-value', key: { ...k, path: s.path }, name: e.name, value: e.value });
    }
    return ops;
  }

  function valueIn(bytes: Buffer, k: KeyRef, name: string): RegistryValue {
    const s = parseRegFile(bytes, 'f').sections.find((x) => x.path === k.path);
    const e = s?.entries.find((x) => x.type === 'value' && x.name === name);
    if (e?.type !== 'value' || !e.value) throw new Error(`no ${name} in the fixture`);
    return e.value;
  }

  const CHANGES = ['update, then restore', 'create, then delete', 'delete, then recreate', 'retype, then restore', 'new key, then delete it', 'delete a key, then recreate it'];

  function changes(bytes: Buffer, x: Subject): [string, WriteOp[], WriteOp[]][] {
    const dword = valueIn(bytes, x.key, x.dword);
    const text = valueIn(bytes, x.key, x.text);
    return [
      ['update, then restore', [{ op: 'set-value', key: x.key, name: x.dword, value: { type: 'REG_DWORD', data: 12345 } }], [{ op: 'set-value', key: x.key, name: x.dword, value: dword }]],
      ['create, then delete', [{ op: 'set-value', key: x.key, name: 'SmtpPort', value: { type: 'REG_DWORD', data: 587 } }], [{ op: 'delete-value', key: x.key, name: 'SmtpPort' }]],
      ['delete, then recreate', [{ op: 'delete-value', key: x.key, name: x.text }], [{ op: 'set-value', key: x.key, name: x.text, value: text }]],
      ['retype, then restore', [{ op: 'set-value', key: x.key, name: x.dword, value: { type: 'REG_SZ', data: '1' } }], [{ op: 'set-value', key: x.key, name: x.dword, value: dword }]],
      [
        'new key, then delete it',
        [{ op: 'set-value', key: { ...x.newKey, path: `${x.newKey.path}\\Deep` }, name: 'x', value: { type: 'REG_DWORD', data: 1 } }],
        [{ op: 'delete-key', key: x.newKey }],
      ],
      ['delete a key, then recreate it', [{ op: 'delete-key', key: x.key }], recreate(bytes, x.key)],
    ];
  }

  const subjects: [string, Subject][] = [
    ['our canonical file', { bytes: async () => utf16(CANONICAL), key: AGPM, dword: 'EncryptSmtp', text: 'Archive Path', newKey: key('HKLM', 'SOFTWARE\\New') }],
    [
      'a wine reg export file',
      {
        bytes: () => readFile(fixturePath('wine-export.reg')),
        key: key('HKCU', 'Software\\RegstateTest\\Fixture'),
        dword: 'Dword',
        text: 'Text',
        newKey: key('HKCU', 'Software\\RegstateTest\\New'),
      },
    ],
  ];

  describe.each(subjects)('%s', (_label, subject) => {
    test.each(CHANGES)('%s gives back the original bytes', async (label) => {
      const bytes = await subject.bytes();
      const [, apply, rollback] = changes(bytes, subject).find(([l]) => l === label) as [string, WriteOp[], WriteOp[]];
      const file = await fileWith(bytes);
      const backend = await openRegFile(file);
      expect(await backend.write(apply)).toEqual(apply.map(() => ({ ok: true })));
      expect((await readFile(file)).equals(bytes)).toBe(false);
      expect(await backend.write(rollback)).toEqual(rollback.map(() => ({ ok: true })));
      expect(fromUtf16(await readFile(file))).toBe(fromUtf16(bytes));
      expect((await readFile(file)).equals(bytes)).toBe(true);
    });
  });

  test('a value changed back through a new backend over the file (as a later run opens it) gets its exact original text', async () => {
    const bytes = await readFile(fixturePath('wine-export.reg'));
    const file = await fileWith(bytes);
    const k = key('HKCU', 'Software\\RegstateTest\\Fixture');
    await writeOk(file, [{ op: 'set-value', key: k, name: 'Binary', value: { type: 'REG_BINARY', data: new Uint8Array([1]) } }]);
    const original = parseRegFile(bytes, 'w').sections[0]?.entries.find((e) => e.type === 'value' && e.name === 'Binary');
    if (original?.type !== 'value' || !original.value) throw new Error('fixture has no Binary value');
    await writeOk(file, [{ op: 'set-value', key: k, name: 'Binary', value: original.value }]);
    expect((await readFile(file)).equals(bytes)).toBe(true);
  });
});

describe('file handling', () => {
  test('a missing file is FILE_NOT_FOUND naming it; so is a file in a missing folder', async () => {
    const file = join(dir, 'typo.reg');
    await expect(openRegFile(file)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND', message: expect.stringContaining(file) });
    await expect(openRegFile(join(dir, 'no-such-dir', 'x.reg'), { create: true })).rejects.toMatchObject({ code: 'WRITE_FAILED', message: expect.stringContaining('does not exist') });
    expect(await readdir(dir)).toEqual([]);
  });

  test('with create, a missing file is an empty registry, created by the first write that changes something', async () => {
    const file = join(dir, 'new.reg');
    const backend = await openRegFile(file, { create: true });
    expect(backend.target).toEqual({ backend: 'regfile', file });
    expect(await backend.read([{ key: AGPM }])).toEqual([{ key: AGPM, exists: false, values: [], subkeys: [] }]);
    expect(await backend.write([{ op: 'delete-value', key: AGPM, name: 'x' }, { op: 'delete-key', key: AGPM }])).toEqual([{ ok: true }, { ok: true }]);
    await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
    await backend.write([{ op: 'set-value', key: AGPM, name: 'EncryptSmtp', value: { type: 'REG_DWORD', data: 1 } }]);
    expect(fromUtf16(await readFile(file))).toBe(
      'Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE]\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft]\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\AGPM]\r\n"EncryptSmtp"=dword:00000001\r\n\r\n',
    );
    expect((await readFile(file)).subarray(0, 2)).toEqual(Buffer.from([0xff, 0xfe]));
  });

  test('a batch that changes nothing does not rewrite the file; a write leaves no temporary file', async () => {
    const file = await fileWith(utf16(CANONICAL));
    const before = await stat(file);
    await writeOk(file, [
      { op: 'set-value', key: AGPM, name: 'EncryptSmtp', value: { type: 'REG_DWORD', data: 0 } },
      { op: 'create-key', key: AGPM },
    ]);
    expect((await stat(file)).ino).toBe(before.ino);
    await writeOk(file, [{ op: 'set-value', key: AGPM, name: 'EncryptSmtp', value: { type: 'REG_DWORD', data: 1 } }]);
    expect((await stat(file)).ino).not.toBe(before.ino);
    expect(await readdir(dir)).toEqual(['snap.reg']);
  });

  test('compare-and-swap: a file changed by another program since it was read is not overwritten', async () => {
    const file = await fileWith(utf16(CANONICAL));
    const backend = await openRegFile(file);
    await backend.read([{ key: AGPM }]);
    const theirs = utf16(CANONICAL.replace('dword:00000000', 'dword:00000007'));
    await writeFile(file, theirs);
    await expect(backend.captureImage()).rejects.toMatchObject({ code: 'TARGET_CHANGED', message: expect.stringContaining(file) });
    await expect(backend.write([{ op: 'set-value', key: AGPM, name: 'SmtpPort', value: { type: 'REG_DWORD', data: 587 } }])).rejects.toMatchObject({ code: 'TARGET_CHANGED' });
    expect((await readFile(file)).equals(theirs)).toBe(true);
    // Once read again, the write goes ahead on top of their change.
    await backend.read([{ key: AGPM }]);
    await backend.write([{ op: 'set-value', key: AGPM, name: 'SmtpPort', value: { type: 'REG_DWORD', data: 587 } }]);
    expect(fromUtf16(await readFile(file))).toContain('"EncryptSmtp"=dword:00000007\r\n"Archive Path"');
  });

  test('a symbolic link is written through: the link stays, its target changes and keeps mode 0600', async () => {
    const real = await fileWith(utf16(CANONICAL), 'real.reg');
    await chmod(real, 0o600);
    const link = join(dir, 'link.reg');
    await symlink(real, link);
    await writeOk(link, [{ op: 'set-value', key: AGPM, name: 'EncryptSmtp', value: { type: 'REG_DWORD', data: 1 } }]);
    expect(await readlink(link)).toBe(real);
    expect(fromUtf16(await readFile(real))).toContain('"EncryptSmtp"=dword:00000001');
    expect((await stat(real)).mode & 0o777).toBe(0o600);
    expect((await readdir(dir)).sort()).toEqual(['link.reg', 'real.reg']);
  });

  test('a restored image keeps the mode too, and goes through the link', async () => {
    const real = await fileWith(utf16(CANONICAL), 'real.reg');
    await chmod(real, 0o600);
    const link = join(dir, 'link.reg');
    await symlink(real, link);
    const backend = await openRegFile(link);
    const image = await backend.captureImage();
    await backend.write([{ op: 'set-value', key: AGPM, name: 'EncryptSmtp', value: { type: 'REG_DWORD', data: 1 } }]);
    expect(await backend.restoreImage(image, (await backend.captureImage()).sha256)).toBe(true);
    expect((await readFile(real)).equals(utf16(CANONICAL))).toBe(true);
    expect(await readlink(link)).toBe(real);
    expect((await stat(real)).mode & 0o777).toBe(0o600);
  });

  test('a FIFO or a device is refused at once, not read', async () => {
    const fifo = join(dir, 'pipe.reg');
    execFileSync('mkfifo', [fifo]);
    await expect(openRegFile(fifo)).rejects.toMatchObject({ code: 'FILE_UNREADABLE', message: `cannot read ${fifo}: it is a FIFO (named pipe), not a regular file` });
    await expect(openRegFile('/dev/zero')).rejects.toMatchObject({ code: 'FILE_UNREADABLE', message: 'cannot read /dev/zero: it is a character device, not a regular file' });
    await expect(openRegFile(dir)).rejects.toMatchObject({ code: 'FILE_UNREADABLE', message: `cannot read ${dir}: it is a directory, not a regular file` });
  });

  test('a file with syntax errors cannot be opened', async () => {
    const file = await fileWith(utf16('Windows Registry Editor Version 5.00\r\n[HKLM\\X\r\n'));
    await expect(openRegFile(file)).rejects.toMatchObject({ code: 'REG_SYNTAX', source: { file, line: 2, column: 8 } });
  });

  test('a change made to the file by someone else is seen by the next read', async () => {
    const file = await fileWith(utf16(CANONICAL));
    const backend = await openRegFile(file);
    await writeFile(file, utf16(CANONICAL.replace('dword:00000000', 'dword:00000005')));
    const [live] = await backend.read([{ key: AGPM }]);
    expect(live?.values.find((v) => v.name === 'EncryptSmtp')?.value).toEqual({ type: 'REG_DWORD', data: 5 });
  });

  test('a REGEDIT4 file is rewritten as version 5.00 UTF-16LE, keeping its data', async () => {
    const old = 'REGEDIT4\r\n\r\n[HKEY_CURRENT_USER\\Software\\Old]\r\n"Name"="caf\xe9"\r\n"Path"=hex(2):25,54,45,4d,50,25,00\r\n\r\n';
    const file = await fileWith(Buffer.from(old, 'latin1'));
    const k = key('HKCU', 'Software\\Old');
    await writeOk(file, [{ op: 'set-value', key: k, name: 'New', value: { type: 'REG_DWORD', data: 1 } }]);
    expect(fromUtf16(await readFile(file))).toBe(
      'Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\Software\\Old]\r\n"Name"="café"\r\n"Path"=hex(2):25,00,54,00,45,00,4d,00,50,00,25,00,00,00\r\n"New"=dword:00000001\r\n\r\n',
    );
  });
});

describe('the file as a registry', () => {
  test('[-KEY] and "name"=- mean not existing; a later section brings a key back', async () => {
    const text = [
      'Windows Registry Editor Version 5.00',
      '[HKEY_CURRENT_USER\\A\\Dead]',
      '"v"=dword:1',
      '[-HKEY_CURRENT_USER\\A\\Dead]',
      '[-HKEY_CURRENT_USER\\A\\Never]',
      '[HKEY_CURRENT_USER\\A\\Back]',
      '"v"=dword:1',
      '[-HKEY_CURRENT_USER\\A\\Back]',
      '[HKEY_CURRENT_USER\\A\\Back]',
      '"w"=dword:2',
      '"x"=dword:3',
      '"x"=-',
      '',
    ].join('\r\n');
    const backend = await openRegFile(await fileWith(utf16(text)));
    const [dead, never, back, a] = await backend.read([{ key: key('HKCU', 'A\\Dead') }, { key: key('HKCU', 'A\\Never') }, { key: key('HKCU', 'a\\back') }, { key: key('HKCU', 'A') }]);
    expect([dead?.exists, never?.exists]).toEqual([false, false]);
    expect(back?.values).toEqual([{ name: 'w', value: { type: 'REG_DWORD', data: 2 } }]);
    expect(a).toMatchObject({ exists: true, values: [], subkeys: ['Back'] });
  });

  test('ancestors of a section exist without sections of their own', async () => {
    const backend = await openRegFile(await fileWith(utf16('Windows Registry Editor Version 5.00\r\n\r\n[HKLM\\SOFTWARE\\Vendor\\App\\Deep]\r\n"v"=dword:1\r\n')));
    const live = await backend.read([{ key: key('HKLM', 'SOFTWARE'), recursive: true }]);
    expect(live.map((l) => [l.key.path, l.exists, l.subkeys])).toEqual([
      ['SOFTWARE', true, ['Vendor']],
      ['SOFTWARE\\Vendor', true, ['App']],
      ['SOFTWARE\\Vendor\\App', true, ['Deep']],
      ['SOFTWARE\\Vendor\\App\\Deep', true, []],
    ]);
  });

  test('the 32-bit view of HKLM\\SOFTWARE\\X is the WOW6432Node section of a 64-bit export', async () => {
    const text = 'Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\WOW6432Node\\Vendor]\r\n"bits"=dword:00000020\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Vendor]\r\n"bits"=dword:00000040\r\n\r\n';
    const file = await fileWith(utf16(text));
    const backend = await openRegFile(file);
    const [v32, v64] = await backend.read([{ key: key('HKLM', 'SOFTWARE\\Vendor', 32) }, { key: key('HKLM', 'SOFTWARE\\Vendor', 64) }]);
    expect(v32?.values[0]?.value).toEqual({ type: 'REG_DWORD', data: 32 });
    expect(v64?.values[0]?.value).toEqual({ type: 'REG_DWORD', data: 64 });
    await backend.write([{ op: 'set-value', key: key('HKLM', 'SOFTWARE\\Vendor', 32), name: 'bits', value: { type: 'REG_DWORD', data: 33 } }]);
    expect(fromUtf16(await readFile(file))).toBe(text.replace('dword:00000020', 'dword:00000021'));
  });

  test('deleting the only key below a parent that has no section keeps the parent; recreating it restores the bytes', async () => {
    const text = 'Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\AGPM]\r\n"EncryptSmtp"=dword:00000000\r\n\r\n';
    const file = await fileWith(utf16(text));
    const backend = await openRegFile(file);
    await backend.write([{ op: 'delete-key', key: AGPM }]);
    expect(fromUtf16(await readFile(file))).toBe('Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft]\r\n\r\n');
    const [ms] = await backend.read([{ key: key('HKLM', 'SOFTWARE\\Microsoft') }]);
    expect(ms).toMatchObject({ exists: true, subkeys: [] });
    await backend.write([{ op: 'set-value', key: AGPM, name: 'EncryptSmtp', value: { type: 'REG_DWORD', data: 0 } }]);
    expect(fromUtf16(await readFile(file))).toBe(text);
  });

  test('deleting a hive root fails without stopping the ops after it', async () => {
    const file = await fileWith(utf16(CANONICAL));
    const backend = await openRegFile(file);
    const outcomes = await backend.write([{ op: 'delete-key', key: key('HKLM', '') }, { op: 'delete-value', key: AGPM, name: 'EncryptSmtp' }]);
    expect(outcomes).toEqual([{ ok: false, code: 'WRITE_FAILED', message: expect.any(String) }, { ok: true }]);
    const [live] = await backend.read([{ key: AGPM }]);
    expect(live?.values.map((v) => v.name)).toEqual(['Archive Path']);
  });

  test('a value out of range fails alone and leaves the file as it was', async () => {
    const file = await fileWith(utf16(CANONICAL));
    const backend = await openRegFile(file);
    const outcomes = await backend.write([
      { op: 'set-value', key: AGPM, name: 'EncryptSmtp', value: { type: 'REG_DWORD', data: 2 ** 32 } },
      { op: 'set-value', key: AGPM, name: 'Q', value: { type: 'REG_QWORD', data: -1n } },
    ]);
    expect(outcomes).toEqual([
      { ok: false, code: 'VALUE_RANGE', message: expect.any(String) },
      { ok: false, code: 'VALUE_RANGE', message: expect.any(String) },
    ]);
    expect(fromUtf16(await readFile(file))).toBe(CANONICAL);
  });

  test('the example AGPM snapshot has EncryptSmtp 0 and no SmtpPort', async () => {
    const file = join(dir, 'agpm.reg');
    await copyFile(fileURLToPath(new URL('../../../configs/examples/agpm-server-snapshot.reg', import.meta.url)), file);
    const backend = await openRegFile(file);
    const [agpm] = await backend.read([{ key: AGPM }]);
    expect(agpm?.exists).toBe(true);
    const byName = new Map(agpm?.values.map((v) => [v.name, v.value]));
    expect(byName.get('EncryptSmtp')).toEqual({ type: 'REG_DWORD', data: 0 });
    expect(byName.has('SmtpPort')).toBe(false);
    expect([...byName.values()].some((v) => v.type === 'REG_MULTI_SZ')).toBe(true);
  });
});

describe('read-back after a write', () => {
  test('reads the bytes on disk, not the entries in memory: a MULTI_SZ entry with a NUL reads back as two entries', async () => {
    const file = join(dir, 'target.reg');
    const backend = await openRegFile(file, { create: true });
    const k = key('HKLM', 'SOFTWARE\\T');
    await backend.write([
      { op: 'create-key', key: k },
      { op: 'set-value', key: k, name: 'm', value: { type: 'REG_MULTI_SZ', data: ['a\0b'] } },
    ]);
    const [read] = await backend.read([{ key: k }]);
    expect(read?.values?.find((v) => v.name === 'm')?.value).toEqual({ type: 'REG_MULTI_SZ', data: ['a', 'b'] });
  });
});

describe('values a read handed out (the parsed file\'s own, not copies) never change afterwards', () => {
  const EVERY_KIND = [
    '[HKEY_LOCAL_MACHINE\\SOFTWARE\\Kinds]',
    '"sz"="text"',
    '"expand"=hex(2):25,00,54,00,00,00',
    '"multi"=hex(7):61,00,00,00,62,00,00,00,00,00',
    '"dword"=dword:00000007',
    '"qword"=hex(b):01,00,00,00,00,00,00,00',
    '"binary"=hex:01,02,03',
    '"none"=hex(0):04',
    '"link"=hex(6):05,06',
    '"escaped"="a\\\\b"',
    '',
    '[HKEY_LOCAL_MACHINE\\SOFTWARE\\Kinds\\Child]',
    '@="child"',
    '',
    '',
  ];
  const kinds = key('HKLM', 'SOFTWARE\\Kinds');
  const child = key('HKLM', 'SOFTWARE\\Kinds\\Child');
  const names = ['sz', 'expand', 'multi', 'dword', 'qword', 'binary', 'none', 'link', 'escaped'];
  const newValues: RegistryValue[] = [
    { type: 'REG_SZ', data: 'other' },
    { type: 'REG_EXPAND_SZ', data: '%X%' },
    { type: 'REG_MULTI_SZ', data: ['c'] },
    { type: 'REG_DWORD', data: 8 },
    { type: 'REG_QWORD', data: 9n },
    { type: 'REG_BINARY', data: new Uint8Array([9, 9]) },
    { type: 'REG_NONE', data: new Uint8Array([8]) },
    { type: 'REG_OTHER', kind: 6, data: new Uint8Array([7]) },
    { type: 'REG_SZ', data: 'c\\d' },
  ];

  test.each([
    ['version 5.00', utf16(['Windows Registry Editor Version 5.00', '', ...EVERY_KIND].join('\r\n'))],
    // a REGEDIT4 file is re-rendered from its parsed values when it is upgraded by the write
    ['REGEDIT4', Buffer.from(['REGEDIT4', '', ...EVERY_KIND.map((l) => l.replace(/^"(expand|multi)"=.*/, (_, n: string) => (n === 'expand' ? '"expand"=hex(2):25,54,00' : '"multi"=hex(7):61,00,62,00,00')))].join('\r\n'), 'latin1')],
  ])('%s: a read, then writes that set, delete and recreate every value, leave the first read as it was', async (_, bytes) => {
    const file = await fileWith(bytes);
    const backend = await openRegFile(file);
    const first = await backend.read([{ key: kinds, recursive: true }, { key: kinds }, { key: child, values: [''] }]);
    const before = structuredClone(first);
    expect(first[0]?.values.map((v) => v.name)).toEqual(names);
    await backend.write(names.map((name, i) => ({ op: 'set-value', key: kinds, name: name.toUpperCase(), value: newValues[i] as RegistryValue })));
    expect(first).toEqual(before);
    const second = await backend.read([{ key: kinds }]);
    expect(second[0]?.values.map((v) => v.value)).toEqual(newValues);
    await backend.write([...names.map((name): WriteOp => ({ op: 'delete-value', key: kinds, name })), { op: 'delete-key', key: child }]);
    await backend.write(names.map((name, i) => ({ op: 'set-value', key: kinds, name, value: before[0]?.values[i]?.value as RegistryValue })));
    expect(first).toEqual(before);
    expect(second[0]?.values.map((v) => v.value)).toEqual(newValues);
    // a second backend over the same file (as a later run) reads what the first read found
    const again = await (await openRegFile(file)).read([{ key: kinds }]);
    expect(again[0]?.values).toEqual(before[0]?.values);
  });
});
