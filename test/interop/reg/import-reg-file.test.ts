import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDesiredState } from '../../../src/config/load-desired-state.js';
import { importRegFile } from '../../../src/interop/reg/import-reg-file.js';
import { renderDesiredStateYaml } from '../../../src/interop/yaml/render-desired-state-yaml.js';
import { LiveState } from '../../../src/model/live-state.js';
import { planChanges, readRequestsFor } from '../../../src/plan/plan-changes.js';
import { parseRegFile } from '../../../src/registry/reg-file/parse-reg-file.js';
import { openRegFile } from '../../../src/registry/reg-file/reg-file-backend.js';
import { agpmSnapshot } from '../../cli/cli-harness.js';
import { regText, shape } from './reg-text.js';

const importText = (text: string, keys?: string[]) => importRegFile(parseRegFile(text, 'x.reg'), { file: 'x.reg', ...(keys ? { keys } : {}) });

const EVERY_KIND = regText(
  '[HKEY_LOCAL_MACHINE\\SOFTWARE\\Kinds]',
  '@="the default"',
  '"Sz"="C:\\\\Program Files\\\\\\"AGPM\\""',
  '"Expand"=hex(2):25,00,54,00,45,00,4d,00,50,00,25,00,00,00',
  '"Multi"=hex(7):61,00,00,00,62,00,00,00,00,00',
  '"Dword"=dword:ffffffff',
  '"Qword"=hex(b):ff,ff,ff,ff,ff,ff,ff,ff',
  '"Binary"=hex:00,01,fe,\\',
  '  ff',
  '"None"=hex(0):de,ad',
  '"Lines"=hex(1):61,00,0d,00,0a,00,62,00,00,00',
  '"Grüße 日本語"="😀"',
  '',
);

