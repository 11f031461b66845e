import { parse, parseDocument } from 'yaml';
import type { ImportedKey, ImportedValue } from '../../../src/interop/imported-key.js';
import { renderDesiredStateYaml } from '../../../src/interop/yaml/render-desired-state-yaml.js';
import type { KeyRef } from '../../../src/model/key-ref.js';
import type { RegistryValue } from '../../../src/model/registry-value.js';

const key = (path: string, view: KeyRef['view'] = 64): KeyRef => ({ hive: 'HKLM', path, view });
const set = (name: string, value: RegistryValue): ImportedValue => ({ name, ensure: 'present', value });
const present = (ref: KeyRef, ...values: ImportedValue[]): ImportedKey => ({ key: ref, ensure: 'present', values });

interface LoadedValue {
  name: unknown;
  type?: unknown;
  data?: unknown;
  ensure?: unknown;
}
interface Loaded {
  version: unknown;
  description?: unknown;
  keys: { path: unknown; view?: unknown; ensure?: unknown; values?: LoadedValue[] }[];
}

/** Loads the text as both a YAML 1.2 and a YAML 1.1 reader would, and insists they agree. */
function load(text: string): Loaded {
  const doc = parseDocument(text);
  expect(doc.errors).toEqual([]);
  const modern = doc.toJS() as Loaded;
  expect(parse(text, { version: '1.1' })).toEqual(modern);
  return modern;
}

/** The data of the only value of the only key. */
function roundTrip(value: RegistryValue): unknown {
  const { yaml, warnings } = renderDesiredStateYaml([present(key('SOFTWARE\\T'), set('v', value))]);
  expect(warnings).toEqual([]);
  const loaded = load(yaml);
  expect(loaded.keys[0]?.values?.[0]).toMatchObject({ name: 'v', type: value.type });
  return loaded.keys[0]?.values?.[0]?.data;
}

