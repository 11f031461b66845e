import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { foldName } from '../../../src/model/fold-name.js';
import type { KeyRef } from '../../../src/model/key-ref.js';
import type { RegistryValue } from '../../../src/model/registry-value.js';
import { bytesToHex, valueToJson } from '../../../src/model/value-json.js';
import type { WriteOp } from '../../../src/registry/backend.js';
import { parseRegFile } from '../../../src/registry/reg-file/parse-reg-file.js';
import { openRegFile } from '../../../src/registry/reg-file/reg-file-backend.js';

// Real reg.exe (wine's) on both sides of the .reg format. Wine quirks found and allowed for here:
// - `reg import` reads a UTF-16LE file only with its BOM (our writer always writes one);
// - `reg query` prints non-ASCII text in the console code page (lossy) and REG_QWORD data and unknown
//   kinds as "(null)", so those are compared through `reg export` instead;
// - `reg export` writes CR and LF inside a REG_SZ as \r and \n escapes (regedit cannot; the parser accepts them);
// - `reg add KEY /f` without /v also sets the key's default value to "".
const HAS_WINE = await execa('wine', ['--version'], { reject: false }).then((r) => r.exitCode === 0, () => false);
// Without wine the tests are skipped locally, but run (and fail) in CI, where wine must be present.
const describeWine = HAS_WINE || process.env['CI'] ? describe : describe.skip;

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

/** What `reg query` prints as a value's data, for the values it prints faithfully (ASCII, one line, known kind). */
function queryText(value: RegistryValue): string | undefined {
  switch (value.type) {
    case 'REG_SZ':
    case 'REG_EXPAND_SZ':
      return /^[\x20-\x7e]*$/.test(value.data) ? value.data : undefined;
    case 'REG_MULTI_SZ':
      return value.data.every((s) => /^[\x20-\x7e]*$/.test(s)) ? value.data.join('\\0') : undefined;
    case 'REG_DWORD':
      return `0x${value.data.toString(16)}`;
    case 'REG_BINARY':
    case 'REG_NONE':
      return bytesToHex(value.data).toUpperCase();
    default:
      return undefined;
  }
}

describeWine('.reg files against wine reg.exe', () => {
  let prefix: string;
  let work: string;
  const env = (): Record<string, string> => ({ WINEPREFIX: prefix, WINEDEBUG: '-all' });

  async function reg(...args: string[]): Promise<string> {
    const r = await execa('wine', ['reg', ...args], { env: env(), reject: false, encoding: 'latin1' });
    if (r.exitCode !== 0) throw new Error(`wine reg ${args.join(' ')} failed (${r.exitCode}): ${r.stderr}${r.stdout}`);
    return r.stdout;
  }

  /** `reg query KEY` as name -> [type, data]. */
  async function query(path: string): Promise<Map<string, [string, string]>> {
    const out = new Map<string, [string, string]>();
    for (const line of (await reg('query', `${ROOT}\\${path}`)).split(/\r?\n/)) {
      const m = /^ {4}(.*?) {4}(REG_\w+|\(null\)) {4}(.*)$/.exec(line.replace(/\r$/, ''));
      if (m) out.set(m[1] === '(Default)' ? '' : (m[1] as string), [m[2] as string, m[3] as string]);
    }
    return out;
  }

  async function exportKey(path: string): Promise<Buffer> {
    const file = join(work, `export-${path.replace(/\W/g, '_')}.reg`);
    await reg('export', `${ROOT}\\${path}`, file, '/y');
    return readFile(file);
  }

  function valuesIn(bytes: Buffer, path: string): [string, RegistryValue][] {
    const section = parseRegFile(bytes, 'export.reg').sections.find((s) => s.path === `Software\\RegstateTest\\${path}`);
    return (section?.entries ?? []).flatMap((e) => (e.type === 'value' && e.value ? [[e.name, e.value] as [string, RegistryValue]] : []));
  }

  beforeAll(async () => {
    prefix = await mkdtemp(join(tmpdir(), 'regstate-wine-'));
    work = await mkdtemp(join(tmpdir(), 'regstate-wine-work-'));
    // The first start creates the prefix (10-20 s); every test after it reuses the prefix. (A persistent
    // wineserver would make calls faster, but wine's service processes then hold the output pipes open.)
    await reg('add', ROOT, '/f');
  }, 180_000);

  afterAll(async () => {
    if (prefix) await execa('wineserver', ['-k'], { env: env(), reject: false });
    await rm(prefix, { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
  }, 60_000);

  test('a file our writer produces with every kind imports, and reg.exe then holds exactly its values', async () => {
    const file = join(work, 'written.reg');
    const backend = await openRegFile(file);
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
    // Run together, the calls share one wineserver start.
    await Promise.all([
      add('/ve', '/t', 'REG_SZ', '/d', 'default "q" C:\\dir\\'),
      add('/v', 'Text', '/t', 'REG_SZ', '/d', 'Grüße 日本語 😀'),
      add('/v', 'Expand', '/t', 'REG_EXPAND_SZ', '/d', '%TEMP%\\agpm'),
      add('/v', 'Multi', '/t', 'REG_MULTI_SZ', '/d', 'one\\0two\\0three'),
      add('/v', 'Port', '/t', 'REG_DWORD', '/d', '587'),
      add('/v', 'Max', '/t', 'REG_DWORD', '/d', '4294967295'),
      add('/v', 'Q', '/t', 'REG_QWORD', '/d', '18446744073709551615'),
      add('/v', 'Bin', '/t', 'REG_BINARY', '/d', '00ff'.repeat(120)),
      add('/v', 'A value name long enough to move the first hex line break', '/t', 'REG_BINARY', '/d', '0102030405060708'),
    ]);
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
    await Promise.all([reg('add', k, '/v', 'EncryptSmtp', '/t', 'REG_DWORD', '/d', '0', '/f'), reg('add', k, '/v', 'SmtpServer', '/t', 'REG_SZ', '/d', 'mail.contoso.com', '/f')]);
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
