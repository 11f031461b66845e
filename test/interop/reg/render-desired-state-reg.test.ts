import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { loadDesiredState } from '../../../src/config/load-desired-state.js';
import { importRegFile } from '../../../src/interop/reg/import-reg-file.js';
import { renderDesiredStateReg } from '../../../src/interop/reg/render-desired-state-reg.js';
import type { DesiredKey, DesiredValue } from '../../../src/model/desired-state.js';
import { foldName } from '../../../src/model/fold-name.js';
import { isWithinKey, keyId } from '../../../src/model/key-ref.js';
import type { RegistryValue } from '../../../src/model/registry-value.js';
import { renderDesiredStateYaml } from '../../../src/interop/yaml/render-desired-state-yaml.js';
import { encodeRegText } from '../../../src/registry/reg-file/decode-reg-bytes.js';
import { parseRegFile } from '../../../src/registry/reg-file/parse-reg-file.js';
import { agpmSnapshot } from '../../cli/cli-harness.js';
import { absent, absentKey, at, binary, desiredState, dword, expandSz, key, multiSz, none, present, presentKey, qword, sz } from '../../builders.js';
import { shape } from './reg-text.js';
import { checkValueData } from '../../../src/model/check-value.js';

/** The .reg bytes a file would hold, parsed and imported again. */
function reimport(keys: DesiredKey[]) {
  const bytes = encodeRegText(renderDesiredStateReg(desiredState(...keys)), { encoding: 'utf16le', bom: true });
  return importRegFile(parseRegFile(bytes, 'out.reg'), { file: 'out.reg' });
}

const EVERY_KIND: DesiredValue[] = [
  present('', sz('the default')),
  present('Quotes "and" \\backslashes\\', sz('C:\\Program Files\\"AGPM"\\')),
  present('Lines', sz('line 1\r\nline 2\nend')),
  present('Grüße 日本語 😀', sz('한국어 😀')),
  present('Expand', expandSz('%SystemRoot%\\System32')),
  present('Multi', multiSz('gpo-approvers@contoso.com', 'ß')),
  present('EmptyMulti', multiSz()),
  present('Dword', dword(0xffffffff)),
  present('Qword', qword(2n ** 64n - 1n)),
  present('Binary', { type: 'REG_BINARY', data: new Uint8Array(100).map((_, i) => i) }),
  present('None', none(0xde, 0xad)),
  absent('Retired'),
];

