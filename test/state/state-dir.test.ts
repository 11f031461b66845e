import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ensureStateDir, resolveStateDir, stateDirAclArgs, type StateDirOptions } from '../../src/state/state-dir.js';

describe('resolveStateDir', () => {
  test.each<[string, StateDirOptions, string]>([
    ['--state-dir wins on Windows', { stateDir: 'D:\\regstate', platform: 'win32', env: { ProgramData: 'C:\\ProgramData' }, cwd: 'C:\\work' }, 'D:\\regstate'],
    ['relative --state-dir is taken from cwd (Windows)', { stateDir: 'state', platform: 'win32', env: {}, cwd: 'C:\\work' }, 'C:\\work\\state'],
    ['--state-dir wins elsewhere', { stateDir: '/var/lib/regstate', platform: 'linux', env: {}, cwd: '/home/u' }, '/var/lib/regstate'],
    ['relative --state-dir is taken from cwd', { stateDir: '../s', platform: 'linux', env: {}, cwd: '/home/u/repo' }, '/home/u/s'],
    ['Windows default is ProgramData', { platform: 'win32', env: { ProgramData: 'E:\\PD' }, cwd: 'C:\\work' }, 'E:\\PD\\regstate'],
    ['the ProgramData name is case-insensitive', { platform: 'win32', env: { PROGRAMDATA: 'E:\\PD' }, cwd: 'C:\\work' }, 'E:\\PD\\regstate'],
    ['Windows without ProgramData falls back to C:\\ProgramData', { platform: 'win32', env: {}, cwd: 'D:\\x' }, 'C:\\ProgramData\\regstate'],
    ['empty ProgramData falls back too', { platform: 'win32', env: { ProgramData: '' }, cwd: 'D:\\x' }, 'C:\\ProgramData\\regstate'],
    ['elsewhere the default does not depend on cwd: ~/.local/state', { platform: 'linux', env: { ProgramData: '/pd', HOME: '/home/u' }, cwd: '/home/u/repo', uid: 1000 }, '/home/u/.local/state/regstate'],
    ['an absolute XDG_STATE_HOME is used', { platform: 'linux', env: { HOME: '/home/u', XDG_STATE_HOME: '/x/state' }, cwd: '/r', uid: 1000 }, '/x/state/regstate'],
    ['a relative XDG_STATE_HOME is ignored, as the spec says', { platform: 'linux', env: { HOME: '/home/u', XDG_STATE_HOME: 'rel' }, cwd: '/r', uid: 1000 }, '/home/u/.local/state/regstate'],
    ['root gets the machine state directory', { platform: 'linux', env: { HOME: '/root', XDG_STATE_HOME: '/x' }, cwd: '/r', uid: 0 }, '/var/lib/regstate'],
    ['macOS too', { platform: 'darwin', env: { HOME: '/Users/u' }, cwd: '/Users/u', uid: 501 }, '/Users/u/.local/state/regstate'],
    ['an empty --state-dir counts as not given', { stateDir: '', platform: 'linux', env: { HOME: '/h' }, cwd: '/r', uid: 1 }, '/h/.local/state/regstate'],
  ])('%s', (_name, options, expected) => {
    expect(resolveStateDir(options)).toBe(expected);
  });
});

describe('ensureStateDir', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'regstate-statedir-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  test('creates the directory and its subfolders, private to the owner', async () => {
    const dir = path.join(tmp, 'a', 'state');
    await ensureStateDir(dir, 'linux');
    for (const d of [dir, path.join(dir, 'journals'), path.join(dir, 'reports')]) {
      const s = await stat(d);
      expect(s.isDirectory()).toBe(true);
      expect(s.mode & 0o777).toBe(0o700);
    }
  });

  test('tightens an existing directory and is idempotent', async () => {
    const dir = path.join(tmp, 'b');
    await ensureStateDir(dir, 'linux');
    await chmod(dir, 0o755);
    await ensureStateDir(dir, 'linux');
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
  });

  test('a path that cannot be a directory fails with STATE_DIR naming it', async () => {
    const file = path.join(tmp, 'plain-file');
    await writeFile(file, '');
    await expect(ensureStateDir(path.join(file, 'state'), 'linux')).rejects.toMatchObject({ code: 'STATE_DIR', message: expect.stringContaining(file) });
  });

  test('a state directory that is a file is named, with the reason in words', async () => {
    const file = path.join(tmp, 'state-file');
    await writeFile(file, '');
    await expect(ensureStateDir(file, 'linux')).rejects.toMatchObject({ code: 'STATE_DIR', message: `cannot create state directory ${file}: it, or a folder on its path, is a file, not a directory` });
  });

  test('the Windows ACL replaces inheritance with SYSTEM, Administrators and the owner', () => {
    expect(stateDirAclArgs('C:\\ProgramData\\regstate')).toEqual([
      'C:\\ProgramData\\regstate',
      '/inheritance:r',
      '/grant:r',
      '*S-1-5-18:(OI)(CI)F',
      '*S-1-5-32-544:(OI)(CI)F',
      '*S-1-3-4:(OI)(CI)F',
      '/Q',
    ]);
  });
});
