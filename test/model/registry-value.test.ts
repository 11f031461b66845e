import { valuesEqual, type RegistryValue } from '../../src/model/registry-value.js';
import { valueFromJson, valueToJson } from '../../src/model/value-json.js';
import fc from 'fast-check';
import { foldName } from '../../src/model/fold-name.js';

const bytes = (...b: number[]) => new Uint8Array(b);

describe('valuesEqual', () => {
  test.each<[string, RegistryValue, RegistryValue, boolean]>([
    ['same dword', { type: 'REG_DWORD', data: 4294967295 }, { type: 'REG_DWORD', data: 0xffffffff }, true],
    ['dword vs qword with equal number', { type: 'REG_DWORD', data: 1 }, { type: 'REG_QWORD', data: 1n }, false],
    ['qword above 2^53', { type: 'REG_QWORD', data: 9007199254740993n }, { type: 'REG_QWORD', data: 9007199254740992n }, false],
    ['sz vs expand_sz', { type: 'REG_SZ', data: '%TEMP%' }, { type: 'REG_EXPAND_SZ', data: '%TEMP%' }, false],
    ['multi_sz order matters', { type: 'REG_MULTI_SZ', data: ['a', 'b'] }, { type: 'REG_MULTI_SZ', data: ['b', 'a'] }, false],
    ['multi_sz equal', { type: 'REG_MULTI_SZ', data: ['a', 'b'] }, { type: 'REG_MULTI_SZ', data: ['a', 'b'] }, true],
    ['binary bytewise', { type: 'REG_BINARY', data: bytes(1, 2) }, { type: 'REG_BINARY', data: bytes(1, 2) }, true],
    ['binary vs none', { type: 'REG_BINARY', data: bytes(1) }, { type: 'REG_NONE', data: bytes(1) }, false],
    ['string data is case-sensitive', { type: 'REG_SZ', data: 'A' }, { type: 'REG_SZ', data: 'a' }, false],
  ])('%s', (_name, a, b, expected) => {
    expect(valuesEqual(a, b)).toBe(expected);
    expect(valuesEqual(b, a)).toBe(expected);
  });
});

describe('value JSON', () => {
  test.each<RegistryValue>([
    { type: 'REG_DWORD', data: 4294967295 },
    { type: 'REG_QWORD', data: 18446744073709551615n },
    { type: 'REG_BINARY', data: bytes(0, 255, 16) },
    { type: 'REG_MULTI_SZ', data: ['x', 'y'] },
    { type: 'REG_OTHER', kind: 6, data: bytes(1) },
  ])('round-trips %j', (value) => {
    expect(valuesEqual(valueFromJson(JSON.parse(JSON.stringify(valueToJson(value)))), value)).toBe(true);
  });

  test('QWORD crosses as a decimal string, BINARY as lowercase hex', () => {
    expect(valueToJson({ type: 'REG_QWORD', data: 2n ** 64n - 1n })).toEqual({ type: 'REG_QWORD', data: '18446744073709551615' });
    expect(valueToJson({ type: 'REG_BINARY', data: bytes(0xab, 0x01) })).toEqual({ type: 'REG_BINARY', data: 'ab01' });
  });

  test.each([
    { type: 'REG_DWORD', data: -1 },
    { type: 'REG_DWORD', data: 4294967296 },
    { type: 'REG_QWORD', data: '18446744073709551616' },
    { type: 'REG_BINARY', data: 'abc' },
    { type: 'REG_LINK', data: '' },
  ])('rejects %j', (json) => {
    expect(() => valueFromJson(json)).toThrow(expect.objectContaining({ code: 'PLAN_FILE' }));
  });
});

describe('foldName', () => {
  test('compares case-insensitively per UTF-16 unit, without expansions', () => {
    expect(foldName('EncryptSmtp')).toBe(foldName('ENCRYPTSMTP'));
    expect(foldName('straße')).toBe('STRAßE');
    expect(foldName('ÄÖü')).toBe(foldName('äöÜ'));
  });

  test('ASCII names, taken without a pattern, fold as every other name: each character upper-cased', () => {
    const ascii = fc.string({ unit: fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)), maxLength: 12 });
    fc.assert(
      fc.property(fc.oneof(ascii, fc.string({ maxLength: 6 })), (name) => {
        const byCharacter = [...name].map((u) => (u.toUpperCase().length === u.length ? u.toUpperCase() : u)).join('');
        expect(foldName(name)).toBe(byCharacter);
      }),
      { numRuns: 2000 },
    );
    expect(foldName('VALUE0')).toBe('VALUE0');
    expect(foldName('a\u007f')).toBe('A\u007f');
  });
});
