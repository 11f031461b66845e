import fc from 'fast-check';
import { readFile } from 'node:fs/promises';
import { collectDeclarations } from '../../src/config/collect-declarations.js';
import { loadDesiredState } from '../../src/config/load-desired-state.js';
import { loadFileFast } from '../../src/config/load-file-fast.js';
import { RegstateError } from '../../src/errors.js';
import { runs } from '../properties/arbitraries.js';
import { validConfigText } from './fast-config-arbitrary.js';
import { withValues, writeConfigs } from './temp-config.js';

/** The outcome of one load: the desired state, or the diagnostics of the error it threw. */
async function outcome(paths: string[], parser: 'fast' | 'reference'): Promise<unknown> {
  try {
    return await loadDesiredState(paths, { parser });
  } catch (error) {
    if (error instanceof RegstateError) return { code: error.code, diagnostics: error.diagnostics };
    throw error;
  }
}

/** Loads `content` both ways; they must agree, and the fast path must (or must not) have taken the file. */
async function expectSame(content: string | Uint8Array, takesFastPath: boolean): Promise<unknown> {
  const [path] = await writeConfigs({ 'c.yaml': content });
  const paths = [path as string];
  const reference = await outcome(paths, 'reference');
  expect(await outcome(paths, 'fast')).toStrictEqual(reference);
  const text = new TextDecoder().decode(typeof content === 'string' ? new TextEncoder().encode(content) : content);
  expect(takesFast(path as string, text)).toBe(takesFastPath);
  return reference;
}

/** Whether js-yaml loads the file and the validation step finds nothing, so the reference path is not needed. */
function takesFast(path: string, text: string): boolean {
  const fast = loadFileFast(path, text);
  return fast !== undefined && collectDeclarations(fast.source, fast.plain, fast.exact).diagnostics.length === 0;
}