describe('renderDesiredStateReg', () => {
  test('the AGPM config as regedit would write it', () => {
    const text = renderDesiredStateReg(desiredState(presentKey('HKLM\\SOFTWARE\\Microsoft\\AGPM', [present('EncryptSmtp', dword(1)), present('SmtpPort', dword(587))])));
    expect(text).toBe(
      'Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\AGPM]\r\n"EncryptSmtp"=dword:00000001\r\n"SmtpPort"=dword:0000024b\r\n\r\n',
    );
  });

  test('absent values as "name"=-, absent keys as [-KEY], present keys without values as [KEY], in declaration order', () => {
    const text = renderDesiredStateReg(
      desiredState(absentKey('HKCU\\Software\\Old'), presentKey('HKCU\\Software\\App', [absent('Gone'), present('Kept', dword(1))]), presentKey('HKCU\\Software\\Empty')),
    );
    expect(text.split('\r\n')).toEqual([
      'Windows Registry Editor Version 5.00',
      '',
      '[-HKEY_CURRENT_USER\\Software\\Old]',
      '',
      '[HKEY_CURRENT_USER\\Software\\App]',
      '"Gone"=-',
      '"Kept"=dword:00000001',
      '',
      '[HKEY_CURRENT_USER\\Software\\Empty]',
      '',
      '',
    ]);
  });

  test('the 32-bit view of HKLM\\SOFTWARE is written under WOW6432Node, with a comment; other keys are not redirected', () => {
    const text = renderDesiredStateReg(
      desiredState(presentKey(key('HKLM\\SOFTWARE\\Contoso', 32), [present('Bits', dword(32))]), absentKey(key('HKLM\\SOFTWARE\\Old', 32)), presentKey(key('HKCU\\Software\\Same', 32))),
    );
    expect(text.split('\r\n')).toEqual([
      'Windows Registry Editor Version 5.00',
      '',
      '; HKLM\\SOFTWARE\\Contoso (32-bit view)',
      '[HKEY_LOCAL_MACHINE\\SOFTWARE\\WOW6432Node\\Contoso]',
      '"Bits"=dword:00000020',
      '',
      '; HKLM\\SOFTWARE\\Old (32-bit view)',
      '[-HKEY_LOCAL_MACHINE\\SOFTWARE\\WOW6432Node\\Old]',
      '',
      '[HKEY_CURRENT_USER\\Software\\Same]',
      '',
      '',
    ]);
  });

  test('value names a .reg file cannot hold are errors at their source', () => {
    const render = () => renderDesiredStateReg(desiredState(presentKey('HKCU\\Software\\A', [present('two\nlines', sz('x'), at(4)), present('ok', sz('y')), absent('nul\0', at(9))])));
    expect(render).toThrow(expect.objectContaining({ code: 'VALUE_NAME', diagnostics: [expect.objectContaining({ source: at(4) }), expect.objectContaining({ source: at(9) })] }));
  });

  test('every kind, the default value, quotes, backslashes, line breaks and non-ASCII import back exactly', () => {
    const keys = [presentKey('HKCU\\Software\\Kinds', EVERY_KIND), absentKey('HKCU\\Software\\Gone'), presentKey('HKCU\\Software\\Kinds\\Empty ]key[')];
    const back = reimport(keys);
    expect(back.warnings).toEqual([]);
    expect(shape(back.keys)).toEqual(shape(keys));
  });

  test('the 32-bit view comes back as its WOW6432Node key in the 64-bit view', () => {
    const back = reimport([presentKey(key('HKLM\\SOFTWARE\\Contoso', 32), [present('Bits', binary(1, 2))])]);
    expect(shape(back.keys)).toEqual(shape([presentKey('HKLM\\SOFTWARE\\WOW6432Node\\Contoso', [present('Bits', binary(1, 2))])]));
  });
});

// Whole code points with no control characters (key names cannot hold them); quotes, backslashes, brackets and non-ASCII likely.
const hostileChar = fc.oneof(fc.constantFrom('"', '\\', '[', ']', '=', '@', '-', ';', ' ', 'ß', '日', '😀', 'A', 'a'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }));
const hostile = (min: number) => fc.array(hostileChar, { minLength: min, maxLength: 12 }).map((cs) => cs.join('')).filter((s) => !/[\u0000-\u001f\u007f]/.test(s));
const component = hostile(1).map((s) => s.replaceAll('\\', '/')).filter((s) => s.length <= 255);
// Data strings may hold what names cannot: NUL, line breaks, tabs, other control characters.
const anyText = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 30 }), fc.array(fc.constantFrom('\0', '\r', '\n', '\t', '\u0001', '\u007f', ' ', 'x', '"', '\\', '😀'), { maxLength: 12 }).map((cs) => cs.join('')));
const bytes = fc.uint8Array({ maxLength: 200 });

const value: fc.Arbitrary<RegistryValue> = fc.oneof(
  anyText.map((data): RegistryValue => ({ type: 'REG_SZ', data })),
  anyText.map((data): RegistryValue => ({ type: 'REG_EXPAND_SZ', data })),
  fc.array(hostile(1), { maxLength: 4 }).map((data): RegistryValue => ({ type: 'REG_MULTI_SZ', data })),
  fc.integer({ min: 0, max: 0xffffffff }).map((data): RegistryValue => ({ type: 'REG_DWORD', data })),
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((data): RegistryValue => ({ type: 'REG_QWORD', data })),
  bytes.map((data): RegistryValue => ({ type: 'REG_BINARY', data })),
  bytes.map((data): RegistryValue => ({ type: 'REG_NONE', data })),
);

