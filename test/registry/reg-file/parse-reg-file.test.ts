import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RegistryValue } from '../../../src/model/registry-value.js';
import { valueToJson } from '../../../src/model/value-json.js';
import { encodeRegText } from '../../../src/registry/reg-file/decode-reg-bytes.js';
import { parseRegFile } from '../../../src/registry/reg-file/parse-reg-file.js';
import type { RegFile } from '../../../src/registry/reg-file/reg-file-model.js';
import { renderHeader, renderKeySection, renderRegFile } from '../../../src/registry/reg-file/render-reg-file.js';

const fixture = (name: string): Buffer => readFileSync(fileURLToPath(new URL(`fixtures/${name}`, import.meta.url)));
const utf16 = (text: string): Buffer => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);

/** The values of every section, as comparable JSON. */
function valuesOf(reg: RegFile): unknown[] {
  return reg.sections.map((s) => ({
    key: `${s.delete ? '-' : ''}${s.hive}\\${s.path}`,
    values: s.entries.flatMap((e) => (e.type === 'value' ? [[e.name, e.value === null ? null : valueToJson(e.value)]] : [])),
  }));
}

function syntaxErrors(run: () => unknown): string[] {
  try {
    run();
  } catch (e) {
    const err = e as { code?: string; diagnostics?: { code: string; source?: { file: string; line: number; column: number } }[] };
    expect(err.code).toBe('REG_SYNTAX');
    return (err.diagnostics ?? []).map((d) => `${d.code} ${d.source?.file}:${d.source?.line}:${d.source?.column}`);
  }
  throw new Error('no error thrown');
}

const roundTrips: [string, string, RegistryValue][] = [
  ['REG_SZ', 'sz', { type: 'REG_SZ', data: 'text' }],
  ['default value', '', { type: 'REG_SZ', data: 'default' }],
  ['quotes and backslashes', 'q"uo\\te', { type: 'REG_SZ', data: '"C:\\dir\\" \\\\ \\"' }],
  ['CJK and emoji', '名前 😀', { type: 'REG_SZ', data: '日本語 한국어 😀🎉' }],
  ['CR and LF (hex(1))', 'crlf', { type: 'REG_SZ', data: 'a\r\nb\nc\r' }],
  ['NUL inside (hex(1))', 'nul', { type: 'REG_SZ', data: 'a\0b' }],
  ['empty REG_SZ', 'e', { type: 'REG_SZ', data: '' }],
  ['REG_EXPAND_SZ', 'x', { type: 'REG_EXPAND_SZ', data: '%ProgramFiles%\\AGPM 😀' }],
  ['empty REG_EXPAND_SZ', 'x', { type: 'REG_EXPAND_SZ', data: '' }],
  ['REG_MULTI_SZ', 'm', { type: 'REG_MULTI_SZ', data: ['a', 'ß', '日本'] }],
  ['REG_MULTI_SZ with an empty string inside', 'm', { type: 'REG_MULTI_SZ', data: ['a', '', 'b'] }],
  ['empty REG_MULTI_SZ', 'm', { type: 'REG_MULTI_SZ', data: [] }],
  ['REG_DWORD 0', 'd', { type: 'REG_DWORD', data: 0 }],
  ['REG_DWORD max', 'd', { type: 'REG_DWORD', data: 0xffffffff }],
  ['REG_QWORD max', 'q', { type: 'REG_QWORD', data: 2n ** 64n - 1n }],
  ['REG_QWORD 2^53+1', 'q', { type: 'REG_QWORD', data: 2n ** 53n + 1n }],
  ['long REG_BINARY (continuation lines)', 'b', { type: 'REG_BINARY', data: new Uint8Array(777).map((_, i) => i & 0xff) }],
  ['empty REG_BINARY', 'b', { type: 'REG_BINARY', data: new Uint8Array() }],
  ['REG_NONE', 'n', { type: 'REG_NONE', data: new Uint8Array([0, 1]) }],
  ['REG_OTHER (REG_RESOURCE_LIST)', 'o', { type: 'REG_OTHER', kind: 8, data: new Uint8Array([9, 8, 7]) }],
  ['REG_OTHER with a two-digit kind', 'o', { type: 'REG_OTHER', kind: 0x1f, data: new Uint8Array([1]) }],
];

