import fc from 'fast-check';
import { loadDesiredState } from '../../src/config/load-desired-state.js';
import { loadSchema } from '../../src/config/schema-file.js';
import { parseHexBytes } from '../../src/config/parse-hex-bytes.js';
import { parseValueData } from '../../src/config/parse-value-data.js';
import type { RegistryValue } from '../../src/model/registry-value.js';
import { runs } from '../properties/arbitraries.js';
import { loadFailure, placed, value, withValues, writeConfigs } from './temp-config.js';

const bytes = (...b: number[]) => Uint8Array.from(b);

// Every accepted form of data, as written in YAML, and the typed value it must load to.
const validForms: [string, string, RegistryValue][] = [
  ['REG_SZ', 'plain text', { type: 'REG_SZ', data: 'plain text' }],
  ['REG_SZ', '""', { type: 'REG_SZ', data: '' }],
  ['REG_SZ', '"587"', { type: 'REG_SZ', data: '587' }],
  ['REG_SZ', "'C:\\Program Files\\x'", { type: 'REG_SZ', data: 'C:\\Program Files\\x' }],
  ['REG_EXPAND_SZ', '"%SystemRoot%\\\\system32"', { type: 'REG_EXPAND_SZ', data: '%SystemRoot%\\system32' }],
  ['REG_MULTI_SZ', '[]', { type: 'REG_MULTI_SZ', data: [] }],
  ['REG_MULTI_SZ', '[b, a, "1"]', { type: 'REG_MULTI_SZ', data: ['b', 'a', '1'] }],
  ['REG_DWORD', '0', { type: 'REG_DWORD', data: 0 }],
  ['REG_DWORD', '-0.0', { type: 'REG_DWORD', data: 0 }],
  ['REG_DWORD', '7.0', { type: 'REG_DWORD', data: 7 }],
  ['REG_DWORD', '587', { type: 'REG_DWORD', data: 587 }],
  ['REG_DWORD', '4294967295', { type: 'REG_DWORD', data: 4294967295 }],
  ['REG_DWORD', '0xFFFFFFFF', { type: 'REG_DWORD', data: 0xffffffff }],
  ['REG_DWORD', '"0xFFFFFFFF"', { type: 'REG_DWORD', data: 0xffffffff }],
  ['REG_DWORD', '"0x0000024b"', { type: 'REG_DWORD', data: 587 }],
  ['REG_DWORD', '1e3', { type: 'REG_DWORD', data: 1000 }],
  ['REG_QWORD', '0', { type: 'REG_QWORD', data: 0n }],
  ['REG_QWORD', '9007199254740993', { type: 'REG_QWORD', data: 9007199254740993n }],
  ['REG_QWORD', '18446744073709551615', { type: 'REG_QWORD', data: 18446744073709551615n }],
  ['REG_QWORD', '"18446744073709551615"', { type: 'REG_QWORD', data: 18446744073709551615n }],
  ['REG_QWORD', '0xFFFFFFFFFFFFFFFF', { type: 'REG_QWORD', data: 18446744073709551615n }],
  ['REG_QWORD', '"0xffffffffffffffff"', { type: 'REG_QWORD', data: 18446744073709551615n }],
  ['REG_BINARY', '""', { type: 'REG_BINARY', data: bytes() }],
  ['REG_BINARY', '"0102ff"', { type: 'REG_BINARY', data: bytes(1, 2, 255) }],
  ['REG_BINARY', '"01 02 FF"', { type: 'REG_BINARY', data: bytes(1, 2, 255) }],
  ['REG_BINARY', '01,02,ff', { type: 'REG_BINARY', data: bytes(1, 2, 255) }],
  ['REG_BINARY', '"01:02:ff"', { type: 'REG_BINARY', data: bytes(1, 2, 255) }],
  ['REG_BINARY', '"01, 02 ,ff"', { type: 'REG_BINARY', data: bytes(1, 2, 255) }],
  ['REG_BINARY', '|\n          01 02\n          ff\n', { type: 'REG_BINARY', data: bytes(1, 2, 255) }],
  ['REG_NONE', '""', { type: 'REG_NONE', data: bytes() }],
  ['REG_NONE', '"00 ab"', { type: 'REG_NONE', data: bytes(0, 0xab) }],
];

describe('valid data forms', () => {
  test.each(validForms)('%s %s', async (type, data, expected) => {
    const paths = await writeConfigs({ 'v.yaml': withValues(value(type, data)) });
    const state = await loadDesiredState(paths);
    expect(state.keys[0]?.values[0]?.value).toStrictEqual(expected);
  });
});

