import { XMLParser } from 'fast-xml-parser';
import { RegstateError } from '../../../src/errors.js';
import type { DesiredKey, DesiredState, DesiredValue } from '../../../src/model/desired-state.js';
import type { KeyRef } from '../../../src/model/key-ref.js';
import type { RegistryValue } from '../../../src/model/registry-value.js';
import type { SourcePos } from '../../../src/model/source-pos.js';
import { renderGppRegistryXml } from '../../../src/interop/gpp/render-gpp-registry-xml.js';

const FILE = 'configs/test.yaml';
let line = 0;
const at = (): SourcePos => ({ file: FILE, line: ++line, column: 5 });

const key = (path: string, view: KeyRef['view'] = 64): KeyRef => ({ hive: 'HKLM', path, view });
const set = (name: string, value: RegistryValue): DesiredValue => ({ name, ensure: 'present', value, source: at() });
const remove = (name: string): DesiredValue => ({ name, ensure: 'absent', source: at() });
const present = (ref: KeyRef, ...values: DesiredValue[]): DesiredKey => ({ key: ref, ensure: 'present', values, source: at() });
const absent = (ref: KeyRef): DesiredKey => ({ key: ref, ensure: 'absent', values: [], source: at() });
const state = (...keys: DesiredKey[]): DesiredState => ({ files: [{ path: FILE, sha256: '0'.repeat(64) }], keys });

const NOW = new Date(Date.UTC(2026, 10, 28, 0, 41, 2));
function counter(): () => string {
  let n = 0;
  return () => `{00000000-0000-4000-8000-${String(++n).padStart(12, '0')}}`;
}

type Attrs = Record<string, string>;
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  isArray: (name) => name === 'Registry' || name === 'Value',
});

type ParsedValues = { Value?: unknown[] } | string;
type ParsedProperties = Attrs & { Values?: ParsedValues };

/** Each item as { item attributes, Properties attributes, Values }; pretty-print whitespace dropped. */
function parseItems(xml: string): { item: Attrs; props: Attrs; values?: string[] }[] {
  const doc = parser.parse(xml) as { RegistrySettings: { Registry?: (Attrs & { Properties: ParsedProperties })[] } };
  return (doc.RegistrySettings.Registry ?? []).map((r) => {
    const { Properties, '#text': _itemSpace, ...item } = r;
    const { Values, '#text': _propsSpace, ...props } = Properties;
    if (Values === undefined) return { item, props };
    const list = typeof Values === 'string' ? [] : (Values.Value ?? []);
    return { item, props, values: list.map((v) => (typeof v === 'string' ? v : '')) };
  });
}

const agpm = state(
  present(key('SOFTWARE\\Microsoft\\AGPM'), set('EncryptSmtp', { type: 'REG_DWORD', data: 1 }), set('SmtpPort', { type: 'REG_DWORD', data: 587 })),
);

