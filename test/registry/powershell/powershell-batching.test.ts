import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyRef } from '../../../src/model/key-ref.js';
import type { WriteOp } from '../../../src/registry/backend.js';
import { createPowerShellBackend } from '../../../src/registry/powershell/powershell-backend.js';
import { describeWithPwsh, tempDir } from './pwsh-helper.js';

describeWithPwsh('batching (real pwsh)', (pwsh) => {
  test('read 1,000 values in 100 keys, write 1,000 ops, verify: 1 process, 3 round trips', async () => {
    const { dir, cleanup } = await tempDir();
    const hive = join(dir, 'big.json');
    const keys: KeyRef[] = Array.from({ length: 100 }, (_, k) => ({ hive: 'HKLM', path: `SOFTWARE\\Batch\\Key${k}`, view: 64 }));
    // Seeded through the file, so the first read really has 1,000 values to return.
    await writeFile(
      hive,
      JSON.stringify({
        format: 'regstate-simulated-hive',
        version: 1,
        keys: keys.map((key) => ({ path: `HKLM\\${key.path}`, values: Array.from({ length: 10 }, (_, v) => ({ name: `v${v}`, kind: 'DWord', data: v })) })),
      }),
    );
    const backend = await createPowerShellBackend({ executable: pwsh(), simulatedHive: hive, platform: 'linux' });
    try {
      const before = await backend.read(keys.map((key) => ({ key })));
      expect(before.flatMap((l) => l.values)).toHaveLength(1000);

      const ops: WriteOp[] = keys.flatMap((key, k) =>
        Array.from({ length: 10 }, (_, v): WriteOp => ({ op: 'set-value', key, name: `v${v}`, value: { type: 'REG_DWORD', data: 1000 * k + v + 0x80000000 } })),
      );
      const outcomes = await backend.write(ops);
      expect(outcomes.every((o) => o.ok)).toBe(true);
      expect(outcomes).toHaveLength(1000);

      const after = await backend.read(keys.map((key) => ({ key })));
      expect(after.map((l) => l.values.map((v) => v.value.data))).toEqual(keys.map((_, k) => Array.from({ length: 10 }, (_, v) => 1000 * k + v + 0x80000000)));
      expect(backend.stats()).toEqual({ processes: 1, roundTrips: 3 });
    } finally {
      await backend.close();
      await cleanup();
    }
  });
});
