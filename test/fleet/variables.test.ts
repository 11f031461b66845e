import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDesiredStates } from '../../src/config/load-desired-state.js';
import { RegstateError } from '../../src/errors.js';
import type { FleetHost, Inventory, VarTable, VarValue } from '../../src/fleet/fleet-model.js';
import { loadInventory } from '../../src/fleet/inventory.js';
import { resolveHostVars } from '../../src/fleet/resolve-host-vars.js';
import { selectHosts } from '../../src/fleet/select-hosts.js';
import { loadVarFile, parseVarOption, readVarOptions } from '../../src/fleet/var-options.js';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'regstate-fleet-vars-'));
}

describe('parseVarOption', () => {
  test.each<[string, string, VarValue['value']]>([
    ['port=25', 'port', 25],
    ['port=0x24B', 'port', 587],
    ['ratio=1.5', 'ratio', 1.5],
    ['on=true', 'on', true],
    ['on=False', 'on', false],
    ['port="25"', 'port', '25'],
    ["port='25'", 'port', '25'],
    ['name=mail.example', 'name', 'mail.example'],
    ['path=C:\\Program Files\\x', 'path', 'C:\\Program Files\\x'],
    ['text=1 # not a comment', 'text', '1 # not a comment'],
    ['pair=a=b', 'pair', 'a=b'],
    ['empty=', 'empty', ''],
    ['nothing=null', 'nothing', 'null'],
    ['list=[1, 2]', 'list', '[1, 2]'],
  ])('%s', (option, name, value) => {
    expect(parseVarOption(option)).toEqual({ name, value: { value, origin: { kind: 'cli', text: option } } });
  });

  test.each<[string, string]>([
    ['port', 'USAGE'],
    ['=1', 'USAGE'],
    ['1port=1', 'USAGE'],
    ['my-port=1', 'USAGE'],
    ['s="unclosed', 'USAGE'],
    ['big=18446744073709551615', 'VALUE_RANGE'],
  ])('%s is refused (%s)', (option, code) => {
    expect(() => parseVarOption(option)).toThrow(expect.objectContaining({ code }));
  });
});

describe('loadVarFile', () => {
  test('a mapping of names to values, each with its position as origin', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'site.yaml'), '# site values\nsmtpPort: 2525\nrelay: "mail.example"\nencrypt: true\n');
    const vars = await loadVarFile('site.yaml', { cwd: dir });
    expect([...vars].map(([k, v]) => [k, v.value, v.origin])).toEqual([
      ['smtpPort', 2525, { kind: 'var-file', source: { file: 'site.yaml', line: 2, column: 11 } }],
      ['relay', 'mail.example', { kind: 'var-file', source: { file: 'site.yaml', line: 3, column: 8 } }],
      ['encrypt', true, { kind: 'var-file', source: { file: 'site.yaml', line: 4, column: 10 } }],
    ]);
  });

  test.each<[string, string, string[]]>([
    ['a list', '- a\n- b\n', ['SCHEMA@1:1']],
    ['a bad name', 'ok: 1\nmy-port: 2\n', ['SCHEMA@2:1']],
    ['a mapping as a value', 'a:\n  b: 1\n', ['SCHEMA@2:3']],
    ['null', 'a:\n', ['SCHEMA@1:1']],
    ['an inexact integer', 'a: 18446744073709551615\n', ['VALUE_RANGE@1:4']],
    ['a duplicate key', 'a: 1\na: 2\n', ['YAML_SYNTAX@2:1']],
    ['every problem at once', '1a: 1\nb: [1]\nc: ok\n', ['SCHEMA@1:1', 'SCHEMA@2:4']],
  ])('%s: %j', async (_name, text, expected) => {
    const dir = await tempDir();
    await writeFile(join(dir, 'v.yaml'), text);
    const error = await loadVarFile('v.yaml', { cwd: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegstateError);
    expect((error as RegstateError).diagnostics.map((d) => `${d.code}@${d.source?.line}:${d.source?.column}`)).toEqual(expected);
  });

  test('readVarOptions: the last --var of a name wins, a later --var-file wins, every file problem at once', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'a.yaml'), 'x: 1\ny: 1\n');
    await writeFile(join(dir, 'b.yaml'), 'y: 2\n');
    const vars = await readVarOptions({ var: ['p=1', 'p=2'], varFile: ['a.yaml', 'b.yaml'] }, dir);
    expect(vars.cli.get('p')?.value).toBe(2);
    expect([...vars.varFile].map(([k, v]) => [k, v.value])).toEqual([['x', 1], ['y', 2]]);
    await writeFile(join(dir, 'bad1.yaml'), '- 1\n');
    await expect(readVarOptions({ varFile: ['bad1.yaml', 'missing.yaml'] }, dir)).rejects.toMatchObject({
      diagnostics: [{ code: 'SCHEMA', source: { file: 'bad1.yaml' } }, { code: 'FILE_NOT_FOUND', source: { file: 'missing.yaml' } }],
    });
  });
});

