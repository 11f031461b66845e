import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFailure, placed, value, withValues, writeConfigs } from './temp-config.js';

const enc = (text: string) => new TextEncoder().encode(text);
const bytes = (...parts: (string | number[])[]) =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...enc(p)] : p)));

// Each input has exactly one problem; the table says which code and where (line:column, 1-based).
const cases: [string, string | Uint8Array, string][] = [
  ['empty file', '', 'FILE_EMPTY@1:1'],
  ['only comments', '# nothing here\n\n# still nothing\n', 'FILE_EMPTY@1:1'],
  ['invalid UTF-8 byte', bytes('version: 1\nkeys: [', [0xff], ']\n'), 'FILE_ENCODING@2:8'],
  ['invalid UTF-8 after a real U+FFFD', bytes('description: \uFFFD\n#', [0xc3], '\n'), 'FILE_ENCODING@2:2'],
  ['UTF-16 LE byte order mark', bytes([0xff, 0xfe], 'v\u0000'), 'FILE_ENCODING@1:1'],
  ['UTF-16 BE byte order mark', bytes([0xfe, 0xff], '\u0000v'), 'FILE_ENCODING@1:1'],
  ['unclosed flow sequence', 'version: 1\nkeys: [\n  a\n', 'YAML_SYNTAX@4:1'],
  ['duplicate mapping key', 'version: 1\nkeys: []\nversion: 1\n', 'YAML_SYNTAX@3:1'],
  ['duplicate key inside a value', withValues('      - name: a\n        name: b\n        type: REG_SZ\n        data: x\n'), 'YAML_SYNTAX@6:9'],
  ['duplicate key written once quoted', 'version: 1\nkeys: []\n"version": 1\n', 'YAML_SYNTAX@3:1'],
  ['two documents', 'version: 1\nkeys: []\n---\nversion: 1\n', 'YAML_SYNTAX@3:1'],
  ['bad indentation', 'version: 1\nkeys:\n  - path: HKLM\\X\n   view: 32\n', 'YAML_SYNTAX@4:1'],
  ['unknown tag', 'version: 1\nkeys: !weird []\n', 'YAML_SYNTAX@2:7'],
  [
    'alias bomb',
    'a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n',
    'YAML_SYNTAX@2:8',
  ],
  ['circular alias', 'version: 1\nkeys: &k [*k]\n', 'SCHEMA@2:10'],
  ['top level is a list', '- version: 1\n', 'SCHEMA@1:1'],
  ['missing version', 'keys: []\n', 'SCHEMA@1:1'],
  ['wrong version', 'version: 2\nkeys: []\n', 'SCHEMA@1:10'],
  ['unknown top-level property', 'version: 1\nkeys: []\nkey: []\n', 'SCHEMA@3:1'],
  ['keys is a mapping', 'version: 1\nkeys:\n  path: HKLM\\X\n', 'SCHEMA@3:3'],
  ['key without path', 'version: 1\nkeys:\n  - view: 64\n', 'SCHEMA@3:5'],
  ['view 48', 'version: 1\nkeys:\n  - path: HKLM\\X\n    view: 48\n', 'SCHEMA@4:11'],
  ['misspelled type property', withValues('      - name: v\n        tpye: REG_SZ\n        data: x\n'), 'SCHEMA@6:9'],
  ['value without data', withValues('      - name: v\n        type: REG_SZ\n'), 'SCHEMA@5:9'],
  ['value without name', withValues('      - type: REG_SZ\n        data: x\n'), 'SCHEMA@5:9'],
  ['name is a number', withValues('      - name: 12\n        type: REG_SZ\n        data: x\n'), 'SCHEMA@5:15'],
  ['empty data placed at its key', withValues('      - name: v\n        type: REG_SZ\n        data:\n'), 'SCHEMA@7:9'],
  ['unknown type', withValues(value('REG_DWROD', '1')), 'SCHEMA@6:15'],
  ['data on an absent value', withValues('      - name: v\n        ensure: absent\n        data: 1\n'), 'SCHEMA@7:9'],
  ['values on an absent key', 'version: 1\nkeys:\n  - path: HKLM\\X\n    ensure: absent\n    values:\n      - name: v\n        ensure: absent\n', 'SCHEMA@5:5'],
  ['REG_SZ data is a number', withValues(value('REG_SZ', '587')), 'SCHEMA@7:15'],
  ['REG_EXPAND_SZ data is a list', withValues(value('REG_EXPAND_SZ', '[a]')), 'SCHEMA@7:15'],
  ['REG_MULTI_SZ data is a string', withValues(value('REG_MULTI_SZ', 'a')), 'SCHEMA@7:15'],
  ['REG_MULTI_SZ with an empty string', withValues(value('REG_MULTI_SZ', '[a, "", b]')), 'SCHEMA@7:19'],
  ['REG_DWORD data is a decimal string', withValues(value('REG_DWORD', '"587"')), 'SCHEMA@7:15'],
  ['REG_DWORD data is a boolean', withValues(value('REG_DWORD', 'true')), 'SCHEMA@7:15'],
  ['REG_QWORD data is a signed string', withValues(value('REG_QWORD', '"-1"')), 'SCHEMA@7:15'],
  ['REG_BINARY data is a number', withValues(value('REG_BINARY', '0102')), 'SCHEMA@7:15'],
  ['REG_DWORD negative', withValues(value('REG_DWORD', '-1')), 'VALUE_RANGE@7:15'],
  ['REG_DWORD 2^32', withValues(value('REG_DWORD', '4294967296')), 'VALUE_RANGE@7:15'],
  ['REG_DWORD fraction', withValues(value('REG_DWORD', '1.5')), 'VALUE_RANGE@7:15'],
  ['REG_DWORD hex above 0xFFFFFFFF', withValues(value('REG_DWORD', '"0x100000000"')), 'VALUE_RANGE@7:15'],
  ['REG_DWORD .inf', withValues(value('REG_DWORD', '.inf')), 'VALUE_RANGE@7:15'],
  ['REG_QWORD 2^64', withValues(value('REG_QWORD', '18446744073709551616')), 'VALUE_RANGE@7:15'],
  ['REG_QWORD 2^64 as a string', withValues(value('REG_QWORD', '"18446744073709551616"')), 'VALUE_RANGE@7:15'],
  ['REG_QWORD hex above 64 bits', withValues(value('REG_QWORD', '"0x10000000000000000"')), 'VALUE_RANGE@7:15'],
  ['REG_QWORD negative', withValues(value('REG_QWORD', '-5')), 'VALUE_RANGE@7:15'],
  ['REG_QWORD inexact float', withValues(value('REG_QWORD', '1.8e19')), 'VALUE_RANGE@7:15'],
  ['REG_DWORD bad hex digits', withValues(value('REG_DWORD', '"0xZZ"')), 'HEX_SYNTAX@7:15'],
  ['REG_QWORD bare 0x', withValues(value('REG_QWORD', '"0x"')), 'HEX_SYNTAX@7:15'],
  ['REG_BINARY bad digit', withValues(value('REG_BINARY', '"01 0g"')), 'HEX_SYNTAX@7:15'],
  ['REG_BINARY odd digits', withValues(value('REG_BINARY', '"012"')), 'HEX_SYNTAX@7:15'],
  ['REG_BINARY doubled separator', withValues(value('REG_BINARY', '"01,,02"')), 'HEX_SYNTAX@7:15'],
  ['REG_NONE trailing separator', withValues(value('REG_NONE', '"01:"')), 'HEX_SYNTAX@7:15'],
  ['unknown hive', 'version: 1\nkeys:\n  - path: HKLN\\SOFTWARE\\X\n', 'KEY_PATH@3:11'],
  ['empty key path', 'version: 1\nkeys:\n  - path: ""\n', 'KEY_PATH@3:11'],
  ['leading backslash', 'version: 1\nkeys:\n  - path: \\HKLM\\SOFTWARE\n', 'KEY_PATH@3:11'],
  ['empty component', 'version: 1\nkeys:\n  - path: "HKLM\\\\SOFTWARE\\\\\\\\X"\n', 'KEY_PATH@3:11'],
  ['trailing backslash', 'version: 1\nkeys:\n  - path: HKLM\\SOFTWARE\\\n', 'KEY_PATH@3:11'],
  ['component of 256 characters', `version: 1\nkeys:\n  - path: HKLM\\SOFTWARE\\${'k'.repeat(256)}\n`, 'KEY_PATH@3:11'],
  ['control character', 'version: 1\nkeys:\n  - path: "HKLM\\\\SOFTWARE\\\\A\\tB"\n', 'KEY_PATH@3:11'],
  ['hive root alone', 'version: 1\nkeys:\n  - path: HKEY_LOCAL_MACHINE\n', 'KEY_PATH@3:11'],
  ['value name of 16384 characters', withValues(`      - name: ${'n'.repeat(16384)}\n        ensure: absent\n`), 'VALUE_NAME@5:15'],
  ['same value twice, other case', withValues(value('REG_SZ', 'a') + value('REG_SZ', 'b').replace('name: v', 'name: V')), 'DUPLICATE@8:9'],
  [
    'same value in two declarations of the key',
    `${withValues(value('REG_SZ', 'a'))}  - path: hklm\\software\\x\n    values:\n${value('REG_DWORD', '1')}`,
    'DUPLICATE@10:9',
  ],
  ['key absent twice', 'version: 1\nkeys:\n  - path: HKLM\\X\n    ensure: absent\n  - path: HKLM\\X\n    ensure: absent\n', 'DUPLICATE@5:11'],
  ['key present and absent', `${withValues(value('REG_SZ', 'a'))}  - path: HKLM\\SOFTWARE\\X\n    ensure: absent\n`, 'CONFLICT@8:11'],
  ['key under an absent key', 'version: 1\nkeys:\n  - path: HKLM\\SOFTWARE\n    ensure: absent\n  - path: HKLM\\SOFTWARE\\X\\Y\n', 'CONFLICT@5:11'],
];

