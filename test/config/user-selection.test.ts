import { loadDesiredState } from '../../src/config/load-desired-state.js';
import { checkUserPattern } from '../../src/config/collect-user-selection.js';
import { loadFailure, placed, writeConfigs } from './temp-config.js';

const file = (...lines: string[]) => ['version: 1', 'keys:', ...lines, ''].join('\n');

describe('users: per-user keys in a config', () => {
  test('users: all and the mapping form are read with the place of users; other keys have none', async () => {
    const paths = await writeConfigs({
      'u.yaml': file(
        '  - path: HKCU\\Software\\A', //
        '    users: all',
        '  - path: HKEY_CURRENT_USER\\Software\\B',
        '    users:',
        "      include: ['S-1-5-21-*', 'CONTOSO\\*']",
        "      exclude: ['*\\Administrator']",
        '      defaultProfile: true',
        '  - path: HKCU\\Software\\C',
        '    ensure: absent',
        '    users:',
        '      exclude: [S-1-5-21-1-500]',
        '  - path: HKCU\\Software\\D',
      ),
    });
    const state = await loadDesiredState(paths);
    const f = paths[0] as string;
    expect(state.keys.map((k) => [k.key.hive, k.key.path, k.users])).toEqual([
      ['HKCU', 'Software\\A', { exclude: [], defaultProfile: false, source: { file: f, line: 4, column: 12 } }],
      ['HKCU', 'Software\\B', { include: ['S-1-5-21-*', 'CONTOSO\\*'], exclude: ['*\\Administrator'], defaultProfile: true, source: { file: f, line: 7, column: 7 } }],
      ['HKCU', 'Software\\C', { exclude: ['S-1-5-21-1-500'], defaultProfile: false, source: { file: f, line: 13, column: 7 } }],
      ['HKCU', 'Software\\D', undefined],
    ]);
  });

  test.each([
    ['HKLM', 'HKLM\\SOFTWARE\\X'],
    ['HKU', 'HKU\\S-1-5-21-1\\Software\\X'],
    ['HKCR', 'HKCR\\.txt'],
  ])('users on a key under %s is USERS at users', async (_, path) => {
    const paths = await writeConfigs({ 'n.yaml': file(`  - path: ${path}`, '    users: all') });
    const diagnostics = await loadFailure(paths);
    expect(placed(diagnostics)).toEqual(['USERS@4:12']);
    expect(diagnostics[0]?.message).toMatch(/^keys\[0\]\.users: users applies a key under HKCU to every user profile, but this key is under HK/);
  });

  test("users under HKCU\\Software\\Classes (the user's classes hive, not in NTUSER.DAT) is USERS at users", async () => {
    const paths = await writeConfigs({ 'c.yaml': file('  - path: HKCU\\SOFTWARE\\Classes\\.txt', '    users: all', '  - path: HKCU\\Software\\ClassesX', '    users: all') });
    const diagnostics = await loadFailure(paths);
    expect(placed(diagnostics)).toEqual(['USERS@4:12']);
    expect(diagnostics[0]?.message).toMatch(/classes hive \(UsrClass\.dat\)/);
  });

  test('a variable cannot move a per-user key out of HKCU: the substituted path is checked', async () => {
    const paths = await writeConfigs({ 'v.yaml': ['version: 1', 'vars:', '  root: HKLM\\SOFTWARE', 'keys:', '  - path: ${root}\\X', '    users: all', ''].join('\n') });
    expect(placed(await loadFailure(paths))).toEqual(['USERS@6:12']);
  });

  test('every bad pattern is reported at its own place; unknown fields and wrong forms are SCHEMA errors at theirs', async () => {
    const paths = await writeConfigs({
      'bad.yaml': file(
        '  - path: HKCU\\Software\\A',
        '    users:',
        "      include: ['CONTOSO\\[ab]*', 'a\\b\\c', '  ']",
        "      exclude: ['x:y']",
        '      defaultProfil: true',
        '  - path: HKCU\\Software\\B',
        '    users: everyone',
        '  - path: HKCU\\Software\\C',
        '    users: true',
        '  - path: HKCU\\Software\\D',
        '    users:',
        '      include: []',
        "      exclude: ['']",
      ),
    });
    const diagnostics = await loadFailure(paths);
    expect(placed(diagnostics).sort()).toEqual(
      ['USERS@5:17', 'USERS@5:34', 'USERS@5:43', 'USERS@6:17', 'SCHEMA@7:7', 'SCHEMA@9:12', 'SCHEMA@11:12', 'SCHEMA@14:16', 'SCHEMA@15:17'].sort(),
    );
    const text = diagnostics.map((d) => d.message).join('\n');
    expect(text).toContain('keys[0].users.include[0]: "CONTOSO\\\\[ab]*" has "[": only * (any characters) and ? (one character) are wildcards');
    expect(text).toContain('keys[0].users.include[1]: "a\\\\b\\\\c" has more than one backslash');
    expect(text).toContain('keys[0].users: unknown property "defaultProfil" (did you mean "defaultProfile"?)');
    expect(text).toContain('keys[1].users: must be "all"');
  });

  test.each([
    ['S-1-5-21-*', undefined],
    ['CONTOSO\\*', undefined],
    ['*\\Administrator', undefined],
    ['user?', undefined],
    ['a/b', /has "\/"/],
    ['a|b', /has "\|"/],
    ['tab\there', /has "\\t"/],
  ])('checkUserPattern(%j)', (pattern, expected) => {
    const problem = checkUserPattern(pattern);
    if (expected === undefined) expect(problem).toBeUndefined();
    else expect(problem).toMatch(expected);
  });

  test('one HKCU key declared per user and for the running user, or with two selections, is a CONFLICT naming both places', async () => {
    const paths = await writeConfigs({
      'a.yaml': file('  - path: HKCU\\Software\\X', '    users: all', '  - path: HKCU\\Software\\Y', '    users: all'),
      'b.yaml': file('  - path: HKCU\\Software\\X', '  - path: hkcu\\software\\y', '    users:', "      exclude: ['*\\guest']"),
    });
    const diagnostics = await loadFailure(paths);
    expect(diagnostics.map((d) => d.code)).toEqual(['CONFLICT', 'CONFLICT']);
    expect(diagnostics[0]?.message).toMatch(/declared without users \(for the user regstate runs as\) at .*b\.yaml:3:11 and for the users selected at .*a\.yaml:4:12/);
    expect(diagnostics[1]?.source).toMatchObject({ line: 6, column: 7 });
  });

  test('the same selection in two files merges the values of one per-user key', async () => {
    const value = (name: string) => ['    values:', `      - name: ${name}`, '        type: REG_DWORD', '        data: 1'];
    const paths = await writeConfigs({
      'a.yaml': file('  - path: HKCU\\Software\\X', '    users: all', ...value('A')),
      'b.yaml': file('  - path: HKCU\\Software\\X', '    users: all', ...value('B')),
    });
    const state = await loadDesiredState(paths);
    expect(state.keys).toHaveLength(1);
    expect(state.keys[0]?.values.map((v) => v.name)).toEqual(['A', 'B']);
  });
});
