import { createHash } from 'node:crypto';
import { link, readFile, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { loadDesiredState } from '../../src/config/load-desired-state.js';
import { RegstateError } from '../../src/errors.js';
import type { DesiredState } from '../../src/model/desired-state.js';
import { loadFailure, placed, value, withValues, writeConfigs } from './temp-config.js';

const AGPM = 'configs/agpm-email-security.yaml';

const FORMAT_EXAMPLE = 'test/config/fixtures/format-example.yaml';

describe('loadDesiredState', () => {
  test('the shipped AGPM file loads to exactly the expected desired state', async () => {
    const sha256 = createHash('sha256').update(await readFile(AGPM)).digest('hex');
    const expected: DesiredState = {
      files: [{ path: AGPM, sha256, description: 'AGPM e-mail notifications over SSL (SMTP port 587 unless smtpPort says otherwise)' }],
      keys: [
        {
          key: { hive: 'HKLM', path: 'SOFTWARE\\Microsoft\\AGPM', view: 64 },
          ensure: 'present',
          source: { file: AGPM, line: 14, column: 11 },
          undeclared: 'show',
          values: [
            { name: 'EncryptSmtp', ensure: 'present', value: { type: 'REG_DWORD', data: 1 }, source: { file: AGPM, line: 17, column: 9 } },
            { name: 'SmtpPort', ensure: 'present', value: { type: 'REG_DWORD', data: 587 }, source: { file: AGPM, line: 22, column: 9 } },
          ],
        },
      ],
    };
    expect(await loadDesiredState([AGPM])).toStrictEqual(expected);
  });

  test('the example file of the format loads, with its absent key', async () => {
    const state = await loadDesiredState([FORMAT_EXAMPLE]);
    expect(state.keys.map((k) => [k.key, k.ensure, k.values.length])).toEqual([
      [{ hive: 'HKLM', path: 'SOFTWARE\\Microsoft\\AGPM', view: 64 }, 'present', 2],
      [{ hive: 'HKLM', path: 'SOFTWARE\\Example\\Retired', view: 64 }, 'absent', 0],
    ]);
  });

  test.each(['fast', 'reference'] as const)('merge keys (<<) copy an anchored value, the keys beside them win (%s path)', async (parser) => {
    const text = withValues('      - &dw {name: a, type: REG_DWORD, data: 1}\n      - <<: *dw\n        name: b\n      - {<<: *dw, data: 2, name: c}\n');
    const state = await loadDesiredState(await writeConfigs({ 'm.yaml': text }), { parser });
    const values = state.keys[0]?.values.map((v) => [v.name, v.value, `${v.source.line}:${v.source.column}`]);
    expect(values).toStrictEqual([
      ['a', { type: 'REG_DWORD', data: 1 }, '5:13'],
      ['b', { type: 'REG_DWORD', data: 1 }, '6:9'],
      ['c', { type: 'REG_DWORD', data: 2 }, '8:9'],
    ]);
  });

  test('files carry the sha256 of their bytes', async () => {
    const paths = await writeConfigs({ 'a.yaml': 'version: 1\nkeys: []\n' });
    const state = await loadDesiredState(paths);
    // sha256sum of "version: 1\nkeys: []\n"
    expect(state.files).toEqual([{ path: paths[0], sha256: 'b3672106b483b27a7c8887cb58ba95d4e4740464dedc08fb68e3be19d7b2178c' }]);
  });

  test('a UTF-8 byte order mark is accepted and does not shift columns', async () => {
    const paths = await writeConfigs({ 'bom.yaml': `\uFEFF${withValues(value('REG_DWORD', '-1'))}` });
    expect(placed(await loadFailure(paths))).toEqual(['VALUE_RANGE@7:15']);
  });

  test('one file with three different problems reports all three, in order', async () => {
    const content = [
      'version: 1',
      'keys:',
      '  - path: HKLM\\SOFTWARE\\X',
      '    values:',
      '      - name: EncryptSmtp',
      '        tpye: REG_DWORD',
      '        data: 1',
      '      - name: SmtpPort',
      '        type: REG_DWORD',
      '        data: 70000000000',
      '  - path: HKXX\\SOFTWARE\\Y',
      '',
    ].join('\n');
    const paths = await writeConfigs({ 'three.yaml': content });
    let error: unknown;
    await loadDesiredState(paths).catch((e: unknown) => (error = e));
    expect(error).toBeInstanceOf(RegstateError);
    const diagnostics = (error as RegstateError).diagnostics;
    expect(placed(diagnostics)).toEqual(['SCHEMA@6:9', 'VALUE_RANGE@10:15', 'KEY_PATH@11:11']);
    expect((error as RegstateError).message.replaceAll(paths[0] as string, 'three.yaml')).toMatchInlineSnapshot(`
"three.yaml:6:9: keys[0].values[0]: unknown property "tpye" (did you mean "type"?)
three.yaml:10:15: keys[0].values[1].data: REG_DWORD data 70000000000 is out of range 0..4294967295 (0xFFFFFFFF)
three.yaml:11:11: keys[1].path: unknown hive "HKXX" in key path "HKXX\\SOFTWARE\\Y"; valid hives: HKLM, HKCU, HKCR, HKU, HKCC (or HKEY_LOCAL_MACHINE, HKEY_CURRENT_USER, HKEY_CLASSES_ROOT, HKEY_USERS, HKEY_CURRENT_CONFIG)"
`);
  });

  test('problems in several files are all reported, ordered by file as given', async () => {
    const paths = await writeConfigs({
      'b.yaml': withValues(value('REG_DWORD', '"0xZZ"')),
      'a.yaml': 'version: 1\nkeys:\n  - path: HKLM\n',
    });
    const diagnostics = await loadFailure(paths);
    expect(diagnostics.map((d) => [d.code, d.source?.file])).toEqual([
      ['HEX_SYNTAX', paths[0]],
      ['KEY_PATH', paths[1]],
    ]);
  });

  test.each([
    ['an unredirected key in both views', 'HKCU\\Software\\X', '', 'HKCU\\Software\\X', '    view: 32\n'],
    ['WOW6432Node and the 32-bit view of HKLM\\SOFTWARE', 'HKLM\\SOFTWARE\\WOW6432Node\\Y', '', 'HKLM\\SOFTWARE\\Y', '    view: 32\n'],
  ])('one registry key reached two ways is one key: %s', async (_name, pathA, viewA, pathB, viewB) => {
    const decl = (path: string, view: string, data: string) => `  - path: ${path}\n${view}    values:\n      - name: A\n        type: REG_DWORD\n        data: ${data}\n`;
    const [file] = await writeConfigs({ 'views.yaml': `version: 1\nkeys:\n${decl(pathA, viewA, '1')}${decl(pathB, viewB, '2')}` });
    const diagnostics = await loadFailure([file as string]);
    expect(diagnostics).toMatchObject([{ code: 'DUPLICATE', source: { file, line: 11, column: 9 } }]);
  });

  test('the same value in two files is a DUPLICATE naming both places', async () => {
    const paths = await writeConfigs({
      'one.yaml': withValues(value('REG_DWORD', '1')),
      'two.yaml': `version: 1\nkeys:\n  - path: hkey_local_machine\\software\\x\n    values:\n${value('REG_DWORD', '2').replace('name: v', 'name: V')}`,
    });
    const diagnostics = await loadFailure(paths);
    expect(diagnostics).toMatchObject([{ code: 'DUPLICATE', source: { file: paths[1], line: 5, column: 9 } }]);
    expect(diagnostics[0]?.message).toContain(`${paths[0]}:5:9`);
    expect(diagnostics[0]?.message).toContain(`${paths[1]}:5:9`);
  });

  test('a key declared present in one file and absent in another is a CONFLICT naming both', async () => {
    const paths = await writeConfigs({
      'one.yaml': withValues(value('REG_DWORD', '1')),
      'two.yaml': 'version: 1\nkeys:\n  - path: HKLM\\SOFTWARE\\X\n    ensure: absent\n',
    });
    const diagnostics = await loadFailure(paths);
    expect(diagnostics).toMatchObject([{ code: 'CONFLICT', source: { file: paths[1], line: 3, column: 11 } }]);
    expect(diagnostics[0]?.message).toContain(`${paths[0]}:3:11`);
  });

  test('the same key in several files merges its values, keys in first-declaration order', async () => {
    const paths = await writeConfigs({
      'one.yaml': `${withValues(value('REG_SZ', 'a'))}  - path: HKCU\\Software\\Y\n    view: 32\n`,
      'two.yaml': `version: 1\nkeys:\n  - path: HKEY_LOCAL_MACHINE\\software\\x\n    values:\n${value('REG_SZ', 'b').replace('name: v', 'name: w')}  - path: HKLM\\SOFTWARE\\X\n    view: 32\n`,
    });
    const state = await loadDesiredState(paths);
    expect(state.keys.map((k) => ({ key: k.key, names: k.values.map((v) => v.name), file: k.source.file }))).toEqual([
      { key: { hive: 'HKLM', path: 'SOFTWARE\\X', view: 64 }, names: ['v', 'w'], file: paths[0] },
      { key: { hive: 'HKCU', path: 'Software\\Y', view: 32 }, names: [], file: paths[0] },
      { key: { hive: 'HKLM', path: 'SOFTWARE\\X', view: 32 }, names: [], file: paths[1] },
    ]);
    expect(state.keys[0]?.values[1]?.source).toEqual({ file: paths[1], line: 5, column: 9 });
  });

  test('a value declared absent has no data; the default value is named ""', async () => {
    const paths = await writeConfigs({
      'a.yaml': withValues(`      - name: Gone\n        ensure: absent\n${value('REG_SZ', 'x').replace('name: v', 'name: ""')}`),
    });
    const [key] = (await loadDesiredState(paths)).keys;
    expect(key?.values).toStrictEqual([
      { name: 'Gone', ensure: 'absent', source: { file: paths[0], line: 5, column: 9 } },
      { name: '', ensure: 'present', value: { type: 'REG_SZ', data: 'x' }, source: { file: paths[0], line: 7, column: 9 } },
    ]);
  });

  test('aliases may share data between values', async () => {
    const paths = await writeConfigs({
      'a.yaml': withValues(`${value('REG_MULTI_SZ', '&servers [a, b]')}      - name: w\n        type: REG_MULTI_SZ\n        data: *servers\n`),
    });
    const [key] = (await loadDesiredState(paths)).keys;
    expect(key?.values.map((v) => [v.name, v.value])).toEqual([
      ['v', { type: 'REG_MULTI_SZ', data: ['a', 'b'] }],
      ['w', { type: 'REG_MULTI_SZ', data: ['a', 'b'] }],
    ]);
  });

  test('no file at all is a usage error', async () => {
    await expect(loadDesiredState([])).rejects.toMatchObject({ code: 'USAGE' });
  });

  test('every one of 3,000 wrong values is reported, each at its own line', async () => {
    const lines = ['version: 1', 'keys:', '  - path: HKLM\\SOFTWARE\\X', '    values:'];
    for (let v = 0; v < 3000; v++) lines.push(`      - name: V${v}`, '        type: REG_DWORD', `        data: ${v % 2 === 0 ? -1 : '"abc"'}`);
    const diagnostics = await loadFailure(await writeConfigs({ 'wrong.yaml': `${lines.join('\n')}\n` }));
    expect(diagnostics).toHaveLength(3000);
    expect(diagnostics[2999]).toMatchObject({ code: 'SCHEMA', source: { line: 5 + 2999 * 3 + 2, column: 15 } });
    expect(diagnostics[2998]).toMatchObject({ code: 'VALUE_RANGE', source: { line: 5 + 2998 * 3 + 2, column: 15 } });
  });

  test('a generated config of 50,000 values loads completely and in order', async () => {
    const lines = ['version: 1', 'keys:'];
    for (let k = 0; k < 500; k++) {
      lines.push(`  - path: HKLM\\SOFTWARE\\Generated\\Key${k}`, '    values:');
      for (let v = 0; v < 100; v++) {
        const n = k * 100 + v;
        lines.push(`      - name: Value${v}`, '        type: REG_QWORD', `        data: ${18446744073709551615n - BigInt(n)}`);
      }
    }
    const paths = await writeConfigs({ 'big.yaml': `${lines.join('\n')}\n` });
    const state = await loadDesiredState(paths);
    expect(state.keys).toHaveLength(500);
    expect(state.keys.reduce((sum, k) => sum + k.values.length, 0)).toBe(50_000);
    const last = state.keys[499]?.values[99];
    expect(last?.value).toEqual({ type: 'REG_QWORD', data: 18446744073709551615n - 49_999n });
    // line 3 + 2 header lines per key + 3 lines per value before it
    expect(last?.source.line).toBe(3 + 499 * 2 + 2 + (499 * 100 + 99) * 3);
  });

  test('a file named twice (the same path, a symbolic link, a hard link) is read once; two copies of one file still declare twice', async () => {
    const [config, copy] = await writeConfigs({ 'a.yaml': withValues(value('REG_DWORD', '1')), 'copy.yaml': withValues(value('REG_DWORD', '1')) });
    const dir = dirname(config as string);
    await symlink(config as string, join(dir, 'link.yaml'));
    await link(config as string, join(dir, 'hard.yaml'));
    for (const again of [config as string, join(dir, 'link.yaml'), join(dir, 'hard.yaml')]) {
      const state = await loadDesiredState([config as string, again]);
      expect(state.files.map((f) => f.path)).toEqual([config]);
      expect(state.keys.flatMap((k) => k.values.map((v) => v.name))).toEqual(['v']);
    }
    // relative names from cwd, the second spelt differently
    const relative = await loadDesiredState(['a.yaml', './a.yaml'], { cwd: dir });
    expect(relative.files.map((f) => f.path)).toEqual(['a.yaml']);
    // two files with the same content are two files: the value is declared twice
    expect((await loadFailure([config as string, copy as string])).map((d) => d.code)).toEqual(['DUPLICATE']);
  });
});