describe('QWORD and DWORD limits', () => {
  test('QWORD 2^64-1 is kept exact, 2^64 is out of range', async () => {
    const ok = await writeConfigs({ 'ok.yaml': withValues(value('REG_QWORD', '18446744073709551615')) });
    expect((await loadDesiredState(ok)).keys[0]?.values[0]?.value).toEqual({ type: 'REG_QWORD', data: 2n ** 64n - 1n });
    const bad = await writeConfigs({ 'bad.yaml': withValues(value('REG_QWORD', '18446744073709551616')) });
    expect(placed(await loadFailure(bad))).toEqual(['VALUE_RANGE@7:15']);
  });

  test('neighbours above 2^53 stay distinct', () => {
    const a = parseValueData('REG_QWORD', 9007199254740993n);
    const b = parseValueData('REG_QWORD', 9007199254740992n);
    expect(a).toEqual({ ok: true, value: { type: 'REG_QWORD', data: 9007199254740993n } });
    expect(b).toEqual({ ok: true, value: { type: 'REG_QWORD', data: 9007199254740992n } });
  });

  test.each<[string, unknown, string]>([
    ['REG_DWORD', 0x100000000n, 'VALUE_RANGE'],
    ['REG_DWORD', -1n, 'VALUE_RANGE'],
    ['REG_DWORD', 0.5, 'VALUE_RANGE'],
    ['REG_DWORD', Number.NaN, 'VALUE_RANGE'],
    ['REG_DWORD', '0x1_0', 'HEX_SYNTAX'],
    ['REG_DWORD', '12', 'SCHEMA'],
    ['REG_DWORD', null, 'SCHEMA'],
    ['REG_QWORD', 2n ** 64n, 'VALUE_RANGE'],
    ['REG_QWORD', 2 ** 60, 'VALUE_RANGE'],
    ['REG_QWORD', '0xG', 'HEX_SYNTAX'],
    ['REG_QWORD', '1.5', 'SCHEMA'],
    ['REG_SZ', 5n, 'SCHEMA'],
    ['REG_MULTI_SZ', ['a', null], 'SCHEMA'],
    ['REG_BINARY', '0x01', 'HEX_SYNTAX'],
    ['REG_NONE', [1], 'SCHEMA'],
  ])('%s %p is %s', (type, data, code) => {
    const result = parseValueData(type as Parameters<typeof parseValueData>[0], data);
    expect(result).toMatchObject({ ok: false, problems: [{ code }] });
  });
});

describe('parseHexBytes', () => {
  test('random text: accepted exactly as the schema pattern accepts it, each pair of digits one byte', () => {
    const branches = (loadSchema().$defs as Record<string, { anyOf: { then?: { pattern?: string } }[] }>).binaryData?.anyOf ?? [];
    const pattern = new RegExp(branches[0]?.then?.pattern as string, 'u');
    const piece = fc.constantFrom('0', '9', 'a', 'F', 'g', ' ', '\t', '\n', '\u00a0', '\u2028', '\u0085', ',', ':', '\u00e9');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        const text = pieces.join('');
        const result = parseHexBytes(text);
        expect(result.ok).toBe(pattern.test(text));
        if (!result.ok) return;
        const digits = text.replace(/[^0-9a-fA-F]/g, '');
        expect([...result.bytes]).toStrictEqual(Array.from({ length: digits.length / 2 }, (_, i) => parseInt(digits.slice(2 * i, 2 * i + 2), 16)));
      }),
      { numRuns: runs(500) },
    );
  });

  test.each<[string, number[] | null]>([
    ['', []],
    ['  ', []],
    ['ab', [0xab]],
    ['AB cd', [0xab, 0xcd]],
    ['01:02:03', [1, 2, 3]],
    ['01,02,03', [1, 2, 3]],
    ['01 , 02 :03', [1, 2, 3]],
    ['01\n02\t03', [1, 2, 3]],
    ['0', null],
    ['012', null],
    ['01,', null],
    [',01', null],
    ['01,,02', null],
    ['01::02', null],
    ['01 0 2', null],
    ['0x01', null],
    ['zz', null],
    ['01\u00a002\u2028\ufeff03', [1, 2, 3]],
    ['01\u008502', null],
    ['0\u00e9', null],
  ])('%j', (text, expected) => {
    const result = parseHexBytes(text);
    if (expected === null) expect(result.ok).toBe(false);
    else expect(result).toEqual({ ok: true, bytes: Uint8Array.from(expected) });
  });
});