describe('renderGppRegistryXml', () => {
  test('the AGPM e-mail security config as GPMC writes it', () => {
    const { xml, warnings } = renderGppRegistryXml(agpm, { now: NOW, newUid: counter() });
    expect(warnings).toEqual([]);
    expect(xml).toMatchInlineSnapshot(`
"<?xml version="1.0" encoding="utf-8"?>
<RegistrySettings clsid="{A3CCFC41-DFDB-43a5-8D26-0FE8B954DA51}">
  <Registry clsid="{9CD4B2F4-923D-47f5-A062-E897DD1DAD50}" name="EncryptSmtp" status="EncryptSmtp" image="12" changed="2026-11-28 00:41:02" uid="{00000000-0000-4000-8000-000000000001}" bypassErrors="1">
    <Properties action="U" displayDecimal="1" default="0" hive="HKEY_LOCAL_MACHINE" key="SOFTWARE\\Microsoft\\AGPM" name="EncryptSmtp" type="REG_DWORD" value="00000001"/>
  </Registry>
  <Registry clsid="{9CD4B2F4-923D-47f5-A062-E897DD1DAD50}" name="SmtpPort" status="SmtpPort" image="12" changed="2026-11-28 00:41:02" uid="{00000000-0000-4000-8000-000000000002}" bypassErrors="1">
    <Properties action="U" displayDecimal="1" default="0" hive="HKEY_LOCAL_MACHINE" key="SOFTWARE\\Microsoft\\AGPM" name="SmtpPort" type="REG_DWORD" value="0000024B"/>
  </Registry>
</RegistrySettings>"
`);
  });

  test.each<[string, RegistryValue, Attrs & { image: string }, string[] | undefined]>([
    ['REG_SZ', { type: 'REG_SZ', data: 'mail.example.com' }, { type: 'REG_SZ', value: 'mail.example.com', displayDecimal: '0', image: '7' }, undefined],
    ['REG_EXPAND_SZ unexpanded', { type: 'REG_EXPAND_SZ', data: '%ProgramData%\\AGPM' }, { type: 'REG_EXPAND_SZ', value: '%ProgramData%\\AGPM', displayDecimal: '0', image: '7' }, undefined],
    ['REG_MULTI_SZ', { type: 'REG_MULTI_SZ', data: ['a b', 'c'] }, { type: 'REG_MULTI_SZ', value: 'a b c', displayDecimal: '0', image: '7' }, ['a b', 'c']],
    ['empty REG_MULTI_SZ', { type: 'REG_MULTI_SZ', data: [] }, { type: 'REG_MULTI_SZ', value: '', displayDecimal: '0', image: '7' }, []],
    ['REG_DWORD max', { type: 'REG_DWORD', data: 0xffffffff }, { type: 'REG_DWORD', value: 'FFFFFFFF', displayDecimal: '1', image: '12' }, undefined],
    ['REG_DWORD zero', { type: 'REG_DWORD', data: 0 }, { type: 'REG_DWORD', value: '00000000', displayDecimal: '1', image: '12' }, undefined],
    ['REG_QWORD above 2^53', { type: 'REG_QWORD', data: 2n ** 64n - 2n }, { type: 'REG_QWORD', value: 'FFFFFFFFFFFFFFFE', displayDecimal: '1', image: '12' }, undefined],
    ['REG_QWORD small', { type: 'REG_QWORD', data: 4294967296n }, { type: 'REG_QWORD', value: '0000000100000000', displayDecimal: '1', image: '12' }, undefined],
    ['REG_BINARY', { type: 'REG_BINARY', data: new Uint8Array([0xca, 0xfe, 0x00, 0x01]) }, { type: 'REG_BINARY', value: 'CAFE0001', displayDecimal: '0', image: '12' }, undefined],
  ])('%s', (_name, value, expected, values) => {
    const { xml, warnings } = renderGppRegistryXml(state(present(key('SOFTWARE\\Kinds'), set('V', value))), { now: NOW, newUid: counter() });
    expect(warnings).toEqual([]);
    const [only, ...rest] = parseItems(xml);
    expect(rest).toEqual([]);
    const { image, ...props } = expected;
    expect(only?.item).toMatchObject({ name: 'V', status: 'V', image });
    expect(only?.props).toEqual({ action: 'U', default: '0', hive: 'HKEY_LOCAL_MACHINE', key: 'SOFTWARE\\Kinds', name: 'V', ...props });
    expect(only?.values).toEqual(values);
  });

  test('the default value is written with default="1" and an empty name', () => {
    const { xml } = renderGppRegistryXml(state(present(key('SOFTWARE\\D'), set('', { type: 'REG_SZ', data: 'x' }), remove(''))), { now: NOW, newUid: counter() });
    const [setItem, deleteItem] = parseItems(xml);
    expect(setItem?.item).toMatchObject({ name: '(Default)' });
    expect(setItem?.props).toMatchObject({ action: 'U', default: '1', name: '', type: 'REG_SZ', value: 'x' });
    expect(deleteItem?.props).toMatchObject({ action: 'D', default: '1', name: '' });
  });

  test('absent values and keys become Delete items; a key with no values an Update on the key', () => {
    const desired = state(
      present(key('SOFTWARE\\Keep'), remove('Old')),
      absent(key('SOFTWARE\\Example\\Retired')),
      present(key('SOFTWARE\\Example\\Empty')),
    );
    const items = parseItems(renderGppRegistryXml(desired, { now: NOW, newUid: counter() }).xml);
    expect(items.map((i) => [i.item.name, i.item.image, i.props.action, i.props.key, i.props.name, i.props.type, i.props.default])).toEqual([
      ['Old', '8', 'D', 'SOFTWARE\\Keep', 'Old', 'REG_SZ', '0'],
      ['Retired', '3', 'D', 'SOFTWARE\\Example\\Retired', '', '', '0'],
      ['Empty', '2', 'U', 'SOFTWARE\\Example\\Empty', '', '', '0'],
    ]);
  });

  test('items keep declaration order across keys and hives, each with a fresh uid', () => {
    const hkcu: KeyRef = { hive: 'HKCU', path: 'Software\\Z', view: 64 };
    const desired = state(
      present(key('SOFTWARE\\B'), set('b2', { type: 'REG_DWORD', data: 2 }), set('b1', { type: 'REG_DWORD', data: 1 })),
      present(hkcu, set('z', { type: 'REG_SZ', data: 'z' })),
      present(key('SOFTWARE\\A'), set('a', { type: 'REG_SZ', data: 'a' })),
    );
    const uids = new Set<string>();
    const items = parseItems(renderGppRegistryXml(desired, { now: NOW, newUid: () => `{${crypto.randomUUID().toUpperCase()}}` }).xml);
    for (const i of items) uids.add(i.item.uid ?? '');
    expect(items.map((i) => `${i.props.hive}\\${i.props.key}\\${i.props.name}`)).toEqual([
      'HKEY_LOCAL_MACHINE\\SOFTWARE\\B\\b2',
      'HKEY_LOCAL_MACHINE\\SOFTWARE\\B\\b1',
      'HKEY_CURRENT_USER\\Software\\Z\\z',
      'HKEY_LOCAL_MACHINE\\SOFTWARE\\A\\a',
    ]);
    expect(uids.size).toBe(4);
    for (const uid of uids) expect(uid).toMatch(/^\{[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}\}$/);
  });

  test('names and data with <&"\' and non-ASCII text survive the XML', () => {
    const name = `a<b>&"c'd ü 漢 😀`;
    const data = `<tag attr="x">&amp; AT&T; &#65; &x41; 'q' Ä ß 😀 & done`;
    const desired = state(
      present(key(`SOFTWARE\\Ex&mple<1>\\"Ü"`), set(name, { type: 'REG_SZ', data }), set('multi', { type: 'REG_MULTI_SZ', data: [data, name, 'two words'] })),
    );
    const { xml } = renderGppRegistryXml(desired, { now: NOW, newUid: counter() });
    expect(xml).toContain('&lt;');
    const [first, second] = parseItems(xml);
    expect(first?.item.name).toBe(name);
    expect(first?.props).toMatchObject({ key: `SOFTWARE\\Ex&mple<1>\\"Ü"`, name, value: data });
    expect(second?.values).toEqual([data, name, 'two words']);
  });

  test('a line break inside a REG_MULTI_SZ string is refused: the value attribute would lose it', () => {
    const desired = state(present(key('SOFTWARE\\M'), set('multi', { type: 'REG_MULTI_SZ', data: ['a\nb'] })));
    expect(() => renderGppRegistryXml(desired, { now: NOW, newUid: counter() })).toThrow(expect.objectContaining({ code: 'VALUE_RANGE' }));
  });

  test('kinds GPP cannot set are left out with a warning at the declaring position', () => {
    const none = set('Nothing', { type: 'REG_NONE', data: new Uint8Array([1]) });
    const link = set('Link', { type: 'REG_OTHER', kind: 6, data: new Uint8Array([0]) });
    const desired = state(present(key('SOFTWARE\\W'), none, set('Kept', { type: 'REG_DWORD', data: 5 }), link));
    const { xml, warnings } = renderGppRegistryXml(desired, { now: NOW, newUid: counter() });
    expect(parseItems(xml).map((i) => i.props.name)).toEqual(['Kept']);
    expect(warnings).toEqual([
      expect.objectContaining({ code: 'UNSUPPORTED_KIND', source: none.source }),
      expect.objectContaining({ code: 'UNSUPPORTED_KIND', source: link.source }),
    ]);
  });

  test('the 32-bit view of HKLM\\SOFTWARE is written as its WOW6432Node path, with a warning', () => {
    const wow = present(key('SOFTWARE\\Vendor', 32), set('v', { type: 'REG_DWORD', data: 1 }));
    const hkcu32 = present({ hive: 'HKCU', path: 'Software\\Vendor', view: 32 }, set('u', { type: 'REG_DWORD', data: 1 }));
    const { xml, warnings } = renderGppRegistryXml(state(wow, hkcu32), { now: NOW, newUid: counter() });
    expect(parseItems(xml).map((i) => i.props.key)).toEqual(['SOFTWARE\\WOW6432Node\\Vendor', 'Software\\Vendor']);
    expect(warnings).toEqual([expect.objectContaining({ code: 'KEY_PATH', source: wow.source })]);
  });

  test('text an XML attribute cannot carry is an error naming every place', () => {
    const tab = set('Tabbed', { type: 'REG_SZ', data: 'a\tb' });
    const control = set('bell\u0007', { type: 'REG_SZ', data: 'x' });
    const desired = state(present(key('SOFTWARE\\E'), tab, set('fine', { type: 'REG_SZ', data: 'ok' }), control));
    let error: unknown;
    try {
      renderGppRegistryXml(desired, { now: NOW, newUid: counter() });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RegstateError);
    expect((error as RegstateError).diagnostics).toEqual([
      expect.objectContaining({ code: 'VALUE_RANGE', source: tab.source }),
      expect.objectContaining({ code: 'VALUE_NAME', source: control.source }),
    ]);
    expect((error as RegstateError).message).toContain(`${FILE}:${tab.source.line}:5`);
  });

  test('an item on a hive root is an error', () => {
    const root = present(key(''), set('v', { type: 'REG_SZ', data: 'x' }));
    expect(() => renderGppRegistryXml(state(root), { now: NOW, newUid: counter() })).toThrow(expect.objectContaining({ code: 'KEY_PATH', source: root.source }));
  });

  test('an empty desired state is an empty RegistrySettings', () => {
    const { xml } = renderGppRegistryXml(state(), { now: NOW, newUid: counter() });
    expect(parser.parse(xml)).toEqual({ '?xml': { version: '1.0', encoding: 'utf-8' }, RegistrySettings: { clsid: '{A3CCFC41-DFDB-43a5-8D26-0FE8B954DA51}' } });
  });
});
