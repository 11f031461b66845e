import { join, resolve } from 'node:path';
import { hostDirName, hostRegFileName } from '../../src/fleet/host-file-name.js';

describe('host names as file names', () => {
  const hostile = ['..', '.', '../../etc/passwd', 'a/b', 'a\\b', 'C:\\Windows', '/abs', 'web01\u0000', '\u202eevil', 'CON', '', ' ', '-rf', '.hidden', 'x'.repeat(500)];

  test.each(hostile)('%j never leaves the journals folder and is one plain component', (name) => {
    const dir = hostDirName(name);
    expect(dir).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*-[0-9a-f]{12}$/);
    expect(dir.length).toBeLessThanOrEqual(53);
    expect(resolve('/state/journals/hosts', dir).startsWith('/state/journals/hosts/')).toBe(true);
    expect(join('/state/journals/hosts', dir).split('/')).toHaveLength(5);
  });

  test('hosts never share a folder, whatever the case or punctuation', () => {
    const names = ['web01', 'Web01', 'WEB01', 'web/01', 'web_01', 'web\\01', 'web 01'];
    expect(new Set(names.map(hostDirName)).size).toBe(names.length);
    expect(hostDirName('web01')).toMatch(/^web01-[0-9a-f]{12}$/);
  });

  test('--registry-dir takes NAME.reg for plain names and refuses any other, naming it', () => {
    expect(hostRegFileName('web01.corp.example')).toBe('web01.corp.example.reg');
    for (const name of hostile) expect(() => hostRegFileName(name)).toThrow(expect.objectContaining({ code: 'USAGE' }));
    expect(() => hostRegFileName('a\u001b[31m')).toThrow(/a\\u001b\[31m/);
  });
});