describe('importRegFile', () => {
  test('every kind, the default value and hostile names, with exact types and data, in file order', () => {
    const { keys, warnings } = importText(EVERY_KIND);
    expect(warnings).toEqual([]);
    expect(shape(keys)).toEqual([
      {
        key: 'HKLM\\SOFTWARE\\Kinds',
        ensure: 'present',
        values: [
          { name: '', type: 'REG_SZ', data: 'the default' },
          { name: 'Sz', type: 'REG_SZ', data: 'C:\\Program Files\\"AGPM"' },
          { name: 'Expand', type: 'REG_EXPAND_SZ', data: '%TEMP%' },
          { name: 'Multi', type: 'REG_MULTI_SZ', data: ['a', 'b'] },
          { name: 'Dword', type: 'REG_DWORD', data: 0xffffffff },
          { name: 'Qword', type: 'REG_QWORD', data: (2n ** 64n - 1n).toString() },
          { name: 'Binary', type: 'REG_BINARY', data: '0001feff' },
          { name: 'None', type: 'REG_NONE', data: 'dead' },
          { name: 'Lines', type: 'REG_SZ', data: 'a\r\nb' },
          { name: 'Grüße 日本語', type: 'REG_SZ', data: '😀' },
        ],
      },
    ]);
    expect(keys[0]?.values[1]?.source).toEqual({ file: 'x.reg', line: 5, column: 1 });
  });

  test('deletions: [-KEY] is an absent key, "name"=- an absent value, an empty section a present key without values', () => {
    const { keys } = importText(
      regText('[-HKEY_CURRENT_USER\\Software\\Old]', '', '[HKEY_CURRENT_USER\\Software\\App]', '"Gone"=-', '"Kept"=dword:00000001', '', '[HKEY_CURRENT_USER\\Software\\Empty]', ''),
    );
    expect(shape(keys)).toEqual([
      { key: 'HKCU\\Software\\Old', ensure: 'absent', values: [] },
      { key: 'HKCU\\Software\\App', ensure: 'present', values: [{ name: 'Gone', ensure: 'absent' }, { name: 'Kept', type: 'REG_DWORD', data: 1 }] },
      { key: 'HKCU\\Software\\Empty', ensure: 'present', values: [] },
    ]);
  });

  test('a key in several sections is one key: the last setting wins, the first spelling of a name stays, its place is its first', () => {
    const { keys, warnings } = importText(
      regText('[HKEY_CURRENT_USER\\Software\\A]', '"Port"=dword:00000019', '"X"=-', '', '[HKCU\\Software\\B]', '"b"="1"', '', '[hkey_current_user\\software\\a]', '"PORT"=dword:0000024b', '"x"="back"', ''),
    );
    expect(warnings).toEqual([]);
    expect(shape(keys)).toEqual([
      { key: 'HKCU\\Software\\A', ensure: 'present', values: [{ name: 'Port', type: 'REG_DWORD', data: 587 }, { name: 'x', type: 'REG_SZ', data: 'back' }] },
      { key: 'HKCU\\Software\\B', ensure: 'present', values: [{ name: 'b', type: 'REG_SZ', data: '1' }] },
    ]);
  });

  test('a later [-KEY] replaces what the file declared at and below that key', () => {
    const { keys } = importText(regText('[HKCU\\Software\\A]', '"v"="1"', '', '[HKCU\\Software\\A\\Sub]', '"w"="2"', '', '[HKCU\\Software\\Other]', '', '[-HKCU\\Software\\A]', '', '[-HKCU\\Software\\A\\Sub\\Deeper]', ''));
    expect(shape(keys)).toEqual([
      { key: 'HKCU\\Software\\A', ensure: 'absent', values: [] },
      { key: 'HKCU\\Software\\Other', ensure: 'present', values: [] },
    ]);
  });

  test('a key deleted and then created again (itself or below it) is present, with a warning at the line that recreates it', () => {
    const { keys, warnings } = importText(regText('[-HKCU\\Software\\A]', '', '[HKCU\\Software\\A\\Sub]', '"w"="2"', ''));
    expect(shape(keys)).toEqual([
      { key: 'HKCU\\Software\\A', ensure: 'present', values: [] },
      { key: 'HKCU\\Software\\A\\Sub', ensure: 'present', values: [{ name: 'w', type: 'REG_SZ', data: '2' }] },
    ]);
    expect(warnings).toMatchObject([{ code: 'CONFLICT', source: { file: 'x.reg', line: 5, column: 1 } }]);
  });

  test('the WOW6432Node keys of a 64-bit export stay as written, in the 64-bit view', () => {
    const { keys } = importText(regText('[HKEY_LOCAL_MACHINE\\SOFTWARE\\WOW6432Node\\Contoso]', '"Bits"=dword:00000020', ''));
    expect(keys.map((k) => k.key)).toEqual([{ hive: 'HKLM', path: 'SOFTWARE\\WOW6432Node\\Contoso', view: 64 }]);
  });

  test('what a desired state cannot declare is left out with a warning at its line', () => {
    const { keys, warnings } = importText(regText('[HKEY_CURRENT_USER]', '"RootValue"="x"', '', `[HKCU\\Software\\${'k'.repeat(256)}]`, '', '[HKCU\\Software\\Ok]', `"${'n'.repeat(16384)}"="x"`, '"fine"="y"', ''));
    expect(shape(keys)).toEqual([{ key: 'HKCU\\Software\\Ok', ensure: 'present', values: [{ name: 'fine', type: 'REG_SZ', data: 'y' }] }]);
    expect(warnings).toMatchObject([
      { code: 'KEY_PATH', source: { line: 3 } },
      { code: 'KEY_PATH', source: { line: 6 } },
      { code: 'VALUE_NAME', source: { line: 9 } },
    ]);
  });

  describe('keys option', () => {
    const FILE = regText(
      '[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\AGPM]',
      '"EncryptSmtp"=dword:00000001',
      '',
      '[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\AGPM\\Server]',
      '"x"="1"',
      '',
      '[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\AGPMX]',
      '"not"="below"',
      '',
      '[HKEY_CURRENT_USER\\Software\\Contoso]',
      '"c"="1"',
      '',
    );

    test.each([['HKLM\\SOFTWARE\\Microsoft\\AGPM'], ['hkey_local_machine\\software\\microsoft\\agpm'], ['HKLM\\Software\\Microsoft\\AGPM\\']])('%s selects the subtree, not its siblings', (prefix) => {
      expect(importText(FILE, [prefix]).keys.map((k) => k.key.path)).toEqual(['SOFTWARE\\Microsoft\\AGPM', 'SOFTWARE\\Microsoft\\AGPM\\Server']);
    });

    test('several prefixes keep the file order', () => {
      expect(importText(FILE, ['HKCU\\Software', 'HKLM\\SOFTWARE\\Microsoft\\AGPM\\Server']).keys.map((k) => k.key.path)).toEqual(['SOFTWARE\\Microsoft\\AGPM\\Server', 'Software\\Contoso']);
    });

    test('a deletion above a prefix deletes the prefix key', () => {
      const { keys } = importText(regText('[HKLM\\SOFTWARE\\Microsoft\\AGPM]', '"v"="1"', '', '[-HKLM\\SOFTWARE\\Microsoft]', ''), ['HKLM\\SOFTWARE\\Microsoft\\AGPM']);
      expect(shape(keys)).toEqual([{ key: 'HKLM\\SOFTWARE\\Microsoft\\AGPM', ensure: 'absent', values: [] }]);
    });

    test('prefixes that match nothing are an error naming each of them', () => {
      expect(() => importText(FILE, ['HKLM\\SOFTWARE\\Microsoft\\AGPM', 'HKLM\\SOFTWARE\\Nope', 'HKU\\x'])).toThrow(
        expect.objectContaining({ code: 'KEY_NOT_FOUND', diagnostics: [expect.objectContaining({ message: expect.stringContaining('HKLM\\SOFTWARE\\Nope') }), expect.objectContaining({ message: expect.stringContaining('HKU\\x') })] }),
      );
    });

    test('a prefix that is no key path is a usage error', () => {
      expect(() => importText(FILE, ['SOFTWARE\\Microsoft'])).toThrow(expect.objectContaining({ code: 'USAGE' }));
    });
  });
});

