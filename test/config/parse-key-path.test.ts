import { parseKeyPath } from '../../src/config/parse-key-path.js';

describe('parseKeyPath', () => {
  test.each<[string, { hive: string; path: string }]>([
    ['HKLM\\SOFTWARE\\Microsoft\\AGPM', { hive: 'HKLM', path: 'SOFTWARE\\Microsoft\\AGPM' }],
    ['hkey_local_machine\\Software\\x', { hive: 'HKLM', path: 'Software\\x' }],
    ['HKEY_CURRENT_USER\\Control Panel\\Desktop', { hive: 'HKCU', path: 'Control Panel\\Desktop' }],
    ['HKU\\.DEFAULT\\Environment', { hive: 'HKU', path: '.DEFAULT\\Environment' }],
    ['HKCR\\.txt', { hive: 'HKCR', path: '.txt' }],
    ['HKCC\\System', { hive: 'HKCC', path: 'System' }],
    ['HKLM\\SOFTWARE\\a/b', { hive: 'HKLM', path: 'SOFTWARE\\a/b' }],
    [`HKLM\\${'k'.repeat(255)}`, { hive: 'HKLM', path: 'k'.repeat(255) }],
  ])('%s', (text, expected) => {
    expect(parseKeyPath(text)).toEqual({ ok: true, ...expected });
  });

  test.each([
    '',
    'HKLM',
    'hkcu\\',
    'HKLM\\\\X',
    'HKLM\\X\\',
    '\\HKLM\\X',
    'HKLM/SOFTWARE/X',
    'HKEY_LOCAL_MACHIN\\X',
    `HKLM\\${'k'.repeat(256)}`,
    'HKLM\\A\u0000B',
    'HKLM\\A\u007fB',
  ])('%j is rejected', (text) => {
    expect(parseKeyPath(text).ok).toBe(false);
  });

  test('an unknown hive lists the valid ones and suggests the closest', () => {
    const result = parseKeyPath('HKML\\SOFTWARE');
    expect(result.ok).toBe(false);
    const message = result.ok ? '' : result.message;
    expect(message).toContain('did you mean "HKLM"');
    for (const hive of ['HKLM', 'HKCU', 'HKCR', 'HKU', 'HKCC', 'HKEY_USERS']) expect(message).toContain(hive);
  });
});
