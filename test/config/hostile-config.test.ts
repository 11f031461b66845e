import yaml from 'js-yaml';
import { loadDesiredState } from '../../src/config/load-desired-state.js';
import { loadFileFast } from '../../src/config/load-file-fast.js';
import { toPlainNumbers } from '../../src/config/parse-config-text.js';
import { RegstateError } from '../../src/errors.js';
import { placed, value, withValues, writeConfigs } from './temp-config.js';

const PARSERS = ['fast', 'reference'] as const;

async function failure(content: string, parser: (typeof PARSERS)[number]): Promise<RegstateError> {
  const paths = await writeConfigs({ 'config.yaml': content });
  const error = await loadDesiredState(paths, { parser }).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof RegstateError)) throw new Error(`expected a RegstateError, got ${error instanceof Error ? error.stack : String(error)}`);
  return error;
}

describe('a document cannot set a prototype', () => {
  const block = 'version: 1\nkeys:\n  - path: HKLM\\SOFTWARE\\X\n    __proto__:\n      ensure: absent\n';
  const flow = "version: 1\nkeys:\n  - {path: 'HKLM\\SOFTWARE\\X', __proto__: {ensure: absent}}\n";
  const inValue = withValues('      - name: a\n        __proto__: {type: REG_SZ, data: x}\n');
  const atRoot = '__proto__: {version: 1, keys: []}\n';

  test.each(PARSERS)('block style __proto__ on a key is an unknown property at its key, not ensure: absent (%s)', async (parser) => {
    const error = await failure(block, parser);
    expect(placed(error.diagnostics)).toEqual(['SCHEMA@4:5']);
    expect(error.diagnostics[0]?.message).toContain('unknown property "__proto__"');
  });

  test.each(PARSERS)('flow style __proto__ on a key is an unknown property at its key (%s)', async (parser) => {
    expect(placed((await failure(flow, parser)).diagnostics)).toEqual(['SCHEMA@3:31']);
  });

  test.each(PARSERS)('__proto__ in a value and at the top level are unknown properties (%s)', async (parser) => {
    expect(placed((await failure(inValue, parser)).diagnostics)).toContain('SCHEMA@6:9');
    expect(placed((await failure(atRoot, parser)).diagnostics)).toContain('SCHEMA@1:1');
  });

  test('the fast path does not accept a block-style __proto__ key', () => {
    expect(loadFileFast('config.yaml', block)).toBeUndefined();
  });

  test('the plain copy keeps __proto__ from js-yaml and the yaml library as an own key, on objects without a prototype', () => {
    const loaded = yaml.load('a: 1\n__proto__: {ensure: absent}\n');
    const plain = toPlainNumbers(loaded) as Record<string, unknown>;
    expect(Object.getPrototypeOf(plain)).toBeNull();
    expect(Object.keys(plain)).toEqual(['a', '__proto__']);
    expect(plain.ensure).toBeUndefined();
  });
});

describe('data the registry cannot hold exactly is refused where it is written', () => {
  test.each(PARSERS)('a NUL inside a REG_MULTI_SZ entry, at that entry (%s)', async (parser) => {
    const error = await failure(withValues(value('REG_MULTI_SZ', '[ok, "a\\0b"]')), parser);
    expect(placed(error.diagnostics)).toEqual(['NUL_IN_STRING@7:20']);
    expect(error.diagnostics[0]?.message).toMatch(/keys\[0\]\.values\[0\]\.data\[1\]: .*NUL .*at character 2/);
  });

  test.each([
    ['REG_SZ', '"a\\0"'],
    ['REG_EXPAND_SZ', '"%A%\\0b"'],
  ])('a NUL in %s data', async (type, data) => {
    for (const parser of PARSERS) expect(placed((await failure(withValues(value(type, data)), parser)).diagnostics)).toEqual(['NUL_IN_STRING@7:15']);
  });

  test.each(PARSERS)('a NUL in a value name is a VALUE_NAME error at the name (%s)', async (parser) => {
    const error = await failure(withValues('      - name: "a\\0b"\n        ensure: absent\n'), parser);
    expect(placed(error.diagnostics)).toEqual(['VALUE_NAME@5:15']);
  });
});

describe('echoed input is cut short', () => {
  test.each([
    ['a 5-million-digit decimal string', `"${'9'.repeat(5_000_000)}"`],
    ['a million-digit hex string', `"0x${'f'.repeat(1_000_000)}"`],
  ])('%s as REG_QWORD: VALUE_RANGE with a short message', async (_name, data) => {
    const error = await failure(withValues(value('REG_QWORD', data)), 'reference');
    expect(placed(error.diagnostics)).toEqual(['VALUE_RANGE@7:15']);
    expect(error.message.length).toBeLessThan(400);
    expect(error.message).toMatch(/… \((1000002|5000000) characters\)/);
  });

  test('a long non-hex string as REG_DWORD: the message quotes 60 characters and the length', async () => {
    const error = await failure(withValues(value('REG_DWORD', `"0x${'z'.repeat(100_000)}"`)), 'reference');
    expect(error.message.length).toBeLessThan(400);
    expect(error.message).toContain('… (100002 characters)');
  });
});

describe('hex data errors name the character at fault', () => {
  test.each([
    ['"0g"', '"g" at character 2 of "0g" is not a hex digit'],
    ['"01 zz"', '"z" at character 4 of "01 zz" is not a hex digit'],
    ['"0"', 'the byte at character 1 has one hex digit'],
  ])('REG_BINARY %s', async (data, message) => {
    const error = await failure(withValues(value('REG_BINARY', data)), 'reference');
    expect(error.diagnostics).toMatchObject([{ code: 'HEX_SYNTAX' }]);
    expect(error.diagnostics[0]?.message).toContain(message);
  });
});
