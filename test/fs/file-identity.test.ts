import { link, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileIdentity } from '../../src/fs/file-identity.js';

describe('fileIdentity', () => {
  test('one file by its path, a symbolic link or a hard link is one identity; another file, even with the same bytes, another', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'regstate-identity-'));
    const file = join(dir, 'a.yaml');
    await writeFile(file, 'same');
    await writeFile(join(dir, 'b.yaml'), 'same');
    await symlink(file, join(dir, 'link.yaml'));
    await link(file, join(dir, 'hard.yaml'));
    const id = fileIdentity(file);
    expect(id).toEqual(expect.any(String));
    expect(fileIdentity(join(dir, '.', 'a.yaml'))).toBe(id);
    expect(fileIdentity(join(dir, 'link.yaml'))).toBe(id);
    expect(fileIdentity(join(dir, 'hard.yaml'))).toBe(id);
    expect(fileIdentity(join(dir, 'b.yaml'))).not.toBe(id);
  });

  test('nothing there, or a link to nothing: undefined', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'regstate-identity-'));
    await symlink(join(dir, 'gone'), join(dir, 'dangling'));
    expect(fileIdentity(join(dir, 'missing'))).toBeUndefined();
    expect(fileIdentity(join(dir, 'dangling'))).toBeUndefined();
  });
});
