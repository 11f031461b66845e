import fc from 'fast-check';
import type { RegistryValue } from '../../src/model/registry-value.js';
import { formatKeyName, formatValue, formatValueData, formatValueName, quoteString } from '../../src/plan/format-data.js';
import { binary, dword, expandSz, key, multiSz, none, qword, sz } from '../builders.js';

describe('formatValueData', () => {
  test.each<[string, RegistryValue, string]>([
    ['DWORD decimal and 8-digit hex', dword(587), '587 (0x0000024b)'],
    ['DWORD maximum', dword(0xffffffff), '4294967295 (0xffffffff)'],
    ['QWORD above 2^53, exact', qword(2n ** 53n + 1n), '9007199254740993 (0x0020000000000001)'],
    ['QWORD maximum', qword(2n ** 64n - 1n), '18446744073709551615 (0xffffffffffffffff)'],
    ['SZ quoted', sz('mail.example.com'), '"mail.example.com"'],
    ['trailing spaces stay visible inside the quotes', sz('x  '), '"x  "'],
    ['control characters escaped', sz('a\nb\tc\u0000d\r'), '"a\\nb\\tc\\u0000d\\r"'],
    ['invisible characters escaped', sz('a\u00a0b\u200bc'), '"a\\u00a0b\\u200bc"'],
    ['quotes and backslashes escaped', sz('say "C:\\x"'), '"say \\"C:\\\\x\\""'],
    ['non-ASCII letters kept', sz('Größe 日本'), '"Größe 日本"'],
    ['EXPAND_SZ unexpanded', expandSz('%SystemRoot%'), '"%SystemRoot%"'],
    ['MULTI_SZ a list', multiSz('a', '', 'b c'), '["a", "", "b c"]'],
    ['empty MULTI_SZ', multiSz(), '[]'],
    ['BINARY hex bytes', binary(0, 0xab, 0xff), '00 ab ff'],
    ['empty BINARY', binary(), '(0 bytes)'],
    ['REG_NONE as bytes', none(1), '01'],
  ])('%s', (_name, value, expected) => {
    expect(formatValueData(value)).toBe(expected);
  });

  test('long binary data is cut after 32 bytes with its length', () => {
    const text = formatValueData(binary(...new Array<number>(100).fill(0xee)));
    expect(text).toBe(`${new Array<string>(32).fill('ee').join(' ')} … (100 bytes)`);
    expect(formatValueData(binary(...new Array<number>(32).fill(1)))).not.toContain('…');
  });

  test('any bytes: two hex digits each, space-separated, the first 32 shown', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 80 }), (bytes) => {
        const shown = [...bytes.subarray(0, 32)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
        expect(formatValueData({ type: 'REG_BINARY', data: bytes })).toBe(bytes.length > 32 ? `${shown} … (${bytes.length} bytes)` : shown);
      }),
      { numRuns: 500 },
    );
  });

  test('read-only kinds are named', () => {
    expect(formatValue({ type: 'REG_OTHER', kind: 6, data: new Uint8Array([0x5c]) })).toBe('REG_LINK 5c');
    expect(formatValue({ type: 'REG_OTHER', kind: 42, data: new Uint8Array() })).toBe('REG_KIND_42 (0 bytes)');
  });
});

describe('names', () => {
  test.each([
    ['', '(Default)'],
    ['EncryptSmtp', 'EncryptSmtp'],
    ['C:\\Windows\\system32\\x.dll', 'C:\\Windows\\system32\\x.dll'],
    ['(Default)', '"(Default)"'],
    [' lead', '" lead"'],
    ['trail ', '"trail "'],
    ['line\nbreak', '"line\\nbreak"'],
    ['with "quotes"', '"with \\"quotes\\""'],
  ])('value name %j reads as %s', (name, expected) => {
    expect(formatValueName(name)).toBe(expected);
  });

  test('keys say their view, and are quoted only when they must be', () => {
    expect(formatKeyName(key('HKLM\\SOFTWARE\\Microsoft\\AGPM'))).toBe('HKLM\\SOFTWARE\\Microsoft\\AGPM');
    expect(formatKeyName(key('HKLM\\SOFTWARE\\Contoso', 32))).toBe('HKLM\\SOFTWARE\\Contoso (32-bit view)');
    expect(formatKeyName(key('HKCU\\Software\\bad \\x', 32))).toBe('"HKCU\\\\Software\\\\bad \\\\x" (32-bit view)');
    expect(formatKeyName(key('HKCU\\a\tb'))).toBe('"HKCU\\\\a\\tb"');
  });

  test('quoteString escapes lone surrogates', () => {
    expect(quoteString('\ud800')).toBe('"\\ud800"');
  });
});

describe('names: one pattern over the whole text, as the per-character reference decides', () => {
  // the definitions before the single-pattern tests: a regex per character, a split per key component
  const INVISIBLE = /[\p{C}\p{Z}]/u;
  const hasInvisibleRef = (text: string) => [...text].some((ch) => ch !== ' ' && INVISIBLE.test(ch));
  const plainNameRef = (name: string) => !/^\s|\s$|"/.test(name) && !hasInvisibleRef(name) && name.toLowerCase() !== '(default)';
  const plainKeyRef = (path: string) => !hasInvisibleRef(path) && !path.includes('"') && !path.split('\\').some((part) => /^\s|\s$/.test(part));
  const pieces = fc.constantFrom('a', 'Ä', '漢', ' ', '\t', '\u00a0', '\u200b', '\u2028', '\ud800', '\udc00', '\ud83d\udc4d', '\\', '"', '\u0000', '\u007f', 'x');
  const text = fc.oneof(fc.string(), fc.array(pieces, { maxLength: 12 }).map((p) => p.join('')));

  test('formatValueName quotes exactly the names the reference quotes', () => {
    fc.assert(
      fc.property(text, (name) => {
        fc.pre(name !== '');
        expect(formatValueName(name) === name).toBe(plainNameRef(name));
      }),
      { numRuns: 2000 },
    );
  });

  test('formatKeyName quotes exactly the paths the reference quotes', () => {
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 4 }), (parts) => {
        const key = { hive: 'HKLM' as const, path: parts.join('\\'), view: 64 as const };
        expect(formatKeyName(key).startsWith('"')).toBe(!plainKeyRef(`HKLM\\${key.path}`));
      }),
      { numRuns: 2000 },
    );
  });
});