describe('fast load path', () => {
  test('random valid files: the fast path takes them and returns what the reference path returns', async () => {
    await fc.assert(
      fc.asyncProperty(validConfigText, async (text) => {
        const reference = await expectSame(text, true);
        expect(reference).toHaveProperty('keys');
      }),
      { numRuns: runs(300) },
    );
  });

  test('random valid files, mutated: both paths give the same result or the same errors', async () => {
    const mutation = fc.record({ at: fc.nat(), char: fc.constantFrom(':', '-', ' ', '\t', '"', "'", '[', '{', '&', '*', '!', '#', '|', '>', '%', '?', '\n', '\r', 'x', '0', '\\', ',') });
    await fc.assert(
      fc.asyncProperty(validConfigText, fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.boolean(), async (valid, mutations, insert) => {
        let text = valid;
        for (const m of mutations) {
          const i = m.at % (text.length + 1);
          text = insert ? text.slice(0, i) + m.char + text.slice(i) : text.slice(0, i) + text.slice(i + 1);
        }
        const [path] = await writeConfigs({ 'm.yaml': text });
        expect(await outcome([path as string], 'fast')).toStrictEqual(await outcome([path as string], 'reference'));
      }),
      { numRuns: runs(400) },
    );
  });

  test.each(['configs/agpm-email-security.yaml', 'test/config/fixtures/format-example.yaml'])('%s loads the same both ways, on the fast path', async (file) => {
    const text = await readFile(file, 'utf8');
    const fast = await expectSame(text, true);
    expect(fast).toHaveProperty('keys');
  });

  test('the AGPM key and values are placed where the reference path places them', async () => {
    const file = 'configs/agpm-email-security.yaml';
    const loaded = loadFileFast(file, await readFile(file, 'utf8'));
    const key = loaded && collectDeclarations(loaded.source, loaded.plain, loaded.exact).keys[0];
    expect([key?.source, ...(key?.values ?? []).map((v) => v.source)]).toStrictEqual([
      { file, line: 14, column: 11 },
      { file, line: 17, column: 9 },
      { file, line: 22, column: 9 },
    ]);
  });

  const plainFile = withValues('      - name: "日本 \\t tab"\n        type: REG_SZ\n        data: "a\\tb\tc"\n      - name: ""\n        type: REG_SZ\n        data: ""\n');

  test.each([
    ['a UTF-8 byte order mark', new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(plainFile)])],
    ['CRLF line ends', plainFile.replace(/\n/g, '\r\n')],
    ['tabs in strings and a unicode value name', plainFile],
    ['a unicode key path', 'version: 1\nkeys:\n  - path: "HKCU\\\\Software\\\\Ünï\\\\日本"\n    values:\n      - {name: x, type: REG_DWORD, data: 1}\n'.replace('- {name: x, type: REG_DWORD, data: 1}', '- name: x\n        type: REG_DWORD\n        data: 1')],
    ['a QWORD above 2^53, as an integer and as strings', withValues('      - name: a\n        type: REG_QWORD\n        data: 18446744073709551615\n      - name: b\n        type: REG_QWORD\n        data: "9007199254740993"\n      - name: c\n        type: REG_QWORD\n        data: 0xFFFFFFFFFFFFFFFF\n')],
    ['flow mappings and flow sequences', withValues('      - { name: a, type: REG_DWORD, data: 1 }\n      - {name: "b", type: REG_MULTI_SZ, data: [x, "y", \'z\']}  # c\n') + '  - {path: HKLM\\SOFTWARE\\Y, values: [{name: c, ensure: absent}]}\n'],
    ['an anchor and alias', withValues('      - &v\n        name: a\n        type: REG_DWORD\n        data: 1\n    # \n') + '  - path: HKLM\\SOFTWARE\\Y\n    values:\n      - *v\n'],
    ['merge keys, overridden by the keys beside them', withValues('      - &dw {name: a, type: REG_DWORD, data: 1}\n      - <<: *dw\n        name: b\n      - {<<: *dw, name: c, data: 2}\n      - <<: [*dw]\n        data: 3\n        name: d\n')],
    ['more than 10,000 merge keys (js-yaml\'s default limit)', withValues('      - &v {name: a, type: REG_DWORD, data: 1}\n') + Array.from({ length: 10_001 }, (_, i) => `  - path: HKLM\\SOFTWARE\\Y${i}\n    values: [{<<: *w${i % 11}, name: b}]\n`).join('').replace(/^/, Array.from({ length: 11 }, (_, i) => `  - path: HKLM\\SOFTWARE\\Z${i}\n    values: [&w${i} {name: a, type: REG_DWORD, data: ${i}}]\n`).join(''))],
    ['anchors on scalars and comments everywhere', withValues('      # before\n      - name: &n a # after a name\n        # between\n        type: REG_SZ   # after a type\n        data: *n\n') + '# the end\n'],
    ['0b101, 1_000 and a timestamp, which stay strings in YAML 1.2 core', withValues('      - name: a\n        type: REG_MULTI_SZ\n        data: [0b101, 1_000, 2001-12-14, <<]\n')],
  ])('%s: same result, on the fast path', async (_label, content) => {
    const result = await expectSame(content, true);
    expect(result).toHaveProperty('keys');
  });

  test.each([
    ['a flow mapping over two lines', withValues('      - {name: a,\n         type: REG_DWORD, data: 1}\n')],
    ['an anchor used more often than the reference path allows', withValues('      - &v {name: a, type: REG_DWORD, data: 1}\n') + Array.from({ length: 1001 }, (_, i) => `  - path: HKLM\\SOFTWARE\\Y${i}\n    values: [*v]\n`).join('')],
    ['an alias inside an anchored node', withValues('      - &v {name: a, type: REG_DWORD, data: 1}\n      - &w {<<: *v, name: b}\n      - {<<: *w, name: c}\n')],
    ['a merge of a scalar', withValues('      - {<<: 1, name: b, type: REG_DWORD, data: 1}\n')],
    ['a quoted merge key, which is an ordinary key', withValues('      - &v {name: a, type: REG_DWORD, data: 1}\n      - {"<<": *v, name: b}\n')],
    ['a tag', withValues('      - name: a\n        type: REG_SZ\n        data: !!str 1\n')],
    ['a %YAML directive', `%YAML 1.1\n---\n${withValues('      - name: a\n        type: REG_DWORD\n        data: 010\n')}`],
    ['an explicit key', withValues('      - ? name\n        : a\n        type: REG_DWORD\n        data: 1\n')],
    ['a lone CR line break', withValues('      - name: a\r        type: REG_DWORD\n        data: 1\n')],
    ['two documents', `${withValues('      - name: a\n        type: REG_DWORD\n        data: 1\n')}---\nversion: 1\n`],
    ['a duplicate key', withValues('      - name: a\n        name: b\n        type: REG_DWORD\n        data: 1\n')],
    ['an empty data value', withValues('      - name: a\n        type: REG_SZ\n        data:\n')],
    ['digit separators js-yaml would read as a number', withValues('      - name: a\n        type: REG_DWORD\n        data: 1_000\n')],
    ['a schema error', withValues('      - name: a\n        type: REG_DWORD\n        data: 1\n        extra: 2\n')],
    ['a semantic error', withValues('      - name: a\n        type: REG_DWORD\n        data: 4294967296\n')],
    ['an unknown hive', 'version: 1\nkeys:\n  - path: HKXX\\SOFTWARE\\X\n'],
    // variables named like a value's fields: the message names where each was set, as the reference path places it
    ['a variable used where it does not fit', 'version: 1\nvars:\n  name: abc\n  type: 7\nkeys:\n  - path: HKLM\\SOFTWARE\\X${type}\n    values:\n      - {name: a, type: REG_DWORD, data: "${name}"}\n'],
    ['a value with a problem inside it', withValues('      - name: a\n        type: REG_MULTI_SZ\n        data: [x, "", y]\n')],
    // found by the mutation property (seed 1176874959): js-yaml takes it, YAML 1.2 does not
    ['an anchor run into a flow mapping', withValues("      - &a0_2:{name: '2', type: REG_QWORD, data: 1}\n")],
    // found by the mutation property (seed 946146878): js-yaml takes a tab after `-` before an anchored mapping
    ['a tab after a sequence indicator, then an anchor', withValues('      -\t&a\n        name: a\n        type: REG_DWORD\n        data: 1\n')],
    ['a space and a tab after a sequence indicator, then a tag', withValues('      - \t!!map\n        name: a\n        type: REG_DWORD\n        data: 1\n')],
    ['a flow sequence continued on a line that starts with a tab', withValues('      - name: a\n        type: REG_MULTI_SZ\n        data: [x,\n\ty]\n')],
    ['a quoted scalar continued on a line that starts with a tab', withValues('      - name: a\n        type: REG_SZ\n        data: "x\n\ty"\n')],
  ])('%s: the reference path loads it (same result or same errors)', async (_label, content) => {
    await expectSame(content, false);
  });

  test('a fast file and a reference file merge with their conflicts reported as before', async () => {
    const fast = withValues('      - name: a\n        type: REG_DWORD\n        data: 1\n');
    const slow = withValues('      - &x\n        name: A\n        type: REG_DWORD\n        data: 2\n');
    const paths = await writeConfigs({ 'a.yaml': fast, 'b.yaml': slow });
    const reference = await outcome(paths, 'reference');
    expect(reference).toHaveProperty('diagnostics');
    expect(await outcome(paths, 'fast')).toStrictEqual(reference);
  });
});