describe('loadDesiredState rejects malformed input', () => {
  test.each(cases)('%s', async (_name, content, expected) => {
    const paths = await writeConfigs({ 'config.yaml': content });
    const diagnostics = await loadFailure(paths);
    expect(placed(diagnostics)).toEqual([expected]);
    expect(diagnostics[0]?.source?.file).toBe(paths[0]);
  });

  test('a document nested deeper than the parser can go is a YAML_SYNTAX error, not a crash', async () => {
    const paths = await writeConfigs({ 'deep.yaml': `version: 1\nkeys: ${'['.repeat(20000)}${']'.repeat(20000)}\n` });
    const diagnostics = await loadFailure(paths);
    expect(diagnostics.map((d) => d.code)).toContain('YAML_SYNTAX');
    expect(diagnostics.every((d) => d.code === 'YAML_SYNTAX' && d.source?.file === paths[0])).toBe(true);
  });

  test('a mapping of 20,000 keys: its one duplicate is found, at its line', async () => {
    const keys = Array.from({ length: 20000 }, (_, i) => `k${i}: v\n`).join('');
    const paths = await writeConfigs({ 'wide.yaml': `version: 1\nkeys: []\n${keys}k7: again\n` });
    expect(placed(await loadFailure(paths))).toEqual(['YAML_SYNTAX@20003:1']);
  });

  test('a mapping of 20,000 unknown keys: each is reported at its own line', async () => {
    const keys = Array.from({ length: 20000 }, (_, i) => `k${i}: v\n`).join('');
    const diagnostics = await loadFailure(await writeConfigs({ 'wide.yaml': `version: 1\nkeys: []\n${keys}` }));
    expect(diagnostics).toHaveLength(20000);
    expect(diagnostics.every((d, i) => d.code === 'SCHEMA' && d.source?.line === i + 3 && d.source.column === 1)).toBe(true);
  });

  test('a missing file is FILE_NOT_FOUND, a directory FILE_UNREADABLE, both named as given', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'regstate-config-'));
    const missing = join(dir, 'missing.yaml');
    const diagnostics = await loadFailure([missing, dir]);
    expect(diagnostics).toMatchObject([
      { code: 'FILE_NOT_FOUND', source: { file: missing, line: 1, column: 1 } },
      { code: 'FILE_UNREADABLE', source: { file: dir, line: 1, column: 1 } },
    ]);
  });
});
