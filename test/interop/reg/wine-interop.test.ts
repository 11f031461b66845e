import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDesiredState } from '../../../src/config/load-desired-state.js';
import { importRegFile } from '../../../src/interop/reg/import-reg-file.js';
import { renderDesiredStateReg } from '../../../src/interop/reg/render-desired-state-reg.js';
import { renderDesiredStateYaml } from '../../../src/interop/yaml/render-desired-state-yaml.js';
import type { DesiredValue } from '../../../src/model/desired-state.js';
import { foldName } from '../../../src/model/fold-name.js';
import type { RegistryValue } from '../../../src/model/registry-value.js';
import { valueToJson } from '../../../src/model/value-json.js';
import { encodeRegText } from '../../../src/registry/reg-file/decode-reg-bytes.js';
import { parseRegFile } from '../../../src/registry/reg-file/parse-reg-file.js';
import { absent, absentKey, desiredState, dword, expandSz, key, multiSz, none, present, presentKey, qword, sz } from '../../builders.js';
import { WinePrefix, describeWine, queryText } from '../../wine-prefix.js';

// regstate's .reg export and import against wine's reg.exe (quirks in test/wine-prefix.ts).
const ROOT = 'HKCU\\Software\\RegstateInterop';

const PRESENT: DesiredValue[] = [
  present('', sz('the default "value"')),
  present('Quotes "and" \\backslashes\\', sz('C:\\Program Files\\"AGPM"\\ \\\\server\\share\\')),
  present('Empty', sz('')),
  present('Lines', sz('line 1\r\nline 2\nend')),
  present('Unicode 名前 😀', sz('Grüße, 日本語, 한국어, 😀')),
  present('Expand', expandSz('%SystemRoot%\\System32')),
  present('Multi', multiSz('gpo-approvers@contoso.com', 'gpo-admins@contoso.com', 'ß')),
  present('EncryptSmtp', dword(1)),
  present('DwordMax', dword(0xffffffff)),
  present('Qword', qword(2n ** 64n - 1n)),
  present('LongBinary', { type: 'REG_BINARY', data: new Uint8Array(700).map((_, i) => (i * 37) & 0xff) }),
  present('None', none(0xde, 0xad)),
];

function sorted(values: [string, RegistryValue][]): [string, unknown][] {
  return [...values].sort((a, b) => (foldName(a[0]) < foldName(b[0]) ? -1 : 1)).map(([n, v]) => [n, valueToJson(v)]);
}

function valuesIn(bytes: Buffer, path: string): [string, RegistryValue][] {
  const section = parseRegFile(bytes, 'export.reg').sections.find((s) => foldName(s.path) === foldName(path));
  return (section?.entries ?? []).flatMap((e) => (e.type === 'value' && e.value ? [[e.name, e.value] as [string, RegistryValue]] : []));
}