// Value names may hold control characters other than CR, LF and NUL.
const valueName = fc.array(fc.oneof(hostileChar, fc.constantFrom('\t', '\u0001', '\u001f')), { minLength: 1, maxLength: 12 }).map((cs) => cs.join('')).filter((s) => !/[\r\n\0]/.test(s));
const desiredValue: fc.Arbitrary<DesiredValue> = fc.tuple(fc.oneof(fc.constant(''), valueName), fc.option(value, { freq: 4 })).map(([name, v]) => (v === null ? absent(name) : present(name, v)));

const desiredKey: fc.Arbitrary<DesiredKey> = fc
  .tuple(fc.array(component, { minLength: 1, maxLength: 3 }), fc.boolean(), fc.uniqueArray(desiredValue, { maxLength: 6, selector: (v) => foldName(v.name) }))
  .map(([parts, gone, values]) => {
    const ref = { hive: 'HKCU' as const, path: ['Software', ...parts].join('\\'), view: 64 as const };
    return gone ? absentKey(ref) : presentKey(ref, values);
  });

// A desired state the loader would accept: keys unique, nothing declared under an absent key.
const keyList = fc.uniqueArray(desiredKey, { maxLength: 6, selector: (k) => keyId(k.key) }).filter((keys) => !keys.some((a) => a.ensure === 'absent' && keys.some((b) => b !== a && isWithinKey(b.key, a.key))));

test('import(export(x)) is x for random keys and values with hostile names, less the string data holding a NUL (left out, each with a warning)', () => {
  const hasNul = (v: DesiredValue) => v.value !== undefined && checkValueData(v.value).some((p) => p.code === 'NUL_IN_STRING');
  fc.assert(
    fc.property(keyList, (keys) => {
      const back = reimport(keys);
      // a config cannot declare string data holding a NUL: import leaves such a value out, naming it
      const nul = keys.flatMap((k) => k.values.filter(hasNul));
      expect(back.warnings.map((w) => w.code)).toEqual(nul.map(() => 'NUL_IN_STRING'));
      nul.forEach((v, i) => expect(back.warnings[i]?.message).toContain(`value ${JSON.stringify(v.name)}`));
      expect(shape(back.keys)).toEqual(shape(keys.map((k) => ({ ...k, values: k.values.filter((v) => !hasNul(v)) }))));
    }),
    { numRuns: 300 },
  );
});

test('the import of an export, written as YAML, loads back to the same desired state (random keys and values)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'regstate-roundtrip-'));
  try {
    await fc.assert(
      // a config refuses what the registry cannot keep exactly (a NUL in string data), so those are left out here
      fc.asyncProperty(keyList.filter((keys) => keys.every((k) => k.values.every((v) => !v.value || checkValueData(v.value).length === 0))), async (keys) => {
        const back = reimport(keys);
        const { yaml, warnings } = renderDesiredStateYaml(back.keys);
        expect(warnings).toEqual([]);
        const file = join(dir, 'x.yaml');
        await writeFile(file, yaml);
        expect(shape((await loadDesiredState([file])).keys)).toEqual(shape(keys));
      }),
      { numRuns: 100 },
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the YAML property at seed -1115533078: EXPAND_SZ " \\n" (space, line break) loads back as written', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'regstate-roundtrip-'));
  try {
    const keys = [presentKey('HKCU\\Software\\ ', [present('', expandSz(' \n'))])];
    const file = join(dir, 'x.yaml');
    await writeFile(file, renderDesiredStateYaml(reimport(keys).keys).yaml);
    expect(shape((await loadDesiredState([file])).keys)).toEqual(shape(keys));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('import → export → import of the AGPM server snapshot is the identity on keys, types and data', async () => {
  const first = importRegFile(parseRegFile(await readFile(agpmSnapshot), 'snapshot.reg'), { file: 'snapshot.reg' });
  const asDesired = first.keys.map((k): DesiredKey => ({ ...k, source: at(1), values: k.values.map((v) => ({ ...v, source: at(1) })) }));
  expect(first.keys.length).toBeGreaterThan(2);
  expect(shape(reimport(asDesired).keys)).toEqual(shape(first.keys));
});
