import fc from 'fast-check';
import { loadDesiredState, loadDesiredStates } from '../../src/config/load-desired-state.js';
import { substituteText } from '../../src/config/substitute-vars.js';
import { RegstateError, type Diagnostic } from '../../src/errors.js';
import type { VarTable, VarValue } from '../../src/fleet/fleet-model.js';
import { runs } from '../properties/arbitraries.js';
import { placed, writeConfigs } from './temp-config.js';

const cli = (name: string, value: VarValue['value']): [string, VarValue] => [name, { value, origin: { kind: 'cli', text: `${name}=${String(value)}` } }];
const table = (...entries: [string, VarValue][]): VarTable => new Map(entries);

/** A file with `vars:` (lines 2..) and one key HKLM\SOFTWARE\X whose values follow. */
function config(vars: string, values: string, path = 'HKLM\\SOFTWARE\\X'): string {
  return `version: 1\n${vars === '' ? '' : `vars:\n${vars}`}keys:\n  - path: ${path}\n    values:\n${values}`;
}
const dword = (data: string, name = 'v') => `      - name: ${name}\n        type: REG_DWORD\n        data: ${data}\n`;

async function failure(text: string, vars?: VarTable, parser?: 'fast' | 'reference'): Promise<Diagnostic[]> {
  const paths = await writeConfigs({ 'c.yaml': text });
  try {
    await loadDesiredState(paths, { vars, parser });
  } catch (error) {
    if (error instanceof RegstateError) return error.diagnostics;
    throw error;
  }
  throw new Error('expected loadDesiredState to fail');
}

describe('substituteText', () => {
  const lookup = (name: string) => table(cli('port', 587), cli('host', 'mail'), cli('on', true)).get(name);

  test.each<[string, boolean, unknown]>([
    ['${port}', true, 587],
    ['${port}', false, '587'],
    ['${on}', true, true],
    ['smtp:${port}', true, 'smtp:587'],
    ['${host}:${port}', true, 'mail:587'],
    ['$${port}', true, '${port}'],
    ['$$${port}', true, '$${port}'],
    ['cost $5 and $$ and ${port}$', true, 'cost $5 and $$ and 587$'],
    ['no reference', true, 'no reference'],
    ['', true, ''],
  ])('%j (typed %p) is %j', (text, typed, expected) => {
    const result = substituteText(text, lookup, typed);
    expect(result).toMatchObject({ ok: true, value: expected });
  });

  test.each<[string, string[]]>([
    ['${nope}', ['UNDEFINED_VARIABLE']],
    ['${port', ['VARIABLE_SYNTAX']],
    ['${}', ['VARIABLE_SYNTAX']],
    ['${1x}', ['VARIABLE_SYNTAX']],
    ['${a-b}', ['VARIABLE_SYNTAX']],
    ['${nope} and ${port} and ${x y}', ['UNDEFINED_VARIABLE', 'VARIABLE_SYNTAX']],
  ])('%j: %j', (text, codes) => {
    const result = substituteText(text, lookup, true);
    expect(result.ok ? [] : result.problems.map((p) => p.code)).toEqual(codes);
  });
});

