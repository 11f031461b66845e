import type { KeyRef } from '../../../src/model/key-ref.js';
import type { RegistryValue } from '../../../src/model/registry-value.js';
import type { WriteOp } from '../../../src/registry/backend.js';
import { type WindowsHost, describeWine, exportImage, openLiveBackend, readImage, useWindowsHost } from '../../windows-host.js';

const KEYS = 100;
const VALUES_PER_KEY = 1000;
const root: KeyRef = { hive: 'HKCU', path: 'Software\\RegstateTest\\Scale', view: 64 };
const keyOf = (k: number): KeyRef => ({ ...root, path: `${root.path}\\Key${k}` });
// Every value distinct, three kinds, so a value read back from the wrong place or as the wrong kind shows.
function valueOf(k: number, v: number): RegistryValue {
  const i = k * VALUES_PER_KEY + v;
  if (i % 3 === 0) return { type: 'REG_DWORD', data: (i * 40_503) >>> 0 };
  if (i % 3 === 1) return { type: 'REG_SZ', data: `Key${k} value ${v}` };
  return { type: 'REG_MULTI_SZ', data: [`k${k}`, `v${v}`] };
}

// The size test of powershell-scale.test.ts on the agent's Windows layer: Microsoft.Win32.RegistryKey
// in a Windows PowerShell 7 under wine, against wine's registry.
describeWine('no size limit through the Windows layer (Windows pwsh under wine)', () => {
  let host: WindowsHost;
  useWindowsHost((started) => (host = started));

  test('100,000 values in 100 keys: a read of the empty root, one write of all, a read back; 1 process, 3 round trips; reg export agrees', async () => {
    const backend = await openLiveBackend(host);
    const [before] = await backend.read([{ key: root, recursive: true }]);
    expect(before?.exists).toBe(false);

    const ops: WriteOp[] = Array.from({ length: KEYS }, (_, k) => Array.from({ length: VALUES_PER_KEY }, (_, v): WriteOp => ({ op: 'set-value', key: keyOf(k), name: `v${v}`, value: valueOf(k, v) }))).flat();
    const outcomes = await backend.write(ops);
    expect(outcomes).toHaveLength(KEYS * VALUES_PER_KEY);
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);

    const after = await backend.read([{ key: root, recursive: true }]);
    const mismatches: string[] = [];
    let count = 0;
    for (let k = 0; k < KEYS; k++) {
      const live = after.find((l) => l.key.path.toLowerCase() === keyOf(k).path.toLowerCase());
      const values = new Map(live?.values.map((v) => [v.name, v.value]));
      for (let v = 0; v < VALUES_PER_KEY; v++) {
        count += values.has(`v${v}`) ? 1 : 0;
        if (JSON.stringify(values.get(`v${v}`)) !== JSON.stringify(valueOf(k, v))) mismatches.push(`Key${k}\\v${v}: ${JSON.stringify(values.get(`v${v}`))}`);
      }
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect(count).toBe(KEYS * VALUES_PER_KEY);
    expect(after.flatMap((l) => l.values)).toHaveLength(KEYS * VALUES_PER_KEY);
    expect(backend.stats()).toEqual({ processes: 1, roundTrips: 3 });

    // reg.exe's export of one key is the oracle: it holds exactly what the backend reads there.
    const probe = keyOf(KEYS - 1);
    const exported = await exportImage(host.wine, probe);
    expect([...exported.values()].map((values) => values.length)).toEqual([VALUES_PER_KEY]);
    expect(exported).toEqual(await readImage(backend, probe));
  }, 600_000);
});