describe('an imported file planned against the same .reg', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'regstate-import-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function planAgainst(regFile: string, bytes: Buffer): Promise<{ changes: number; unchanged: number; declared: number }> {
    const { keys, warnings } = importRegFile(parseRegFile(bytes, regFile), { file: regFile });
    expect(warnings).toEqual([]);
    const rendered = renderDesiredStateYaml(keys);
    expect(rendered.warnings).toEqual([]);
    const yamlFile = join(dir, 'imported.yaml');
    await writeFile(yamlFile, rendered.yaml);
    const desired = await loadDesiredState([yamlFile]);
    expect(shape(desired.keys)).toEqual(shape(keys));
    const backend = await openRegFile(regFile);
    const plan = planChanges(desired, new LiveState(await backend.read(readRequestsFor(desired))));
    return { changes: plan.changes.length, unchanged: plan.unchanged, declared: desired.keys.reduce((n, k) => n + Math.max(1, k.values.length), 0) };
  }

  test('the AGPM server snapshot: no changes', async () => {
    const result = await planAgainst(agpmSnapshot, await readFile(agpmSnapshot));
    expect(result.changes).toBe(0);
    expect(result.unchanged).toBe(result.declared);
  });

  test('a file with every kind, deletions, repeated sections and WOW6432Node: no changes', async () => {
    const file = join(dir, 'mixed.reg');
    const text = `${EVERY_KIND}${regText('[HKEY_LOCAL_MACHINE\\SOFTWARE\\WOW6432Node\\Contoso]', '"Bits"=dword:00000020', '', '[-HKEY_LOCAL_MACHINE\\SOFTWARE\\Gone]', '', '[HKEY_LOCAL_MACHINE\\SOFTWARE\\Kinds]', '"Dword"=-', '"Sz"="again"', '').replace(/^.*\r\n\r\n/, '')}`;
    await writeFile(file, Buffer.from(`\uFEFF${text}`, 'utf16le'));
    const result = await planAgainst(file, await readFile(file));
    expect(result.changes).toBe(0);
    expect(result.unchanged).toBe(result.declared);
  });
});
