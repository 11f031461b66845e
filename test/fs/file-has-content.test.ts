import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { fileHasContent, readRegularFile } from '../../src/fs/read-regular-file.js';

describe('fileHasContent (a compare-and-swap check without a copy of the file)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'regstate-has-content-'));
  });

  test('is true exactly when the file holds those bytes, as a whole read would say', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 }), fc.boolean(), async (onDisk, other, same) => {
        const file = join(dir, `f${n++}`);
        await writeFile(file, onDisk);
        const expected = same ? Uint8Array.from(onDisk) : other;
        expect(await fileHasContent(file, expected)).toBe((await readRegularFile(file)).equals(expected));
      }),
      { numRuns: 200 },
    );
  });

  test('compares files larger than its buffer to the last byte', async () => {
    const big = Buffer.alloc(3 * (1 << 20) + 17, 7);
    const file = join(dir, 'big');
    await writeFile(file, big);
    expect(await fileHasContent(file, big)).toBe(true);
    const changed = Buffer.from(big);
    changed[changed.length - 1] = 8;
    expect(await fileHasContent(file, changed)).toBe(false);
    expect(await fileHasContent(file, big.subarray(0, big.length - 1))).toBe(false);
    expect(await fileHasContent(file, Buffer.concat([big, Buffer.from([7])]))).toBe(false);
  });

  test('a missing file is undefined; a link is followed', async () => {
    expect(await fileHasContent(join(dir, 'missing'), Buffer.from('x'))).toBeUndefined();
    expect(await fileHasContent(join(dir, 'no-dir', 'x'), Buffer.from('x'))).toBeUndefined();
    await writeFile(join(dir, 'target'), 'abc');
    await symlink(join(dir, 'target'), join(dir, 'link'));
    expect(await fileHasContent(join(dir, 'link'), Buffer.from('abc'))).toBe(true);
  });

  test('a directory or FIFO is refused as readRegularFile refuses it, without blocking', async () => {
    await mkdir(join(dir, 'sub'));
    await expect(fileHasContent(join(dir, 'sub'), Buffer.from('x'), 'shown')).rejects.toMatchObject({ code: 'FILE_UNREADABLE', message: 'cannot read shown: it is a directory, not a regular file' });
    await expect(readRegularFile(join(dir, 'sub'), 'shown')).rejects.toMatchObject({ code: 'FILE_UNREADABLE', message: 'cannot read shown: it is a directory, not a regular file' });
    if (process.platform === 'win32') return;
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    await expect(fileHasContent(join(dir, 'fifo'), Buffer.from('x'))).rejects.toMatchObject({ code: 'FILE_UNREADABLE' });
  });
});

describe('readRegularFile', () => {
  test('reads to the end of the file, not to the size fstat gave (a /proc file says 0)', async () => {
    const bytes = await readRegularFile('/proc/self/status');
    expect(bytes.length).toBeGreaterThan(0);
    expect(bytes.toString('utf8')).toMatch(/^Name:/);
    expect(bytes.toString('utf8')).toContain('\nPid:');
  });

  test('a file larger than one read comes back whole and exact', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'regstate-read-'));
    const data = Buffer.alloc(3 * 1024 * 1024 + 7, 0);
    for (let i = 0; i < data.length; i += 4093) data[i] = i % 251;
    await writeFile(join(dir, 'big.bin'), data);
    expect((await readRegularFile(join(dir, 'big.bin'))).equals(data)).toBe(true);
    await writeFile(join(dir, 'empty'), '');
    expect((await readRegularFile(join(dir, 'empty'))).length).toBe(0);
  });
});