describe('parse and render round trips', () => {
  test.each(roundTrips)('%s', (_label, name, value) => {
    const text = renderHeader() + renderKeySection('HKLM', 'SOFTWARE\\Test', [{ name, value }]);
    const bytes = utf16(text);
    const reg = parseRegFile(bytes, 'rt.reg');
    expect(valuesOf(reg)).toEqual([{ key: 'HKLM\\SOFTWARE\\Test', values: [[name, valueToJson(value)]] }]);
    expect(encodeRegText(renderRegFile(reg), reg.format).equals(bytes)).toBe(true);
  });

  test('a wine reg export file is read with every kind and renders back to the same bytes', () => {
    const bytes = fixture('wine-export.reg');
    const reg = parseRegFile(bytes, 'wine-export.reg');
    expect(reg.format).toEqual({ version: '5.00', encoding: 'utf16le', bom: true });
    const values = valuesOf(reg) as { key: string; values: [string, unknown][] }[];
    expect(values.map((v) => v.key)).toEqual(['HKCU\\Software\\RegstateTest\\Fixture', 'HKCU\\Software\\RegstateTest\\Fixture\\Sub Key', 'HKCU\\Software\\RegstateTest\\Fixture\\Sub Key\\Deeper']);
    expect(Object.fromEntries(values[0]?.values ?? [])).toMatchObject({
      '': { type: 'REG_SZ', data: 'default "quoted" C:\\path\\' },
      Text: { type: 'REG_SZ', data: 'Grüße 日本語 😀' },
      Expand: { type: 'REG_EXPAND_SZ', data: '%SystemRoot%\\System32' },
      Multi: { type: 'REG_MULTI_SZ', data: ['one', 'two', 'drei 3'] },
      EmptyMulti: { type: 'REG_MULTI_SZ', data: [] },
      Dword: { type: 'REG_DWORD', data: 587 },
      Qword: { type: 'REG_QWORD', data: '18446744073709551615' },
      None: { type: 'REG_NONE', data: '0000' },
    });
    expect(values[1]?.values).toEqual([['name with "quotes" and \\backslash', { type: 'REG_SZ', data: 'x' }]]);
    expect(encodeRegText(renderRegFile(reg), reg.format).equals(bytes)).toBe(true);
  });
});

describe('formats and syntax regedit accepts', () => {
  test('REGEDIT4 in the ANSI code page: strings and single-byte hex(2)/hex(7) decode as windows-1252', () => {
    const text = 'REGEDIT4\r\n\r\n[HKEY_CURRENT_USER\\Software\\Old]\r\n"Name"="caf\xe9"\r\n"Path"=hex(2):25,54,45,4d,50,25,5c,e9,00\r\n"List"=hex(7):61,00,e9,00,00\r\n"D"=dword:00000010\r\n';
    const reg = parseRegFile(Buffer.from(text, 'latin1'), 'old.reg');
    expect(reg.format).toEqual({ version: '4', encoding: 'ansi', bom: false });
    expect(valuesOf(reg)).toEqual([
      {
        key: 'HKCU\\Software\\Old',
        values: [
          ['Name', { type: 'REG_SZ', data: 'café' }],
          ['Path', { type: 'REG_EXPAND_SZ', data: '%TEMP%\\é' }],
          ['List', { type: 'REG_MULTI_SZ', data: ['a', 'é'] }],
          ['D', { type: 'REG_DWORD', data: 16 }],
        ],
      },
    ]);
  });

  test.each([
    ['UTF-8 without BOM, LF', false, '\n'],
    ['UTF-8 with BOM, CRLF', true, '\r\n'],
  ])('%s', (_label, bom, nl) => {
    const text = ['Windows Registry Editor Version 5.00', '', '[HKLM\\SOFTWARE\\Ü]', '"名"="値"', '"e"=hex(2):41,00,00,00', ''].join(nl);
    const bytes = Buffer.concat([Buffer.from(bom ? [0xef, 0xbb, 0xbf] : []), Buffer.from(text, 'utf8')]);
    const reg = parseRegFile(bytes, 'u.reg');
    expect(reg.format).toEqual({ version: '5.00', encoding: 'utf8', bom });
    expect(valuesOf(reg)).toEqual([{ key: 'HKLM\\SOFTWARE\\Ü', values: [['名', { type: 'REG_SZ', data: '値' }], ['e', { type: 'REG_EXPAND_SZ', data: 'A' }]] }]);
    expect(encodeRegText(renderRegFile(reg), reg.format).equals(bytes)).toBe(true);
  });

  test('comments, blank lines, deletions, short hive names, hex(4)/hex(b)/hex(5), continuation lines and odd spacing', () => {
    const text = [
      'Windows Registry Editor Version 5.00',
      '; a comment before any key',
      '',
      '[-HKEY_LOCAL_MACHINE\\SOFTWARE\\Old]',
      '',
      '[hkcu\\Software\\New]',
      '; a comment inside a section',
      '"gone"=-',
      '@=-',
      '"d4"=hex(4):4b,02,00,00',
      '"q"=hex(b):01,00,00,00,00,00,00,00',
      '"be"=hex(5):00,00,02,4b',
      '"short4"=hex(4):01',
      '"wrapped"=hex:01,02,\\',
      '    03,04,\\',
      '\t05',
      '  "spaced" = dword:1  ',
      '"upper"=hex(B):FF,ff,00,00,00,00,00,00',
      '',
    ].join('\r\n');
    const reg = parseRegFile(utf16(text), 'mix.reg');
    expect(reg.preamble.map((t) => t.raw)).toEqual(['; a comment before any key\r\n', '\r\n']);
    expect(valuesOf(reg)).toEqual([
      { key: '-HKLM\\SOFTWARE\\Old', values: [] },
      {
        key: 'HKCU\\Software\\New',
        values: [
          ['gone', null],
          ['', null],
          ['d4', { type: 'REG_DWORD', data: 0x24b }],
          ['q', { type: 'REG_QWORD', data: '1' }],
          ['be', { type: 'REG_OTHER', kind: 5, data: '0000024b' }],
          ['short4', { type: 'REG_OTHER', kind: 4, data: '01' }],
          ['wrapped', { type: 'REG_BINARY', data: '0102030405' }],
          ['spaced', { type: 'REG_DWORD', data: 1 }],
          ['upper', { type: 'REG_QWORD', data: '65535' }],
        ],
      },
    ]);
    const wrapped = reg.sections[1]?.entries.find((e) => e.type === 'value' && e.name === 'wrapped');
    expect(wrapped).toMatchObject({ line: 14, raw: '"wrapped"=hex:01,02,\\\r\n    03,04,\\\r\n\t05\r\n' });
    expect(renderRegFile(reg)).toBe(text);
  });

  test('a key name may contain ] and a file may end without a line break', () => {
    const reg = parseRegFile('Windows Registry Editor Version 5.00\r\n[HKCU\\a]b]\r\n"v"="x"', 'k.reg');
    expect(valuesOf(reg)).toEqual([{ key: 'HKCU\\a]b', values: [['v', { type: 'REG_SZ', data: 'x' }]] }]);
  });

  test('an empty file is FILE_EMPTY; UTF-16 big-endian is FILE_ENCODING', () => {
    expect(() => parseRegFile(Buffer.alloc(0), 'e.reg')).toThrow(expect.objectContaining({ code: 'FILE_EMPTY' }));
    expect(() => parseRegFile(Buffer.from([0xfe, 0xff, 0, 0x57]), 'be.reg')).toThrow(expect.objectContaining({ code: 'FILE_ENCODING' }));
  });
});

