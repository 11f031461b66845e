import { loadDesiredState } from '../../src/config/load-desired-state.js';
import { loadFailure, placed, writeConfigs } from './temp-config.js';

const file = (...lines: string[]) => ['version: 1', 'keys:', ...lines, ''].join('\n');

describe('undeclared, exclusive, maxUndeclared, force', () => {
  test('a key lists its undeclared values unless it says ignore; exclusive keys carry mode, limit, force and the place of exclusive', async () => {
    const paths = await writeConfigs({
      'a.yaml': file(
        '  - path: HKLM\\SOFTWARE\\A', //
        '  - path: HKLM\\SOFTWARE\\B',
        '    undeclared: ignore',
        '  - path: HKLM\\SOFTWARE\\C',
        '    exclusive: true',
        '  - path: HKLM\\SOFTWARE\\D',
        '    exclusive: subkeys',
        '    maxUndeclared: 7',
        '    force: true',
        '  - path: HKLM\\SOFTWARE\\E',
        '    exclusive: false',
      ),
    });
    const state = await loadDesiredState(paths);
    const file0 = paths[0] as string;
    expect(state.keys.map((k) => [k.key.path, k.undeclared, k.exclusive])).toEqual([
      ['SOFTWARE\\A', 'show', undefined],
      ['SOFTWARE\\B', 'ignore', undefined],
      ['SOFTWARE\\C', 'show', { mode: 'values', maxUndeclared: 50, force: false, source: { file: file0, line: 7, column: 16 } }],
      ['SOFTWARE\\D', 'show', { mode: 'subkeys', maxUndeclared: 7, force: true, source: { file: file0, line: 9, column: 16 } }],
      ['SOFTWARE\\E', 'show', undefined],
    ]);
  });

  test.each([
    ['a hive root', 'HKLM', ['KEY_PATH@3:11', 'EXCLUSIVE@4:16']],
    ['the root of a loaded hive (HKLM\\SOFTWARE)', 'HKLM\\SOFTWARE', ['EXCLUSIVE@4:16']],
    ['a user hive (HKU\\<SID>)', 'HKEY_USERS\\S-1-5-21-1', ['EXCLUSIVE@4:16']],
    ['the software root with a trailing backslash', 'hklm\\Software\\', ['KEY_PATH@3:11', 'EXCLUSIVE@4:16']],
    ['the 32-bit software root', 'HKLM\\SOFTWARE\\Wow6432Node', ['EXCLUSIVE@4:16']],
    ["the user's classes hive", 'HKEY_CURRENT_USER\\Software\\Classes', ['EXCLUSIVE@4:16']],
  ])('exclusive on %s is refused at its line:column', async (_, path, expected) => {
    const paths = await writeConfigs({ 'root.yaml': file(`  - path: ${path}`, '    exclusive: true') });
    const diagnostics = await loadFailure(paths);
    expect(placed(diagnostics)).toEqual(expected);
    expect(diagnostics.find((d) => d.code === 'EXCLUSIVE')?.message).toMatch(/^keys\[0\]\.exclusive: .* is the root of a hive/);
  });

  test('a variable cannot hide a hive root from the exclusive check: the substituted path is checked', async () => {
    const paths = await writeConfigs({ 'var-root.yaml': ['version: 1', 'vars:', '  root: HKLM\\SOFTWARE', 'keys:', '  - path: ${root}', '    exclusive: true', ''].join('\n') });
    const diagnostics = await loadFailure(paths);
    expect(placed(diagnostics)).toEqual(['EXCLUSIVE@6:16']);
  });

  test('exclusive below a loaded hive root is allowed (HKCU\\Software, HKLM\\SOFTWARE\\X)', async () => {
    const paths = await writeConfigs({ 'ok.yaml': file('  - path: HKCU\\Software', '    exclusive: true', '  - path: HKLM\\SOFTWARE\\X', '    exclusive: subkeys') });
    await expect(loadDesiredState(paths)).resolves.toMatchObject({ keys: [{ exclusive: { mode: 'values' } }, { exclusive: { mode: 'subkeys' } }] });
  });

  test('undeclared: ignore on an exclusive key is a CONFLICT at undeclared', async () => {
    const paths = await writeConfigs({ 'c.yaml': file('  - path: HKLM\\SOFTWARE\\X', '    exclusive: true', '    undeclared: ignore') });
    expect(placed(await loadFailure(paths))).toEqual(['CONFLICT@5:17']);
  });

  test.each([
    ['maxUndeclared without exclusive', ['    maxUndeclared: 3'], ['SCHEMA@3:5']],
    ['force without exclusive', ['    force: true'], ['SCHEMA@3:5']],
    ['a negative maxUndeclared', ['    exclusive: true', '    maxUndeclared: -1'], ['SCHEMA@5:20']],
    ['an unknown exclusive mode', ['    exclusive: values'], ['SCHEMA@4:16']],
    ['an unknown undeclared mode', ['    undeclared: hide'], ['SCHEMA@4:17']],
    ['exclusive on a key declared absent', ['    ensure: absent', '    exclusive: true'], ['SCHEMA@5:5']],
    ['maxUndeclared with exclusive: false', ['    exclusive: false', '    maxUndeclared: 3'], ['SCHEMA@5:5']],
    ['force with exclusive: false', ['    force: true', '    exclusive: false'], ['SCHEMA@4:5']],
    ['maxUndeclared and force with exclusive: false, each at its line', ['    exclusive: false', '    maxUndeclared: 0', '    force: false'], ['SCHEMA@5:5', 'SCHEMA@6:5']],
  ])('%s is a schema error at its place', async (_, lines, expected) => {
    const paths = await writeConfigs({ 's.yaml': file('  - path: HKLM\\SOFTWARE\\X', ...lines) });
    expect(placed(await loadFailure(paths))).toEqual(expected);
  });

  test('maxUndeclared or force with exclusive: false names the option and says what to do', async () => {
    const paths = await writeConfigs({ 'f.yaml': file('  - path: HKLM\\SOFTWARE\\X', '    exclusive: false', '    maxUndeclared: 3', '    force: true') });
    const messages = (await loadFailure(paths)).map((d) => d.message);
    expect(messages).toEqual([
      expect.stringMatching(/^keys\[0\]\.maxUndeclared: maxUndeclared is for an exclusive key, and this key says exclusive: false; set exclusive to true or subkeys/),
      expect.stringMatching(/^keys\[0\]\.force: force is for an exclusive key, and this key says exclusive: false/),
    ]);
  });

  test('across files: exclusive from one file applies to the merged key; twice is a DUPLICATE naming both; ignore elsewhere is a CONFLICT', async () => {
    const [a, b] = await writeConfigs({
      'a.yaml': file('  - path: HKLM\\SOFTWARE\\X', '    exclusive: true', '    values:', '      - { name: A, type: REG_SZ, data: a }'),
      'b.yaml': file('  - path: hklm\\software\\x', '    values:', '      - { name: B, type: REG_SZ, data: b }'),
    });
    const merged = await loadDesiredState([b as string, a as string]);
    expect(merged.keys).toHaveLength(1);
    expect(merged.keys[0]).toMatchObject({ exclusive: { mode: 'values', source: { file: a, line: 4 } }, values: [{ name: 'B' }, { name: 'A' }] });

    const [c] = await writeConfigs({ 'c.yaml': file('  - path: HKLM\\SOFTWARE\\X', '    exclusive: subkeys') });
    const twice = await loadFailure([a as string, c as string]);
    expect(placed(twice)).toEqual(['DUPLICATE@4:16']);
    expect(twice[0]?.message).toMatch(/declared exclusive twice: at .*a\.yaml:4:16 and at .*c\.yaml:4:16/);

    const [d] = await writeConfigs({ 'd.yaml': file('  - path: HKLM\\SOFTWARE\\X', '    undeclared: ignore') });
    expect(placed(await loadFailure([a as string, d as string]))).toEqual(['CONFLICT@3:11']);
  });
});
