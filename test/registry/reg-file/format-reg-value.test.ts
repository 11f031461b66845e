import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RegistryValue } from '../../../src/model/registry-value.js';
import { escapeRegString, formatHexBytes, formatRegValue, renderDeleteValueEntry, renderValueEntry } from '../../../src/registry/reg-file/format-reg-value.js';
import { parseRegFile } from '../../../src/registry/reg-file/parse-reg-file.js';
import { renderDeleteKeyLine, renderKeyLine, renderKeySection } from '../../../src/registry/reg-file/render-reg-file.js';

const fixture = (name: string): Buffer => readFileSync(fileURLToPath(new URL(`fixtures/${name}`, import.meta.url)));

describe('escapeRegString', () => {
  test.each([
    ['plain', 'plain'],
    ['C:\\path\\', 'C:\\\\path\\\\'],
    ['say "hi"', 'say \\"hi\\"'],
    ['\\"', '\\\\\\"'],
    ['日本語 😀', '日本語 😀'],
  ])('%j -> %j', (input, output) => {
    expect(escapeRegString(input)).toBe(output);
  });
});

describe('formatRegValue', () => {
  test.each<[string, RegistryValue, string]>([
    ['REG_SZ', { type: 'REG_SZ', data: 'a "b" \\c' }, '"a \\"b\\" \\\\c"'],
    ['empty REG_SZ', { type: 'REG_SZ', data: '' }, '""'],
    ['REG_SZ with LF is hex(1)', { type: 'REG_SZ', data: 'a\nb' }, 'hex(1):61,00,0a,00,62,00,00,00'],
    ['REG_SZ with CR is hex(1)', { type: 'REG_SZ', data: '\r' }, 'hex(1):0d,00,00,00'],
    ['REG_SZ with NUL is hex(1)', { type: 'REG_SZ', data: 'a\0' }, 'hex(1):61,00,00,00,00,00'],
    ['REG_EXPAND_SZ', { type: 'REG_EXPAND_SZ', data: '%A%' }, 'hex(2):25,00,41,00,25,00,00,00'],
    ['empty REG_EXPAND_SZ', { type: 'REG_EXPAND_SZ', data: '' }, 'hex(2):00,00'],
    ['REG_MULTI_SZ', { type: 'REG_MULTI_SZ', data: ['a', 'b'] }, 'hex(7):61,00,00,00,62,00,00,00,00,00'],
    ['empty REG_MULTI_SZ', { type: 'REG_MULTI_SZ', data: [] }, 'hex(7):00,00'],
    ['REG_DWORD', { type: 'REG_DWORD', data: 0x24b }, 'dword:0000024b'],
    ['REG_DWORD max', { type: 'REG_DWORD', data: 0xffffffff }, 'dword:ffffffff'],
    ['REG_QWORD', { type: 'REG_QWORD', data: 0x0102030405060708n }, 'hex(b):08,07,06,05,04,03,02,01'],
    ['REG_BINARY', { type: 'REG_BINARY', data: new Uint8Array([0, 0xab]) }, 'hex:00,ab'],
    ['empty REG_BINARY', { type: 'REG_BINARY', data: new Uint8Array() }, 'hex:'],
    ['REG_NONE', { type: 'REG_NONE', data: new Uint8Array([1]) }, 'hex(0):01'],
    ['REG_OTHER kind in lowercase hex', { type: 'REG_OTHER', kind: 0x2a, data: new Uint8Array([1, 2]) }, 'hex(2a):01,02'],
  ])('%s', (_label, value, text) => {
    expect(formatRegValue(value)).toBe(text);
  });

  test('wraps hex like regedit: a line ends with \\ once it reaches column 77, and continues after two spaces', () => {
    const bytes = new Uint8Array(60).fill(0xab);
    const text = renderValueEntry('Bin', { type: 'REG_BINARY', data: bytes });
    const lines = text.split('\r\n');
    expect(lines[0]).toBe(`"Bin"=hex:${'ab,'.repeat(23)}\\`);
    expect(lines[1]).toBe(`  ${'ab,'.repeat(25)}\\`);
    expect(lines[2]).toBe(`  ${'ab,'.repeat(11)}ab`);
    expect(lines[3]).toBe('');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
  });

  test('a name too long for any byte on its line still gets one byte before the break', () => {
    expect(formatHexBytes(new Uint8Array([1, 2, 3]), 90)).toBe('01,\\\r\n  02,03');
  });

  test('deletions and key lines', () => {
    expect(renderDeleteValueEntry('x"y')).toBe('"x\\"y"=-\r\n');
    expect(renderDeleteValueEntry('')).toBe('@=-\r\n');
    expect(renderKeyLine('HKLM', 'SOFTWARE\\X')).toBe('[HKEY_LOCAL_MACHINE\\SOFTWARE\\X]\r\n');
    expect(renderDeleteKeyLine('HKCU', 'A')).toBe('[-HKEY_CURRENT_USER\\A]\r\n');
    expect(renderKeySection('HKU', '', [{ name: '', value: { type: 'REG_SZ', data: 'd' } }, { name: 'gone', value: null }])).toBe('[HKEY_USERS]\r\n@="d"\r\n"gone"=-\r\n\r\n');
  });
});

describe('the writer matches what wine reg export writes', () => {
  // Every entry of a real `wine reg export` file, re-rendered from its parsed value, gives the exact same text.
  test.each(['wine-export.reg'])('%s: every entry re-renders to its original text', (name) => {
    const reg = parseRegFile(fixture(name), name);
    const entries = reg.sections.flatMap((s) => s.entries).filter((e) => e.type === 'value');
    expect(entries.length).toBeGreaterThan(10);
    for (const e of entries) {
      if (e.type !== 'value' || e.value === null) throw new Error('a deletion in an export');
      expect(renderValueEntry(e.name, e.value)).toBe(e.raw);
    }
  });

  test('wine writes line breaks in REG_SZ as \\n and \\r escapes; they are read as CR and LF', () => {
    const reg = parseRegFile(fixture('wine-escapes.reg'), 'wine-escapes.reg');
    const lf = reg.sections[0]?.entries.find((e) => e.type === 'value' && e.name === 'lf');
    expect(lf).toMatchObject({ value: { type: 'REG_SZ', data: 'a\nb\rc' } });
    expect(renderValueEntry('lf', { type: 'REG_SZ', data: 'a\nb\rc' })).toBe('"lf"=hex(1):61,00,0a,00,62,00,0d,00,63,00,00,00\r\n');
  });
});