describe('variables in configs', () => {
  test.each(['fast', 'reference'] as const)('defaults, --var over defaults, text and typed substitution, key paths (%s path)', async (parser) => {
    const text = config(
      '  port: 587\n  app: AGPM\n  on: true\n',
      `${dword('${port}', 'a')}      - name: b\n        type: REG_SZ\n        data: "\${app} on \${port}, $\${literal}"\n      - name: c\n        type: REG_MULTI_SZ\n        data: [x, "\${app}", "\${on}!"]\n      - name: d\n        type: REG_QWORD\n        data: "\${port}0"\n`,
      'HKLM\\SOFTWARE\\${app}\\v${port}',
    );
    const paths = await writeConfigs({ 'c.yaml': text });
    const state = await loadDesiredState(paths, { parser, vars: table(cli('app', 'Other')) });
    expect(state.keys[0]?.key).toEqual({ hive: 'HKLM', path: 'SOFTWARE\\Other\\v587', view: 64 });
    expect(state.keys[0]?.values.map((v) => v.value)).toEqual([
      { type: 'REG_DWORD', data: 587 },
      { type: 'REG_SZ', data: 'Other on 587, ${literal}' },
      { type: 'REG_MULTI_SZ', data: ['x', 'Other', 'true!'] },
      { type: 'REG_QWORD', data: 5870n },
    ]);
  });

  // Each input has exactly one problem; the table says which code and where (line:column).
  test.each<[string, string, string, VarTable | undefined]>([
    ['an undefined variable in data', 'UNDEFINED_VARIABLE@7:15', config('', dword('${port}')), undefined],
    ['an undefined variable in a key path', 'UNDEFINED_VARIABLE@3:11', config('', dword('1'), 'HKLM\\${where}'), undefined],
    ['an unclosed reference', 'VARIABLE_SYNTAX@7:15', config('', `      - name: v\n        type: REG_SZ\n        data: "a\${port"\n`), undefined],
    ['a reference with a bad name', 'VARIABLE_SYNTAX@7:15', config('', dword('${1port}')), undefined],
    ['a variable out of range', 'VALUE_RANGE@9:15', config('  port: 4294967296\n', dword('${port}')), undefined],
    ['a variable of the wrong type', 'SCHEMA@9:15', config('  port: abc\n', dword('${port}')), undefined],
    ['a bad hex variable', 'HEX_SYNTAX@9:15', config('  port: "0xZZ"\n', dword('${port}')), undefined],
    ['a variable making a bad key path', 'KEY_PATH@5:11', config('  p: ""\n', dword('1'), 'HKLM\\${p}'), undefined],
    ['a --var of the wrong type', 'SCHEMA@7:15', config('', dword('${port}')), table(cli('port', 'abc'))],
    ['a number for a MULTI_SZ entry', 'SCHEMA@9:19', config('  n: 5\n', `      - name: v\n        type: REG_MULTI_SZ\n        data: [a, "\${n}"]\n`), undefined],
    ['a variable name the schema refuses', 'SCHEMA@3:3', config('  my-port: 1\n', dword('1')), undefined],
    ['a variable without a value', 'SCHEMA@3:3', config('  port:\n', dword('1')), undefined],
    ['a list as a variable', 'SCHEMA@3:9', config('  port: [1]\n', dword('1')), undefined],
    ['an integer a variable cannot keep exact', 'VALUE_RANGE@3:8', config('  big: 18446744073709551615\n', dword('1')), undefined],
  ])('%s: %s', async (_name, expected, text, vars) => {
    for (const parser of ['fast', 'reference'] as const) expect(placed(await failure(text, vars, parser))).toEqual([expected]);
  });

  test('a value from a variable fails exactly as the literal does, and the message names where the value came from', async () => {
    const literal = await failure(config('', dword('abc')));
    const fromDefault = await failure(config('  port: abc\n', dword('${port}')));
    const fromCli = await failure(config('', dword('${port}')), table(cli('port', 'abc')));
    expect(fromDefault[0]?.code).toBe(literal[0]?.code);
    expect(fromDefault[0]?.message).toBe(`${literal[0]?.message} (\${port} = "abc" from the default under vars: at ${fromDefault[0]?.source?.file}:3:9)`);
    expect(fromCli[0]?.message).toBe(`${literal[0]?.message} (\${port} = "abc" from --var port=abc)`);
  });

  test('variable names that are Object.prototype members only ever name variables', async () => {
    const text = config('  constructor: 5\n  toString: 6\n  hasOwnProperty: 7\n', `${dword('${constructor}', 'a')}${dword('${toString}', 'b')}${dword('${hasOwnProperty}', 'c')}`);
    const state = await loadDesiredState(await writeConfigs({ 'c.yaml': text }));
    expect(state.keys[0]?.values.map((v) => v.value?.data)).toEqual([5, 6, 7]);
    const undefinedProto = await failure(config('', dword('${constructor}')));
    expect(placed(undefinedProto)).toEqual(['UNDEFINED_VARIABLE@7:15']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('a vars: block named __proto__ is refused and reaches no prototype', async () => {
    const diagnostics = await failure(config('  __proto__: 1\n', dword('1')));
    expect(placed(diagnostics)).toEqual(['SCHEMA@3:3']);
    expect(Object.prototype).not.toHaveProperty('1');
  });

  test('per host: each host gets its own values, and a problem only some hosts have names them', async () => {
    const paths = await writeConfigs({ 'c.yaml': config('  port: 587\n', dword('${port}')) });
    const hosts = [
      { name: 'web1', vars: table() },
      { name: 'web2', vars: table(cli('port', 25)) },
    ];
    const states = await loadDesiredStates(paths, hosts);
    expect([...states].map(([name, s]) => [name, s.keys[0]?.values[0]?.value])).toEqual([
      ['web1', { type: 'REG_DWORD', data: 587 }],
      ['web2', { type: 'REG_DWORD', data: 25 }],
    ]);
    const bad = [...hosts, { name: 'web3', vars: table(cli('port', 'x')) }];
    await expect(loadDesiredStates(paths, bad)).rejects.toMatchObject({
      diagnostics: [{ code: 'SCHEMA', message: expect.stringMatching(/^host web3: keys\[0\]\.values\[0\]\.data: REG_DWORD data must be .* \(\$\{port\} = "x" from --var port=x\)$/) }],
    });
  });

  test('per host: an undefined variable names the hosts even when all lack it; a problem of the file itself is reported once', async () => {
    const paths = await writeConfigs({ 'c.yaml': config('', `${dword('${port}', 'a')}${dword('-1', 'b')}`) });
    const hosts = [
      { name: 'web1', vars: table() },
      { name: 'web2', vars: table() },
    ];
    try {
      await loadDesiredStates(paths, hosts);
      throw new Error('expected a failure');
    } catch (error) {
      const diagnostics = (error as RegstateError).diagnostics;
      expect(placed(diagnostics)).toEqual(['UNDEFINED_VARIABLE@7:15', 'VALUE_RANGE@10:15']);
      expect(diagnostics[0]?.message).toMatch(/^hosts web1, web2: keys\[0\]\.values\[0\]\.data: variable \$\{port\} is not defined/);
      expect(diagnostics[1]?.message).toMatch(/^keys\[0\]\.values\[1\]\.data: REG_DWORD data must not be negative/);
    }
  });
});

// A value of some type, and how it is written in YAML.
const scalar: fc.Arbitrary<VarValue['value']> = fc.oneof(
  fc.integer({ min: -5, max: 2 ** 33 }),
  fc.constantFrom(0.5, 1.5, true, false),
  fc.string({ maxLength: 8 }).filter((s) => !s.includes('$') && !s.includes('\u0000')),
  fc.constantFrom('0x24B', '0xZZ', '587', '', '01 02 ff', 'x'),
);
const types = ['REG_SZ', 'REG_EXPAND_SZ', 'REG_DWORD', 'REG_QWORD', 'REG_BINARY', 'REG_NONE'] as const;

/** The outcome of one load, with positions as line only (the columns differ by what is written). */
async function outcome(text: string, vars?: VarTable): Promise<unknown> {
  try {
    const state = await loadDesiredState(await writeConfigs({ 'c.yaml': text }), { vars });
    return state.keys.map((k) => ({ ...k, source: k.source.line, values: k.values.map((v) => ({ ...v, source: v.source.line })) }));
  } catch (error) {
    if (!(error instanceof RegstateError)) throw error;
    return error.diagnostics.map((d) => ({ code: d.code, line: d.source?.line, message: d.message.replace(/ \(\$\{.*$/, '').replace(QUOTE_OR_VAR_HINT, '') }));
  }
}
const QUOTE_OR_VAR_HINT = / \((?:quote it to make it a string|quote the value where the variable is set)\)/;

describe('substitution property', () => {
  test('a config with ${name} references loads as the same config with the values written in', async () => {
    const item = fc.record({ type: fc.constantFrom(...types), value: scalar, inText: fc.boolean(), fromCli: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(fc.array(item, { minLength: 1, maxLength: 4 }), async (items) => {
        const yamlOf = (v: VarValue['value']) => (typeof v === 'string' ? JSON.stringify(v) : String(v));
        // a reference inside text is put in as text: the literal is that text, quoted
        const literalData = (i: (typeof items)[number]) => (i.inText ? JSON.stringify(`<${String(i.value)}>`) : yamlOf(i.value));
        const refData = (i: (typeof items)[number], n: number) => (i.inText ? `"<\${v${n}}>"` : `\${v${n}}`);
        const values = (data: (i: (typeof items)[number], n: number) => string) =>
          items.map((i, n) => `      - name: n${n}\n        type: ${i.type}\n        data: ${data(i, n)}\n`).join('');
        const defaults = items.map((i, n) => (i.fromCli ? '' : `  v${n}: ${yamlOf(i.value)}\n`)).join('');
        const vars = table(...items.flatMap((i, n) => (i.fromCli ? [cli(`v${n}`, i.value)] : [])));
        // vars: at the end of the file, so both files have their values on the same lines
        const literal = `version: 1\nkeys:\n  - path: HKLM\\SOFTWARE\\X\n    values:\n${values(literalData)}`;
        const withRefs = `version: 1\nkeys:\n  - path: HKLM\\SOFTWARE\\X\n    values:\n${values(refData)}${defaults === '' ? '' : `vars:\n${defaults}`}`;
        expect(await outcome(withRefs, vars)).toEqual(await outcome(literal));
      }),
      { numRuns: runs(60) },
    );
  });
});
