import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { parse } from 'yaml';
import { parseRegFile } from '../../src/registry/reg-file/parse-reg-file.js';
import { agpmConfig, agpmSnapshot, runCli, tempWorkspace } from './cli-harness.js';

// The built CLI as a real process (npm run build first, as for the other CLI tests).
const UTF16_BOM = Buffer.from([0xff, 0xfe]);

function regFile(...lines: string[]): Buffer {
  return Buffer.concat([UTF16_BOM, Buffer.from(['Windows Registry Editor Version 5.00', '', ...lines, ''].join('\r\n'), 'utf16le')]);
}

describe('regstate import', () => {
  test('a server snapshot becomes a config that plans with no changes against that snapshot', async () => {
    const { dir, snapshot } = await tempWorkspace();
    const out = join(dir, 'x.yaml');
    const imported = await runCli(['import', agpmSnapshot, '-o', out]);
    expect(imported).toMatchObject({ exitCode: 0, stderr: '' });
    expect(imported.stdout).toMatch(/^Wrote .*x\.yaml \(4 keys, 11 values\)/);
    const text = await readFile(out, 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./regstate.schema.json');
    expect(parse(text).description).toMatch(/^imported from agpm-server-snapshot\.reg on \d{4}-\d{2}-\d{2}$/);

    const plan = await runCli(['plan', out, '--registry', snapshot, '--detailed-exitcode']);
    expect(plan.stderr).toBe('');
    expect(plan.exitCode).toBe(0);
    expect(plan.stdout).toMatch(/No changes/);
  });

  test('registry text that reads like a variable (${k} in a key path, ${e} and $${y} in data) is imported literally and plans no changes', async () => {
    const { dir } = await tempWorkspace();
    const reg = join(dir, 'vars.reg');
    await writeFile(reg, regFile('[HKEY_CURRENT_USER\\Software\\Odd${k}]', '"a"="${e}"', '"b"="$${y} and $5"', ''));
    const out = join(dir, 'vars.yaml');
    expect((await runCli(['import', reg, '-o', out])).exitCode).toBe(0);
    const doc = parse(await readFile(out, 'utf8')) as { keys: { path: string; values: { data: string }[] }[] };
    expect(doc.keys[0]?.path).toBe('HKCU\\Software\\Odd$${k}');
    expect(doc.keys[0]?.values.map((v) => v.data)).toEqual(['$${e}', '$$${y} and $5']);
    const again = await runCli(['plan', out, '--registry', reg, '--detailed-exitcode']);
    expect(again).toMatchObject({ exitCode: 0, stderr: '' });
  });

  test('--key keeps one subtree (any hive spelling and case) and prints to stdout', async () => {
    const result = await runCli(['import', agpmSnapshot, '--key', 'hkey_local_machine\\software\\microsoft\\agpm']);
    expect(result).toMatchObject({ exitCode: 0, stderr: '' });
    expect(parse(result.stdout).keys.map((k: { path: string }) => k.path)).toEqual(['HKLM\\SOFTWARE\\Microsoft\\AGPM', 'HKLM\\SOFTWARE\\Microsoft\\AGPM\\Server']);
  });

  test('--key prefixes that match nothing: exit 1 naming each', async () => {
    const result = await runCli(['import', agpmSnapshot, '--key', 'HKLM\\SOFTWARE\\Microsoft\\AGPM', '--key', 'HKLM\\SOFTWARE\\Nope', '--key', 'HKCU\\Software\\Gone']);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('HKLM\\SOFTWARE\\Nope');
    expect(result.stderr).toContain('HKCU\\Software\\Gone');
  });

  test('a missing file and a broken .reg: exit 1, the broken one with file:line:column', async () => {
    const { dir } = await tempWorkspace();
    const missing = await runCli(['import', join(dir, 'none.reg')]);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(/none\.reg/);
    const broken = join(dir, 'broken.reg');
    await writeFile(broken, regFile('[HKEY_LOCAL_MACHINE\\SOFTWARE\\X]', '"A"=dword:zz', ''));
    const result = await runCli(['import', broken]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/broken\.reg:4:\d+: /);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  test('values a config cannot declare: left out, a warning with file:line:column on stderr', async () => {
    const { dir } = await tempWorkspace();
    const file = join(dir, 'odd.reg');
    await writeFile(file, regFile('[HKEY_LOCAL_MACHINE\\SOFTWARE\\X]', '"Kept"=dword:00000001', '"Resources"=hex(8):01,02', ''));
    const result = await runCli(['import', file]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toMatch(/^regstate: warning: .*odd\.reg:5:1: .*Resources/m);
    expect(parse(result.stdout).keys[0].values).toEqual([{ name: 'Kept', type: 'REG_DWORD', data: 1 }]);
  });
});

describe('NUL in a .reg file', () => {
  test('a raw NUL character anywhere is refused at its line:column (exit 1, nothing written)', async () => {
    const { dir } = await tempWorkspace();
    const file = join(dir, 'nul.reg');
    await writeFile(file, regFile('[HKEY_LOCAL_MACHINE\\SOFTWARE\\X]', '"Ok"="fine"', '"Name"="a\u0000b"', ''));
    const out = join(dir, 'out.yaml');
    const result = await runCli(['import', file, '--out', out]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/nul\.reg:5:10: .*NUL character \(U\+0000\)/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    await expect(readFile(out)).rejects.toThrow();
    const planned = await runCli(['plan', agpmConfig, '--registry', file]);
    expect(planned.exitCode).toBe(1);
    expect(planned.stderr).toMatch(/nul\.reg:5:10: /);
  });

  test('import of a REG_SZ or REG_EXPAND_SZ holding an escaped NUL: that value left out with a warning naming it; the config validates', async () => {
    const { dir } = await tempWorkspace();
    const file = join(dir, 'escaped.reg');
    // "A<NUL>B" as hex(1) and hex(2): the data holds a NUL before its terminating one
    await writeFile(file, regFile('[HKEY_LOCAL_MACHINE\\SOFTWARE\\X]', '"Kept"="x"', '"Split"=hex(1):41,00,00,00,42,00,00,00', '"SplitToo"=hex(2):41,00,00,00,00,00', ''));
    const out = join(dir, 'out.yaml');
    const result = await runCli(['import', file, '--out', out]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toMatch(/^regstate: warning: .*escaped\.reg:5:1: .*value "Split".*NUL character.*left out/m);
    expect(result.stderr).toMatch(/^regstate: warning: .*escaped\.reg:6:1: .*value "SplitToo".*NUL character.*left out/m);
    expect(parse(await readFile(out, 'utf8')).keys[0].values).toEqual([{ name: 'Kept', type: 'REG_SZ', data: 'x' }]);
    const validated = await runCli(['validate', out]);
    expect(validated).toMatchObject({ exitCode: 0, stderr: '' });
  });
});

describe('regstate export', () => {
  test('--format reg -o: a UTF-16LE .reg with the AGPM values, itself a registry in the desired state', async () => {
    const { dir } = await tempWorkspace();
    const out = join(dir, 'agpm.reg');
    const result = await runCli(['export', agpmConfig, '--format', 'reg', '-o', out]);
    expect(result).toMatchObject({ exitCode: 0, stderr: '' });
    expect(result.stdout).toMatch(/reg import/);
    const bytes = await readFile(out);
    expect(bytes.subarray(0, 2)).toEqual(UTF16_BOM);
    expect(bytes.subarray(2).toString('utf16le')).toBe(
      'Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\AGPM]\r\n"EncryptSmtp"=dword:00000001\r\n"SmtpPort"=dword:0000024b\r\n\r\n',
    );
    expect((await runCli(['plan', agpmConfig, '--registry', out, '--detailed-exitcode'])).exitCode).toBe(0);
  });

  test('--format reg to stdout: the text, and a warning when it is not plain ASCII', async () => {
    const { dir } = await tempWorkspace();
    const plain = await runCli(['export', agpmConfig, '--format', 'reg']);
    expect(plain).toMatchObject({ exitCode: 0, stderr: '' });
    expect(plain.stdout).toMatch(/^Windows Registry Editor Version 5\.00\r\n/);
    const config = join(dir, 'unicode.yaml');
    await writeFile(config, 'version: 1\nkeys:\n  - path: HKCU\\Software\\Contoso\n    values:\n      - name: Greeting\n        type: REG_SZ\n        data: Grüße\n');
    const unicode = await runCli(['export', config, '--format', 'reg']);
    expect(unicode.exitCode).toBe(0);
    expect(unicode.stdout).toContain('"Greeting"="Grüße"');
    expect(unicode.stderr).toMatch(/^regstate: warning: .*-o/);
  });

  test('--format gpp -o: a Registry.xml with the two AGPM items', async () => {
    const { dir } = await tempWorkspace();
    const out = join(dir, 'Registry.xml');
    const result = await runCli(['export', agpmConfig, '--format', 'gpp', '-o', out]);
    expect(result).toMatchObject({ exitCode: 0, stderr: '' });
    const xml = await readFile(out, 'utf8');
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => name === 'Registry' }).parse(xml);
    const items = doc.RegistrySettings.Registry as { name: string; uid: string; Properties: Record<string, string> }[];
    expect(items.map((i) => [i.name, i.Properties.action, i.Properties.hive, i.Properties.key, i.Properties.name, i.Properties.type, i.Properties.value])).toEqual([
      ['EncryptSmtp', 'U', 'HKEY_LOCAL_MACHINE', 'SOFTWARE\\Microsoft\\AGPM', 'EncryptSmtp', 'REG_DWORD', '00000001'],
      ['SmtpPort', 'U', 'HKEY_LOCAL_MACHINE', 'SOFTWARE\\Microsoft\\AGPM', 'SmtpPort', 'REG_DWORD', '0000024B'],
    ]);
    for (const item of items) expect(item.uid).toMatch(/^\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}$/);
    expect(items[0]?.uid).not.toBe(items[1]?.uid);
  });

  test('gpp: a 32-bit view key is a warning with file:line:column; an invalid config is exit 1 with its position', async () => {
    const { dir } = await tempWorkspace();
    const config = join(dir, 'wow.yaml');
    await writeFile(config, 'version: 1\nkeys:\n  - path: HKLM\\SOFTWARE\\Contoso\n    view: 32\n    values:\n      - name: Bits\n        type: REG_DWORD\n        data: 32\n');
    const wow = await runCli(['export', config, '--format', 'gpp']);
    expect(wow.exitCode).toBe(0);
    expect(wow.stderr).toMatch(/^regstate: warning: .*wow\.yaml:3:\d+: .*WOW6432Node/m);
    expect(wow.stdout).toContain('key="SOFTWARE\\WOW6432Node\\Contoso"');

    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'version: 1\nkeys:\n  - path: HKLM\\SOFTWARE\\X\n    values:\n      - name: Port\n        type: REG_DWORD\n        data: -1\n');
    for (const format of ['reg', 'gpp']) {
      const result = await runCli(['export', bad, '--format', format]);
      expect(result.exitCode).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/bad\.yaml:7:\d+: /);
    }
  });

  test('import → export --format reg → import gives the same keys, types and data', async () => {
    const { dir } = await tempWorkspace();
    const first = join(dir, 'first.yaml');
    const reg = join(dir, 'exported.reg');
    expect((await runCli(['import', agpmSnapshot, '-o', first])).exitCode).toBe(0);
    expect((await runCli(['export', first, '--format', 'reg', '-o', reg])).exitCode).toBe(0);
    expect(parseRegFile(await readFile(reg), reg).format).toEqual({ version: '5.00', encoding: 'utf16le', bom: true });
    const again = await runCli(['import', reg]);
    expect(again.exitCode).toBe(0);
    expect(parse(again.stdout).keys).toEqual(parse(await readFile(first, 'utf8')).keys);
  });
});

test('an --out file that cannot be written: exit 1 naming it, no stack trace', async () => {
  const { dir } = await tempWorkspace();
  for (const args of [['import', agpmSnapshot], ['export', agpmConfig, '--format', 'reg']]) {
    const result = await runCli([...args, '-o', join(dir, 'no-such-dir', 'out.file')]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/^regstate: error: cannot write .*no-such-dir/);
  }
});
