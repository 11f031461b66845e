import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyRef } from '../../../src/model/key-ref.js';
import type { WriteOp } from '../../../src/registry/backend.js';
import { createPowerShellBackend } from '../../../src/registry/powershell/powershell-backend.js';
import { describeWithPwsh, tempDir } from './pwsh-helper.js';

// Sizes past the old limits: an answer of tens of megabytes, requests far over 2 MB (5.1's JSON limit).
describeWithPwsh('no size limit at the PowerShell boundary (real pwsh)', (pwsh) => {
  test('100,000 values: one recursive read, a write of all of them, a read back; 1 process, 3 round trips', async () => {
    const { dir, cleanup } = await tempDir();
    const hive = join(dir, 'big.json');
    const root: KeyRef = { hive: 'HKLM', path: 'SOFTWARE\\Scale', view: 64 };
    const keys = Array.from({ length: 1000 }, (_, k) => `Key${k}`);
    await writeFile(
      hive,
      JSON.stringify({
        format: 'regstate-simulated-hive',
        version: 1,
        keys: keys.map((k) => ({ path: `HKLM\\SOFTWARE\\Scale\\${k}`, values: Array.from({ length: 100 }, (_, v) => ({ name: `v${v}`, kind: 'String', data: `${k} value ${v}` })) })),
      }),
    );
    const backend = await createPowerShellBackend({ executable: pwsh(), simulatedHive: hive, platform: 'linux', timeoutMs: 600_000 });
    try {
      const before = await backend.read([{ key: root, recursive: true }]);
      expect(before.flatMap((l) => l.values)).toHaveLength(100_000);
      expect(before.find((l) => l.key.path === 'SOFTWARE\\Scale\\Key999')?.values[99]).toEqual({ name: 'v99', value: { type: 'REG_SZ', data: 'Key999 value 99' } });

      const ops: WriteOp[] = keys.flatMap((k, i) =>
        Array.from({ length: 100 }, (_, v): WriteOp => ({ op: 'set-value', key: { ...root, path: `${root.path}\\${k}` }, name: `v${v}`, value: { type: 'REG_DWORD', data: (i * 100 + v) * 40_000 } })),
      );
      const outcomes = await backend.write(ops);
      expect(outcomes.filter((o) => !o.ok)).toEqual([]);
      expect(outcomes).toHaveLength(100_000);

      const after = await backend.read([{ key: root, recursive: true }]);
      const data = after.flatMap((l) => l.values.map((v) => v.value.data));
      expect(data).toHaveLength(100_000);
      expect(data[data.length - 1]).toBe(99_999 * 40_000);
      expect(backend.stats()).toEqual({ processes: 1, roundTrips: 3 });
    } finally {
      await backend.close();
      await cleanup();
    }
  }, 300_000);

  test('one 20 MB REG_BINARY value is written, stored and read back byte for byte', async () => {
    const { dir, cleanup } = await tempDir();
    const hive = join(dir, 'blob.json');
    const key: KeyRef = { hive: 'HKCU', path: 'Blob', view: 64 };
    const bytes = new Uint8Array(20 * 1024 * 1024);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) & 255;
    const backend = await createPowerShellBackend({ executable: pwsh(), simulatedHive: hive, platform: 'linux', timeoutMs: 600_000 });
    try {
      expect(await backend.write([{ op: 'set-value', key, name: 'blob', value: { type: 'REG_BINARY', data: bytes } }])).toEqual([{ ok: true }]);
      expect((await readFile(hive, 'utf8')).length).toBeGreaterThan(40 * 1024 * 1024);
      const [live] = await backend.read([{ key }]);
      const value = live?.values[0]?.value;
      expect(value?.type).toBe('REG_BINARY');
      expect(Buffer.from(value?.data as Uint8Array).equals(Buffer.from(bytes))).toBe(true);
    } finally {
      await backend.close();
      await cleanup();
    }
  }, 300_000);
});
