import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { foldName } from '../../../src/model/fold-name.js';
import type { KeyRef } from '../../../src/model/key-ref.js';
import type { RegistryValue } from '../../../src/model/registry-value.js';
import { valueToJson } from '../../../src/model/value-json.js';
import type { WriteOp } from '../../../src/registry/backend.js';
import { parseRegFile } from '../../../src/registry/reg-file/parse-reg-file.js';
import { openRegFile } from '../../../src/registry/reg-file/reg-file-backend.js';
import { WinePrefix, describeWine, queryText } from '../../wine-prefix.js';

// Real reg.exe (wine's) on both sides of the .reg format; the wine quirks allowed for are listed in test/wine-prefix.ts.
const ROOT = 'HKCU\\Software\\RegstateTest';
const key = (path: string): KeyRef => ({ hive: 'HKCU', path: `Software\\RegstateTest\\${path}`, view: 64 });

const VALUES: [string, RegistryValue][] = [
  ['', { type: 'REG_SZ', data: 'the default' }],
  ['Plain', { type: 'REG_SZ', data: 'mail.contoso.com' }],
  ['Quotes "and" \\backslashes\\', { type: 'REG_SZ', data: 'C:\\Program Files\\"AGPM"\\ \\\\server\\share\\' }],
  ['Empty', { type: 'REG_SZ', data: '' }],
  ['Lines', { type: 'REG_SZ', data: 'line 1\r\nline 2\nend' }],
  ['Unicode 名前 😀', { type: 'REG_SZ', data: 'Grüße, 日本語, 한국어, 😀' }],
  ['Expand', { type: 'REG_EXPAND_SZ', data: '%SystemRoot%\\System32' }],
  ['Multi', { type: 'REG_MULTI_SZ', data: ['gpo-approvers@contoso.com', 'gpo-admins@contoso.com', 'ß'] }],
  ['EmptyMulti', { type: 'REG_MULTI_SZ', data: [] }],
  ['EncryptSmtp', { type: 'REG_DWORD', data: 1 }],
  ['DwordMax', { type: 'REG_DWORD', data: 0xffffffff }],
  ['Qword', { type: 'REG_QWORD', data: 2n ** 64n - 1n }],
  ['QwordBig', { type: 'REG_QWORD', data: 2n ** 53n + 1n }],
  ['Binary', { type: 'REG_BINARY', data: new Uint8Array(500).map((_, i) => (i * 37) & 0xff) }],
  ['EmptyBinary', { type: 'REG_BINARY', data: new Uint8Array() }],
  ['None', { type: 'REG_NONE', data: new Uint8Array([0xde, 0xad]) }],
  ['ResourceList', { type: 'REG_OTHER', kind: 8, data: new Uint8Array([1, 2, 3]) }],
];

function json(values: [string, RegistryValue][]): [string, unknown][] {
  return [...values].sort((a, b) => (foldName(a[0]) < foldName(b[0]) ? -1 : 1)).map(([n, v]) => [n, valueToJson(v)]);
}