describeWine('regstate import/export against wine reg.exe', () => {
  let wine: WinePrefix;
  let dir: string;

  beforeAll(async () => {
    wine = await WinePrefix.create();
    dir = await mkdtemp(join(tmpdir(), 'regstate-interop-'));
  }, 180_000);

  afterAll(async () => {
    await wine?.dispose();
    await rm(dir, { recursive: true, force: true });
  }, 60_000);

  test('an exported .reg brings reg.exe to the desired values, deletes what is absent, and leaves the rest', async () => {
    // One after another: concurrent `reg add`s sometimes fail under wine (exit 1, no message).
    await wine.reg('add', `${ROOT}\\Kinds`, '/v', 'Retired', '/t', 'REG_SZ', '/d', 'old', '/f');
    await wine.reg('add', `${ROOT}\\Kinds`, '/v', 'Untouched', '/t', 'REG_DWORD', '/d', '7', '/f');
    await wine.reg('add', `${ROOT}\\Doomed\\Child`, '/v', 'x', '/t', 'REG_SZ', '/d', 'y', '/f');
    const desired = desiredState(
      presentKey(`${ROOT}\\Kinds`, [...PRESENT, absent('Retired')]),
      absentKey(`${ROOT}\\Doomed`),
      presentKey(`${ROOT}\\Empty key`),
      presentKey(key('HKLM\\SOFTWARE\\RegstateInterop', 32), [present('Bits', dword(32))]),
    );
    const file = join(dir, 'desired.reg');
    await writeFile(file, encodeRegText(renderDesiredStateReg(desired), { encoding: 'utf16le', bom: true }));
    await wine.reg('import', file);

    const expected: [string, RegistryValue][] = [...PRESENT.map((v): [string, RegistryValue] => [v.name, v.value as RegistryValue]), ['Untouched', dword(7)]];
    expect(sorted(valuesIn(await wine.exportKey(`${ROOT}\\Kinds`), `Software\\RegstateInterop\\Kinds`))).toEqual(sorted(expected));

    const shown = await wine.query(`${ROOT}\\Kinds`);
    // reg query prints non-ASCII names lossily; the export above compared every name exactly.
    expect(shown.size).toBe(expected.length);
    let compared = 0;
    for (const [name, value] of expected) {
      const text = queryText(value);
      if (text === undefined) continue;
      expect([name, shown.get(name)]).toEqual([name, [value.type, text]]);
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(7);

    expect((await wine.tryReg('query', `${ROOT}\\Doomed`)).exitCode).not.toBe(0);
    expect((await wine.query(`${ROOT}\\Empty key`)).size).toBe(0);
    // The 32-bit view, written under WOW6432Node, is what 32-bit programs see, and only they.
    expect((await wine.tryReg('query', 'HKLM\\SOFTWARE\\RegstateInterop', '/reg:64')).exitCode).not.toBe(0);
    expect(await wine.reg('query', 'HKLM\\SOFTWARE\\RegstateInterop', '/reg:32')).toMatch(/Bits {4}REG_DWORD {4}0x20/);
  });

  test('what reg add sets and reg export writes imports into YAML whose data is what reg query shows', async () => {
    const k = `${ROOT}\\Added`;
    const add = (...args: string[]): Promise<string> => wine.reg('add', k, ...args, '/f');
    // One after another: concurrent `reg add`s to one key sometimes fail under wine (exit 1, no message).
    await add('/ve', '/t', 'REG_SZ', '/d', 'default "q" C:\\dir\\');
    await add('/v', 'Text', '/t', 'REG_SZ', '/d', 'Grüße 日本語 😀');
    await add('/v', 'Quote"d\\name', '/t', 'REG_SZ', '/d', 'x');
    await add('/v', 'Expand', '/t', 'REG_EXPAND_SZ', '/d', '%TEMP%\\agpm');
    await add('/v', 'Multi', '/t', 'REG_MULTI_SZ', '/d', 'one\\0two\\0three');
    await add('/v', 'Port', '/t', 'REG_DWORD', '/d', '587');
    await add('/v', 'Max', '/t', 'REG_DWORD', '/d', '4294967295');
    await add('/v', 'Q', '/t', 'REG_QWORD', '/d', '18446744073709551615');
    await add('/v', 'Bin', '/t', 'REG_BINARY', '/d', '00ff'.repeat(120));
    await add('/v', 'Nothing', '/t', 'REG_NONE', '/d', 'abcd');
    await wine.reg('add', `${k}\\Sub`, '/v', 'Deep', '/t', 'REG_DWORD', '/d', '1', '/f');
    const exported = join(dir, 'added.reg');
    await writeFile(exported, await wine.exportKey(k));

    const { keys, warnings } = importRegFile(parseRegFile(await wine.exportKey(k), exported), { file: exported });
    expect(warnings).toEqual([]);
    const rendered = renderDesiredStateYaml(keys);
    expect(rendered.warnings).toEqual([]);
    const yamlFile = join(dir, 'added.yaml');
    await writeFile(yamlFile, rendered.yaml);
    const desired = await loadDesiredState([yamlFile]);
    expect(desired.keys.map((d) => d.key.path)).toEqual(['Software\\RegstateInterop\\Added', 'Software\\RegstateInterop\\Added\\Sub']);

    const declared = desired.keys[0]?.values ?? [];
    const shown = await wine.query(k);
    expect(declared.map((v) => v.name).sort()).toEqual([...shown.keys()].sort());
    let compared = 0;
    for (const v of declared) {
      const text = queryText(v.value as RegistryValue);
      if (text === undefined) continue;
      expect([v.name, shown.get(v.name)]).toEqual([v.name, [v.value?.type, text]]);
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(8);
    // What reg query cannot print faithfully (non-ASCII, QWORD), against what reg add was given.
    const byName = new Map(declared.map((v) => [v.name, v.value && valueToJson(v.value)]));
    expect(byName.get('Text')).toEqual({ type: 'REG_SZ', data: 'Grüße 日本語 😀' });
    expect(byName.get('Q')).toEqual({ type: 'REG_QWORD', data: '18446744073709551615' });
    expect(desired.keys[1]?.values.map((v) => [v.name, v.value && valueToJson(v.value)])).toEqual([['Deep', { type: 'REG_DWORD', data: 1 }]]);
  });
});
