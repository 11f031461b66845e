import { createHash } from 'node:crypto';
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openRegFile } from '../../../src/registry/reg-file/reg-file-backend.js';

const fixture = fileURLToPath(new URL('./fixtures/wine-export.reg', import.meta.url));
const fixtureKey = { hive: 'HKCU' as const, path: 'Software\\RegstateTest\\Fixture', view: 64 as const };

async function copy(): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'regstate-image-')), 'r.reg');
  await cp(fixture, file);
  return file;
}

describe('RegFileBackend images (exact undo)', () => {
  test('after deleting a value and a key, a later backend restores the exact bytes from the image', async () => {
    const file = await copy();
    const original = await readFile(file);
    const first = await openRegFile(file);
    const image = await first.captureImage();
    await first.write([{ op: 'delete-value', key: fixtureKey, name: 'Binary' }, { op: 'delete-key', key: { ...fixtureKey, path: `${fixtureKey.path}\\Sub Key` } }]);
    const after = (await first.captureImage()).sha256;

    const second = await openRegFile(file);
    expect(await second.restoreImage(image, after)).toBe(true);
    expect(await readFile(file)).toEqual(original);
    // The backend rereads what it restored.
    const [key] = await second.read([{ key: fixtureKey }]);
    expect(key?.values.map((v) => v.name)).toContain('Binary');
  });

  test('imageSha256 is the sha256 of the image captureImage would give, before and after a write; a file changed by another program is TARGET_CHANGED', async () => {
    const file = await copy();
    const backend = await openRegFile(file);
    expect(await backend.imageSha256()).toBe((await backend.captureImage()).sha256);
    expect(Buffer.from((await backend.captureImage()).bytes as Uint8Array)).toEqual(await readFile(file));
    await backend.write([{ op: 'set-value', key: fixtureKey, name: 'Dword', value: { type: 'REG_DWORD', data: 7 } }]);
    const written = await readFile(file);
    expect(await backend.imageSha256()).toBe(createHash('sha256').update(written).digest('hex'));
    const image = await backend.captureImage();
    expect(Buffer.from(image.bytes as Uint8Array)).toEqual(written);
    expect(image.sha256).toBe(await backend.imageSha256());
    await writeFile(file, Buffer.concat([written, Buffer.from('\r\n', 'utf16le')]));
    await expect(backend.imageSha256()).rejects.toMatchObject({ code: 'TARGET_CHANGED' });
    await expect(backend.captureImage()).rejects.toMatchObject({ code: 'TARGET_CHANGED' });
    const missing = await openRegFile(join(await mkdtemp(join(tmpdir(), 'regstate-image-')), 'new.reg'), { create: true });
    expect(await missing.imageSha256()).toBeNull();
  });

  test('refuses, writing nothing, when the file is not what the caller expects', async () => {
    const file = await copy();
    const backend = await openRegFile(file);
    const image = await backend.captureImage();
    await backend.write([{ op: 'set-value', key: fixtureKey, name: 'Dword', value: { type: 'REG_DWORD', data: 1 } }]);
    const changed = await readFile(file);
    expect(await backend.restoreImage(image, image.sha256)).toBe(false);
    expect(await readFile(file)).toEqual(changed);
  });

  test('an image of a missing file removes the file the apply created; a damaged image is a JOURNAL error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'regstate-image-'));
    const file = join(dir, 'new.reg');
    const backend = await openRegFile(file, { create: true });
    const image = await backend.captureImage();
    expect(image).toEqual({ bytes: null, sha256: null });
    await backend.write([{ op: 'set-value', key: fixtureKey, name: 'A', value: { type: 'REG_SZ', data: 'x' } }]);
    const after = (await backend.captureImage()).sha256;
    await expect(backend.restoreImage({ bytes: Buffer.from('junk'), sha256: 'a'.repeat(64) }, after)).rejects.toMatchObject({ code: 'JOURNAL' });
    expect(await backend.restoreImage(image, after)).toBe(true);
    expect(existsSync(file)).toBe(false);
  });
});