describe('precedence: config vars < group < host < --var-file < --var', () => {
  // Which places set the variable `port`, and which value the host ends up with.
  const values = { config: 1, group: 2, host: 3, file: 4, cli: 5 } as const;
  type Place = keyof typeof values;
  const cases: [Place[], Place][] = [
    [['config'], 'config'],
    [['config', 'group'], 'group'],
    [['group', 'host'], 'host'],
    [['config', 'group', 'host'], 'host'],
    [['host', 'file'], 'file'],
    [['config', 'group', 'host', 'file'], 'file'],
    [['file', 'cli'], 'cli'],
    [['config', 'cli'], 'cli'],
    [['group', 'cli'], 'cli'],
    [['config', 'group', 'host', 'file', 'cli'], 'cli'],
    [['group'], 'group'],
    [['file'], 'file'],
  ];

  test.each(cases)('set in %j: the value from %s', async (places, winner) => {
    const dir = await tempDir();
    const has = (p: Place) => places.includes(p);
    const groupVars = has('group') ? `    vars:\n      port: ${values.group}\n` : '    vars: {}\n';
    const hostVars = has('host') ? `    vars:\n      port: ${values.host}\n` : '';
    await writeFile(join(dir, 'inv.yaml'), `version: 1\ngroups:\n  g:\n${groupVars}hosts:\n  - name: h\n    groups: [g]\n${hostVars}`);
    await writeFile(join(dir, 'vars.yaml'), `port: ${values.file}\n`);
    const configVars = has('config') ? `vars:\n  port: ${values.config}\n` : '';
    await writeFile(join(dir, 'c.yaml'), `version: 1\n${configVars}keys:\n  - path: HKLM\\SOFTWARE\\X\n    values:\n      - name: p\n        type: REG_DWORD\n        data: \${port}\n`);
    const inventory = await loadInventory(join(dir, 'inv.yaml'));
    const cli = await readVarOptions({ var: has('cli') ? [`port=${values.cli}`] : [], varFile: has('file') ? ['vars.yaml'] : [] }, dir);
    const host = inventory.hosts[0] as FleetHost;
    const states = await loadDesiredStates([join(dir, 'c.yaml')], [{ name: 'h', vars: resolveHostVars(host, cli.cli, cli.varFile) }]);
    expect(states.get('h')?.keys[0]?.values[0]?.value?.data).toBe(values[winner]);
  });

  test('two groups: the one the host lists later wins', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'inv.yaml'), 'version: 1\ngroups:\n  a: { vars: { port: 1 } }\n  b: { vars: { port: 2 } }\nhosts:\n  - { name: ab, groups: [a, b] }\n  - { name: ba, groups: [b, a] }\n');
    const inventory = await loadInventory(join(dir, 'inv.yaml'));
    expect(inventory.hosts.map((h) => h.vars.get('port')?.value)).toEqual([2, 1]);
  });
});

describe('selectHosts', () => {
  const host = (name: string, groups: string[]): FleetHost => ({ name, address: name, transport: 'ssh', groups, vars: new Map() as VarTable, source: { file: 'i.yaml', line: 1, column: 1 } });
  const inventory: Inventory = {
    path: 'i.yaml',
    hosts: [host('web1', ['web', 'eu']), host('web2', ['web']), host('db1', ['db', 'eu']), host('mail', [])],
    groups: ['web', 'db', 'eu', 'empty'],
  };
  const names = (limit: string | undefined) => selectHosts(inventory, limit).map((h) => h.name);

  test.each<[string | undefined, string[]]>([
    [undefined, ['web1', 'web2', 'db1', 'mail']],
    ['web', ['web1', 'web2']],
    ['mail', ['mail']],
    ['eu,mail', ['web1', 'db1', 'mail']],
    ['db1, web', ['web1', 'web2', 'db1']],
    ['WEB1', ['web1']],
    ['web,web1,eu', ['web1', 'web2', 'db1']],
  ])('--limit %j selects %j (inventory order, each host once)', (limit, expected) => {
    expect(names(limit)).toEqual(expected);
  });

  test.each<[string, string, RegExp]>([
    ['wbe', 'UNKNOWN_HOST', /no host or group named "wbe" \(did you mean "web"\?\)/],
    ['web,nope,db2', 'UNKNOWN_HOST', /"nope", "db2" \(did you mean "db1"\?\)/],
    ['web,', 'USAGE', /no empty entry/],
    ['', 'USAGE', /no empty entry/],
    ['empty', 'USAGE', /selects no host/],
  ])('--limit %j is an error (%s)', (limit, code, message) => {
    expect(() => selectHosts(inventory, limit)).toThrow(expect.objectContaining({ code, message: expect.stringMatching(message) }));
  });
});
