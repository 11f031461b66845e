import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { locateLock, machineLockRoot } from '../../src/state/lock-location.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'regstate-lockloc-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const opts = { platform: process.platform, env: process.env };

describe('locateLock', () => {
  test('every route to one .reg file (a file link, a folder link, ..) meets one lock, beside the real file', async () => {
    await mkdir(path.join(dir, 'real'));
    const file = path.join(dir, 'real', 'snap.reg');
    await writeFile(file, '');
    await symlink(file, path.join(dir, 'link.reg'));
    await symlink(path.join(dir, 'real'), path.join(dir, 'folder'));
    const routes = [file, path.join(dir, 'link.reg'), path.join(dir, 'folder', 'snap.reg'), path.join(dir, 'folder', '..', 'real', 'snap.reg')];
    const found = await Promise.all(routes.map((f) => locateLock({ backend: 'regfile', file: f }, opts)));
    for (const where of found) expect(where).toEqual({ dir: path.join(dir, 'real', '.snap.reg.regstate-lock'), id: `regfile:${file}` });
  });

  test('a simulated hive is locked beside itself; a file not created yet, beside where it will be', async () => {
    await symlink(dir, path.join(dir, 'alias'));
    expect(await locateLock({ backend: 'powershell', host: 'h', simulatedHive: path.join(dir, 'alias', 'hive.json') }, opts)).toEqual({
      dir: path.join(dir, '.hive.json.regstate-lock'),
      id: `simulated-hive:${path.join(dir, 'hive.json')}`,
    });
  });

  test('the live registry is locked machine-wide per host (any case), never in a state directory', async () => {
    const a = await locateLock({ backend: 'powershell', host: 'SRV01' }, { platform: 'linux', env: {} });
    const b = await locateLock({ backend: 'powershell', host: 'srv01' }, { platform: 'linux', env: {} });
    expect(a).toEqual(b);
    expect(a.id).toBe('registry:srv01');
    expect(path.dirname(a.dir)).toBe('/var/lock/regstate');
    expect(machineLockRoot({ platform: 'win32', env: { PROGRAMDATA: 'D:\\PD' } })).toBe('D:\\PD\\regstate\\locks');
  });
});
