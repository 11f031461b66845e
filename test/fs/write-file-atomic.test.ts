import { expectRoot } from '../builders.js';
import { chmod, chown, mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../../src/fs/write-file-atomic.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'regstate-atomic-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});


describe('writeFileAtomic', () => {
  test('a new file gets the mode asked for; an existing file keeps its own', async () => {
    const file = join(dir, 'journal.json');
    await writeFileAtomic(file, 'one', 0o600);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    await chmod(file, 0o640);
    await writeFileAtomic(file, 'two', 0o600);
    expect((await stat(file)).mode & 0o777).toBe(0o640);
    expect(await readFile(file, 'utf8')).toBe('two');
    expect(await readdir(dir)).toEqual(['journal.json']);
  });

  test('the owner of an existing file is kept (root rewriting a user\'s file)', async () => {
    expectRoot();
    const file = join(dir, 'snap.reg');
    await writeFile(file, 'x');
    await chown(file, 4321, 4321);
    await writeFileAtomic(file, 'y');
    expect(await stat(file)).toMatchObject({ uid: 4321, gid: 4321 });
  });

  test('writes through a link to a file and through a linked folder; the links stay', async () => {
    await mkdir(join(dir, 'real'));
    await writeFile(join(dir, 'real', 'a.json'), 'old');
    await symlink(join(dir, 'real', 'a.json'), join(dir, 'a-link.json'));
    await symlink(join(dir, 'real'), join(dir, 'folder-link'));
    await writeFileAtomic(join(dir, 'a-link.json'), 'via file link');
    expect(await readlink(join(dir, 'a-link.json'))).toBe(join(dir, 'real', 'a.json'));
    expect(await readFile(join(dir, 'real', 'a.json'), 'utf8')).toBe('via file link');
    await writeFileAtomic(join(dir, 'folder-link', 'b.json'), 'new via folder link');
    expect(await readFile(join(dir, 'real', 'b.json'), 'utf8')).toBe('new via folder link');
    expect((await readdir(join(dir, 'real'))).sort()).toEqual(['a.json', 'b.json']);
  });

  test('pieces of bytes are written one after another, empty ones included', async () => {
    const file = join(dir, 'pieces.json');
    await writeFileAtomic(file, [Buffer.from('{"a":'), new Uint8Array(0), Buffer.alloc(70_000, 0x31), Buffer.from('}\n')], 0o600);
    expect(await readFile(file, 'utf8')).toBe(`{"a":${'1'.repeat(70_000)}}\n`);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['pieces.json']);
  });

  // A 64 KiB tmpfs in a private mount namespace (root only; CI runs as root); the built module, as the CLI runs it.
  test('pieces that do not fit on the disk: WRITE_FAILED "no space left", the old file kept, no temporary file', () => {
    expectRoot();
    const built = fileURLToPath(new URL('../../dist/fs/write-file-atomic.js', import.meta.url));
    const disk = join(dir, 'disk');
    const write = `import { writeFileAtomic } from ${JSON.stringify(built)};
      try { await writeFileAtomic(process.argv[1], [Buffer.alloc(30000, 97), Buffer.alloc(30000, 98), Buffer.alloc(30000, 99)]); console.log('written'); }
      catch (e) { console.log(e.code, e.message); }`;
    const script = [
      `mkdir "${disk}" && mount -t tmpfs -o size=64k tmpfs "${disk}"`,
      `printf old > "${disk}/journal.json"`,
      `node --input-type=module -e '${write.replace(/'/g, `'"'"'`)}' "${disk}/journal.json"`,
      `cat "${disk}/journal.json"; echo; ls -A "${disk}"`,
    ].join('\n');
    const out = execFileSync('unshare', ['-m', 'sh', '-c', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out).toBe(`WRITE_FAILED cannot write ${disk}/journal.json: no space left on the device\nold\njournal.json\n`);
  });

  test.each([
    ['a directory', async () => dir, (f: string) => `cannot write ${f}: it is a directory, not a regular file`],
    ['a file in a missing folder', async () => join(dir, 'missing', 'x.json'), (f: string) => `cannot write ${f}: the folder ${join(dir, 'missing')} does not exist`],
    ['a link to nothing', async () => {
      await symlink(join(dir, 'gone.json'), join(dir, 'dangling.json'));
      return join(dir, 'dangling.json');
    }, (f: string) => `cannot write ${f}: it is a symbolic link to a file that does not exist`],
  ])('%s is refused with WRITE_FAILED naming it, and nothing is left behind', async (_name, make, message) => {
    const file = await make();
    const before = await readdir(dir);
    await expect(writeFileAtomic(file, 'data')).rejects.toMatchObject({ code: 'WRITE_FAILED', message: message(file) });
    expect(await readdir(dir)).toEqual(before);
  });
});