describeWine('.reg files against wine reg.exe', () => {
  let wine: WinePrefix;
  let work: string;
  const reg = (...args: string[]): Promise<string> => wine.reg(...args);
  const query = (path: string) => wine.query(`${ROOT}\\${path}`);
  const exportKey = (path: string): Promise<Buffer> => wine.exportKey(`${ROOT}\\${path}`);

  function valuesIn(bytes: Buffer, path: string): [string, RegistryValue][] {
    const section = parseRegFile(bytes, 'export.reg').sections.find((s) => s.path === `Software\\RegstateTest\\${path}`);
    return (section?.entries ?? []).flatMap((e) => (e.type === 'value' && e.value ? [[e.name, e.value] as [string, RegistryValue]] : []));
  }

  beforeAll(async () => {
    wine = await WinePrefix.create();
    work = wine.work;
    await reg('add', ROOT, '/f');
  }, 180_000);

  afterAll(async () => {
    await wine?.dispose();
  }, 60_000);

  test('a file our writer produces with every kind imports, and reg.exe then holds exactly its values', async () => {
    const file = join(work, 'written.reg');
    const backend = await openRegFile(file, { create: true });
    await backend.write([
      ...VALUES.map(([name, value]): WriteOp => ({ op: 'set-value', key: key('Writer'), name, value })),
      { op: 'set-value', key: key('Writer\\Sub Key\\Deeper'), name: 'Deep', value: { type: 'REG_DWORD', data: 7 } },
    ]);
    await reg('import', file);

    const exported = await exportKey('Writer');
    expect(json(valuesIn(exported, 'Writer'))).toEqual(json(VALUES));
    expect(json(valuesIn(exported, 'Writer\\Sub Key\\Deeper'))).toEqual(json([['Deep', { type: 'REG_DWORD', data: 7 }]]));

    const shown = await query('Writer');
    expect(shown.size).toBe(VALUES.length);
    let compared = 0;
    for (const [name, value] of VALUES) {
      const text = queryText(value);
      if (text === undefined) continue;
      expect([name, shown.get(name)]).toEqual([name, [value.type, text]]);
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(10);
  });

  test('what reg add sets and reg export writes is read with the same data', async () => {
    const k = `${ROOT}\\Added`;
    const add = (...args: string[]): Promise<string> => reg('add', k, ...args, '/f');
    // One after another: concurrent `reg add`s to one key sometimes fail under wine (exit 1, no message).
    await add('/ve', '/t', 'REG_SZ', '/d', 'default "q" C:\\dir\\');
    await add('/v', 'Text', '/t', 'REG_SZ', '/d', 'Grüße 日本語 😀');
    await add('/v', 'Expand', '/t', 'REG_EXPAND_SZ', '/d', '%TEMP%\\agpm');
    await add('/v', 'Multi', '/t', 'REG_MULTI_SZ', '/d', 'one\\0two\\0three');
    await add('/v', 'Port', '/t', 'REG_DWORD', '/d', '587');
    await add('/v', 'Max', '/t', 'REG_DWORD', '/d', '4294967295');
    await add('/v', 'Q', '/t', 'REG_QWORD', '/d', '18446744073709551615');
    await add('/v', 'Bin', '/t', 'REG_BINARY', '/d', '00ff'.repeat(120));
    await add('/v', 'A value name long enough to move the first hex line break', '/t', 'REG_BINARY', '/d', '0102030405060708');
    const exported = await exportKey('Added');
    expect(json(valuesIn(exported, 'Added'))).toEqual(
      json([
        ['', { type: 'REG_SZ', data: 'default "q" C:\\dir\\' }],
        ['Text', { type: 'REG_SZ', data: 'Grüße 日本語 😀' }],
        ['Expand', { type: 'REG_EXPAND_SZ', data: '%TEMP%\\agpm' }],
        ['Multi', { type: 'REG_MULTI_SZ', data: ['one', 'two', 'three'] }],
        ['Port', { type: 'REG_DWORD', data: 587 }],
        ['Max', { type: 'REG_DWORD', data: 0xffffffff }],
        ['Q', { type: 'REG_QWORD', data: 2n ** 64n - 1n }],
        ['Bin', { type: 'REG_BINARY', data: new Uint8Array(Buffer.from('00ff'.repeat(120), 'hex')) }],
        ['A value name long enough to move the first hex line break', { type: 'REG_BINARY', data: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]) }],
      ]),
    );
  });

  test('a reg export edited through the backend imports with the change, and its rollback restores the bytes', async () => {
    const k = `${ROOT}\\Agpm`;
    // One after another: concurrent `reg add`s to one key sometimes fail under wine.
    await reg('add', k, '/v', 'EncryptSmtp', '/t', 'REG_DWORD', '/d', '0', '/f');
    await reg('add', k, '/v', 'SmtpServer', '/t', 'REG_SZ', '/d', 'mail.contoso.com', '/f');
    const original = await exportKey('Agpm');
    const file = join(work, 'agpm.reg');
    await writeFile(file, original);
    const backend = await openRegFile(file);
    await backend.write([
      { op: 'set-value', key: key('Agpm'), name: 'EncryptSmtp', value: { type: 'REG_DWORD', data: 1 } },
      { op: 'set-value', key: key('Agpm'), name: 'SmtpPort', value: { type: 'REG_DWORD', data: 587 } },
    ]);
    await reg('delete', k, '/f');
    await reg('import', file);
    const shown = await query('Agpm');
    expect(shown.get('EncryptSmtp')).toEqual(['REG_DWORD', '0x1']);
    expect(shown.get('SmtpPort')).toEqual(['REG_DWORD', '0x24b']);
    expect(shown.get('SmtpServer')).toEqual(['REG_SZ', 'mail.contoso.com']);

    await backend.write([
      { op: 'set-value', key: key('Agpm'), name: 'EncryptSmtp', value: { type: 'REG_DWORD', data: 0 } },
      { op: 'delete-value', key: key('Agpm'), name: 'SmtpPort' },
    ]);
    expect((await readFile(file)).equals(original)).toBe(true);
  });
});