describe('syntax errors', () => {
  test('every error is reported at once, each with file:line:column', () => {
    const text = [
      'Windows Registry Editor Version 5.00', // 1
      '',
      '"early"="no section yet"', // 3
      '[HKEY_CURRENT_USER\\Software\\X', // 4: missing ], reported just past the end
      '[HKEY_NOWHERE\\Software\\X]', // 5: unknown hive
      '[HKEY_CURRENT_USER\\Software\\Y]', // 6
      '"bad"=hex:01,zz,03', // 7: bad hex byte at column 14
      '"open"="no end', // 8: unterminated string at column 8
      '"typed"=xyz:0102', // 9: unknown prefix at column 9
      'garbage here', // 10
      '"wrap"=hex:01,\\', // 11
      '  02,0g', // 12: bad byte on the continuation line, column 6
      '"dw"=dword:', // 13: no digits, column 12
      '"esc"="a\\qb"', // 14: unknown escape at column 9
      '"noeq" "x"', // 15: expected =, column 8
      '"kind"=hex(zz):01', // 16
      '"extra"="x" y', // 17
    ].join('\r\n');
    expect(syntaxErrors(() => parseRegFile(utf16(text), 'C:/cfg/bad.reg'))).toEqual([
      'REG_SYNTAX C:/cfg/bad.reg:3:1',
      'REG_SYNTAX C:/cfg/bad.reg:4:30',
      'REG_SYNTAX C:/cfg/bad.reg:5:2',
      'REG_SYNTAX C:/cfg/bad.reg:7:14',
      'REG_SYNTAX C:/cfg/bad.reg:8:8',
      'REG_SYNTAX C:/cfg/bad.reg:9:9',
      'REG_SYNTAX C:/cfg/bad.reg:10:1',
      'REG_SYNTAX C:/cfg/bad.reg:12:6',
      'REG_SYNTAX C:/cfg/bad.reg:13:12',
      'REG_SYNTAX C:/cfg/bad.reg:14:9',
      'REG_SYNTAX C:/cfg/bad.reg:15:8',
      'REG_SYNTAX C:/cfg/bad.reg:16:12',
      'REG_SYNTAX C:/cfg/bad.reg:17:13',
    ]);
  });

  test('the message names the place and the problem', () => {
    expect(() => parseRegFile('Windows Registry Editor Version 5.00\r\n[HKCU\\X]\r\n"v"=hex:1,xy\r\n', 'f.reg')).toThrow('f.reg:3:11: bad hex byte "xy"');
  });

  test('a file without the header is not a .reg file: one error at 1:1, not one per line', () => {
    expect(syntaxErrors(() => parseRegFile('[HKCU\\X]\r\n"v"=\r\n', 'h.reg'))).toEqual(['REG_SYNTAX h.reg:1:1']);
    expect(syntaxErrors(() => parseRegFile('# a README\n\nsome text\nmore text\n', 'README.md'))).toEqual(['REG_SYNTAX README.md:1:1']);
  });
});