describe('renderDesiredStateYaml', () => {
  test('the AGPM config as a desired-state file', () => {
    const { yaml, warnings } = renderDesiredStateYaml(
      [
        present(key('SOFTWARE\\Microsoft\\AGPM'), set('EncryptSmtp', { type: 'REG_DWORD', data: 1 }), set('SmtpPort', { type: 'REG_DWORD', data: 587 })),
        { key: key('SOFTWARE\\Example\\Retired'), ensure: 'absent', values: [] },
      ],
      { description: 'AGPM e-mail notifications over SSL on SMTP port 587', schemaPath: './regstate.schema.json' },
    );
    expect(warnings).toEqual([]);
    expect(yaml).toMatchInlineSnapshot(`
"# yaml-language-server: $schema=./regstate.schema.json
version: 1
description: AGPM e-mail notifications over SSL on SMTP port 587
keys:
  - path: HKLM\\SOFTWARE\\Microsoft\\AGPM
    values:
      - name: EncryptSmtp
        type: REG_DWORD
        data: 1
      - name: SmtpPort
        type: REG_DWORD
        data: 587
  - path: HKLM\\SOFTWARE\\Example\\Retired
    ensure: absent
"
`);
  });

  test.each<[string, RegistryValue, unknown]>([
    ['DWORD as a decimal integer', { type: 'REG_DWORD', data: 0xffffffff }, 4294967295],
    ['DWORD zero', { type: 'REG_DWORD', data: 0 }, 0],
    ['QWORD up to 2^53 - 1 as an integer', { type: 'REG_QWORD', data: 2n ** 53n - 1n }, 9007199254740991],
    ['QWORD from 2^53 as a decimal string', { type: 'REG_QWORD', data: 2n ** 53n }, '9007199254740992'],
    ['QWORD maximum', { type: 'REG_QWORD', data: 2n ** 64n - 1n }, '18446744073709551615'],
    ['BINARY as spaced lowercase hex', { type: 'REG_BINARY', data: new Uint8Array([0x00, 0x0f, 0xab, 0xff]) }, '00 0f ab ff'],
    ['BINARY of one digit-only byte stays a string', { type: 'REG_BINARY', data: new Uint8Array([0x10]) }, '10'],
    ['BINARY of one zero byte stays a string', { type: 'REG_BINARY', data: new Uint8Array([0x00]) }, '00'],
    ['empty BINARY', { type: 'REG_BINARY', data: new Uint8Array([]) }, ''],
    ['NONE as hex', { type: 'REG_NONE', data: new Uint8Array([0x01, 0x02]) }, '01 02'],
    ['MULTI_SZ as a list', { type: 'REG_MULTI_SZ', data: ['b', 'a', 'yes', '1'] }, ['b', 'a', 'yes', '1']],
    ['empty MULTI_SZ', { type: 'REG_MULTI_SZ', data: [] }, []],
    ['EXPAND_SZ unexpanded', { type: 'REG_EXPAND_SZ', data: '%ProgramData%\\AGPM' }, '%ProgramData%\\AGPM'],
  ])('%s', (_name, value, expected) => {
    expect(roundTrip(value)).toEqual(expected);
  });

  const tricky = [
    'yes', 'No', 'on', 'OFF', 'y', 'n', 'true', 'null', '~', '', '0x10', '0o17', '012', '1e3', '1_000', '1:20', '2026-11-28', '.inf', '.NaN',
    '+1', '-1', '1.0', '<<', '=', '-', '- a', '? q', ': c', '@at', '`tick', '"double"', "'single'", '[list]', '{map}', '*alias', '&anchor', '!tag', '%percent',
    '|', '>', '#hash', 'a #b', 'a: b', '  leading spaces', 'trailing spaces  ', 'line1\nline2', 'ends with newline\n', '\nstarts with newline',
    'a\r\nb', 'tab\there', 'bell\u0007', 'nul\u0000', 'bom\uFEFF', 'C:\\Program Files\\AGPM', 'ü 漢字 😀', 'x'.repeat(300),
  ];
  test.each(tricky)('the string %j survives as value data and as a name', (text) => {
    const { yaml } = renderDesiredStateYaml([present(key(`SOFTWARE\\${text.replace(/[\\\n\r]/g, '_') || 'empty'}`), set(text, { type: 'REG_SZ', data: text }))], {
      description: text,
    });
    const loaded = load(yaml);
    expect(loaded.description).toBe(text);
    expect(loaded.keys[0]?.values?.[0]).toEqual({ name: text, type: 'REG_SZ', data: text });
  });

  test('tricky strings inside a MULTI_SZ survive too', () => {
    const strings = tricky.filter((s) => s !== '');
    expect(roundTrip({ type: 'REG_MULTI_SZ', data: strings })).toEqual(strings);
  });

  test('absent keys and values, the default value, the 32-bit view, order kept', () => {
    const { yaml } = renderDesiredStateYaml([
      present(key('SOFTWARE\\Z', 32), { name: 'Old', ensure: 'absent' }, set('', { type: 'REG_SZ', data: 'default' }), set('A', { type: 'REG_DWORD', data: 2 })),
      { key: { hive: 'HKCU', path: 'Software\\Gone', view: 64 }, ensure: 'absent', values: [] },
      present(key('SOFTWARE\\Empty')),
    ]);
    expect(load(yaml).keys).toEqual([
      {
        path: 'HKLM\\SOFTWARE\\Z',
        view: 32,
        values: [
          { name: 'Old', ensure: 'absent' },
          { name: '', type: 'REG_SZ', data: 'default' },
          { name: 'A', type: 'REG_DWORD', data: 2 },
        ],
      },
      { path: 'HKCU\\Software\\Gone', ensure: 'absent' },
      { path: 'HKLM\\SOFTWARE\\Empty' },
    ]);
  });

  test('values the format cannot declare are left out with a warning', () => {
    const { yaml, warnings } = renderDesiredStateYaml([
      present(
        key('SOFTWARE\\W'),
        set('Link', { type: 'REG_OTHER', kind: 6, data: new Uint8Array([1]) }),
        set('Kept', { type: 'REG_DWORD', data: 1 }),
        set('Holes', { type: 'REG_MULTI_SZ', data: ['a', '', 'b'] }),
      ),
    ]);
    expect(load(yaml).keys[0]?.values?.map((v) => v.name)).toEqual(['Kept']);
    expect(warnings).toEqual([
      expect.objectContaining({ code: 'UNSUPPORTED_KIND', message: expect.stringContaining('"Link"') }),
      expect.objectContaining({ code: 'VALUE_RANGE', message: expect.stringContaining('"Holes"') }),
    ]);
  });

  test('without options there is no modeline and no description', () => {
    const { yaml } = renderDesiredStateYaml([]);
    expect(yaml).toBe('version: 1\nkeys: []\n');
  });

  test('a schema path that would end the modeline comment is refused', () => {
    expect(() => renderDesiredStateYaml([], { schemaPath: './x.json\nversion: 2' })).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });
});
