import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KeyRef } from '../../../src/model/key-ref.js';
import type { RegistryBackend, WriteOp } from '../../../src/registry/backend.js';
import { decodeWriteAnswer, encodeWriteRequest } from '../../../src/registry/powershell/agent-protocol.js';
import { createPowerShellBackend } from '../../../src/registry/powershell/powershell-backend.js';
import { PowerShellSession } from '../../../src/registry/powershell/powershell-session.js';
import { describeWithPwsh, tempDir } from './pwsh-helper.js';

const key = (path: string, view: 32 | 64 = 64, hive: KeyRef['hive'] = 'HKLM'): KeyRef => ({ hive, path, view });


describeWithPwsh('PowerShell backend over a simulated hive (real pwsh)', (pwsh) => {
  let session: PowerShellSession;
  let dir: string;
  let cleanup: () => Promise<void>;
  let n = 0;
  let hive: string;
  let backend: RegistryBackend;

  beforeAll(async () => {
    session = new PowerShellSession({ executable: pwsh() });
    ({ dir, cleanup } = await tempDir());
  });
  afterAll(async () => {
    await session?.close();
    await cleanup?.();
  });
  beforeEach(async () => {
    hive = join(dir, `hive-${n++}.json`);
    backend = await createPowerShellBackend({ simulatedHive: hive, session, platform: 'linux' });
  });

  async function writeHive(doc: unknown): Promise<void> {
    await writeFile(hive, JSON.stringify(doc));
  }

  test('target names the host and the absolute hive file', () => {
    expect(backend.target).toMatchObject({ backend: 'powershell', simulatedHive: hive });
  });

  test('a missing hive file is an empty registry, and a read does not create it', async () => {
    const [live] = await backend.read([{ key: key('SOFTWARE\\X') }]);
    expect(live).toEqual({ key: key('SOFTWARE\\X'), exists: false, values: [], subkeys: [] });
    expect(existsSync(hive)).toBe(false);
  });

  test('the file stores data as .NET holds it: DWORD a signed Int32, QWORD a signed Int64 string', async () => {
    await backend.write([
      { op: 'set-value', key: key('SOFTWARE\\T'), name: 'dw', value: { type: 'REG_DWORD', data: 0xffffffff } },
      { op: 'set-value', key: key('SOFTWARE\\T'), name: 'qw', value: { type: 'REG_QWORD', data: 2n ** 64n - 1n } },
      { op: 'set-value', key: key('SOFTWARE\\T'), name: 'm', value: { type: 'REG_MULTI_SZ', data: ['only'] } },
    ]);
    const doc = JSON.parse(await readFile(hive, 'utf8'));
    const t = doc.keys.find((k: { path: string }) => k.path === 'HKLM\\SOFTWARE\\T');
    expect(t.values).toEqual([
      { name: 'dw', kind: 'DWord', data: -1 },
      { name: 'qw', kind: 'QWord', data: '-1' },
      { name: 'm', kind: 'MultiString', data: ['only'] },
    ]);
  });

  test('the 32-bit view of HKLM\\SOFTWARE\\X is stored under WOW6432Node', async () => {
    await backend.write([{ op: 'set-value', key: key('SOFTWARE\\V', 32), name: 'bits', value: { type: 'REG_DWORD', data: 32 } }]);
    const doc = JSON.parse(await readFile(hive, 'utf8'));
    expect(doc.keys.map((k: { path: string }) => k.path)).toContain('HKLM\\SOFTWARE\\WOW6432Node\\V');
    const [v64, wow] = await backend.read([{ key: key('SOFTWARE\\V', 64) }, { key: key('SOFTWARE\\WOW6432Node\\V', 64) }]);
    expect(v64?.exists).toBe(false);
    expect(wow?.values).toEqual([{ name: 'bits', value: { type: 'REG_DWORD', data: 32 } }]);
  });

  test('date-like strings stay strings in both directions and in the file', async () => {
    const name = '2020-01-01T00:00:00';
    await backend.write([{ op: 'set-value', key: key('SOFTWARE\\2021-02-03'), name, value: { type: 'REG_MULTI_SZ', data: ['2022-12-31T23:59:59Z', '\\/Date(0)\\/'] } }]);
    const [live] = await backend.read([{ key: key('SOFTWARE\\2021-02-03') }]);
    expect(live?.values).toEqual([{ name, value: { type: 'REG_MULTI_SZ', data: ['2022-12-31T23:59:59Z', '\\/Date(0)\\/'] } }]);
  });

  test('read-only keys and values refuse writes with ACCESS_DENIED, op by op, and the batch goes on', async () => {
    await writeHive({
      format: 'regstate-simulated-hive',
      version: 1,
      keys: [
        { path: 'HKLM\\SOFTWARE\\Locked', readOnly: true, values: [{ name: 'v', kind: 'DWord', data: 1 }] },
        { path: 'HKLM\\SOFTWARE\\Open', values: [{ name: 'pinned', kind: 'String', data: 'x', readOnly: true }] },
        { path: 'HKLM\\SOFTWARE\\Open\\Inner\\Deep', readOnly: true, values: [] },
      ],
    });
    const outcomes = await backend.write([
      { op: 'set-value', key: key('SOFTWARE\\Locked'), name: 'v', value: { type: 'REG_DWORD', data: 2 } },
      { op: 'delete-value', key: key('SOFTWARE\\Locked'), name: 'v' },
      { op: 'create-key', key: key('SOFTWARE\\Locked\\Child') },
      { op: 'delete-key', key: key('SOFTWARE\\Locked') },
      { op: 'set-value', key: key('SOFTWARE\\Open'), name: 'pinned', value: { type: 'REG_SZ', data: 'y' } },
      { op: 'delete-key', key: key('SOFTWARE\\Open\\Inner') },
      { op: 'set-value', key: key('SOFTWARE\\Open'), name: 'free', value: { type: 'REG_SZ', data: 'z' } },
    ]);
    expect(outcomes.map((o) => (o.ok ? 'ok' : o.code))).toEqual(['ACCESS_DENIED', 'ACCESS_DENIED', 'ACCESS_DENIED', 'ACCESS_DENIED', 'ACCESS_DENIED', 'ACCESS_DENIED', 'ok']);
    expect(outcomes[0]).toMatchObject({ message: expect.stringContaining('HKLM\\SOFTWARE\\Locked') });
    const [locked, open, deep] = await backend.read([{ key: key('SOFTWARE\\Locked') }, { key: key('SOFTWARE\\Open') }, { key: key('SOFTWARE\\Open\\Inner\\Deep') }]);
    expect(locked?.values).toEqual([{ name: 'v', value: { type: 'REG_DWORD', data: 1 } }]);
    expect(locked?.subkeys).toEqual([]);
    expect(open?.values).toEqual([
      { name: 'pinned', value: { type: 'REG_SZ', data: 'x' } },
      { name: 'free', value: { type: 'REG_SZ', data: 'z' } },
    ]);
    expect(deep?.exists).toBe(true);
  });

  test('a key that denies reading fails the read with ACCESS_DENIED naming the key', async () => {
    await writeHive({ format: 'regstate-simulated-hive', version: 1, keys: [{ path: 'HKLM\\SOFTWARE\\Secret', denyRead: true, values: [] }] });
    await expect(backend.read([{ key: key('SOFTWARE\\Secret') }])).rejects.toMatchObject({ code: 'ACCESS_DENIED', message: expect.stringContaining('HKLM\\SOFTWARE\\Secret') });
  });

  test('kinds .NET cannot read are reported per value, as .NET shows them; the rest of the read goes on', async () => {
    await writeHive({
      format: 'regstate-simulated-hive',
      version: 1,
      keys: [
        {
          path: 'HKLM\\SOFTWARE\\Odd',
          values: [
            { name: 'link', kind: 6, data: '5c0052006500' },
            { name: 'none', kind: 'None', data: '' },
            { name: 'big', kind: 5, data: '00000001' },
          ],
        },
        { path: 'HKLM\\SOFTWARE\\Odd\\Opaque', values: [{ name: 'resources', kind: 8, data: null }, { name: 'ok', kind: 'DWord', data: 7 }] },
      ],
    });
    const [odd, opaque] = await backend.read([{ key: key('SOFTWARE\\Odd'), recursive: true }]);
    // REG_NONE is kind None with bytes; REG_DWORD_BIG_ENDIAN is the one unnamed kind .NET reads as bytes.
    expect(odd?.values).toEqual([
      { name: 'none', value: { type: 'REG_NONE', data: new Uint8Array() } },
      { name: 'big', value: { type: 'REG_OTHER', kind: 5, data: new Uint8Array([0, 0, 0, 1]) } },
    ]);
    // REG_LINK and resource lists: .NET says Unknown and hands out no data, so neither layer can either.
    expect(odd?.unreadable).toEqual([{ name: 'link', code: 'UNSUPPORTED_KIND', message: expect.stringContaining('REG_LINK') }]);
    expect(opaque?.values).toEqual([{ name: 'ok', value: { type: 'REG_DWORD', data: 7 } }]);
    expect(opaque?.unreadable).toEqual([{ name: 'resources', code: 'UNSUPPORTED_KIND', message: expect.any(String) }]);
  });

  test('an unreadable value survives a write batch untouched, and the hive file keeps its bytes', async () => {
    await writeHive({ format: 'regstate-simulated-hive', version: 1, keys: [{ path: 'HKLM\\SOFTWARE\\Odd', values: [{ name: 'link', kind: 6, data: '5c00' }] }] });
    expect(await backend.write([{ op: 'set-value', key: key('SOFTWARE\\Odd'), name: 'x', value: { type: 'REG_DWORD', data: 1 } }])).toEqual([{ ok: true }]);
    const stored = JSON.parse(await readFile(hive, 'utf8')) as { keys: { path: string; values: unknown[] }[] };
    expect(stored.keys.find((k) => k.path === 'HKLM\\SOFTWARE\\Odd')?.values).toContainEqual({ name: 'link', kind: 6, data: '5c00' });
    const [odd] = await backend.read([{ key: key('SOFTWARE\\Odd') }]);
    expect(odd?.unreadable?.map((u) => u.name)).toEqual(['link']);
  });

  test('a kind number that .NET names must be written by name in a hive file', async () => {
    await writeHive({ format: 'regstate-simulated-hive', version: 1, keys: [{ path: 'HKLM\\SOFTWARE\\Odd', values: [{ name: 'v', kind: 1, data: '00' }] }] });
    await expect(backend.read([{ key: key('SOFTWARE\\Odd') }])).rejects.toMatchObject({ code: 'FILE_UNREADABLE' });
  });

  test('REG_OTHER cannot be written: UNSUPPORTED_KIND, and the key is not created', async () => {
    const outcomes = await backend.write([{ op: 'set-value', key: key('SOFTWARE\\NoOther'), name: 'x', value: { type: 'REG_OTHER', kind: 6, data: new Uint8Array([1]) } }]);
    expect(outcomes).toEqual([{ ok: false, code: 'UNSUPPORTED_KIND', message: expect.any(String) }]);
    expect((await backend.read([{ key: key('SOFTWARE\\NoOther') }]))[0]?.exists).toBe(false);
  });

  test('a key name longer than 255 characters fails that op with WRITE_FAILED', async () => {
    const outcomes = await backend.write([
      { op: 'create-key', key: key(`SOFTWARE\\${'k'.repeat(256)}`) },
      { op: 'create-key', key: key(`SOFTWARE\\${'k'.repeat(255)}`) },
    ]);
    expect(outcomes.map((o) => (o.ok ? 'ok' : o.code))).toEqual(['WRITE_FAILED', 'ok']);
  });

  test('deleting a hive root is refused', async () => {
    expect(await backend.write([{ op: 'delete-key', key: key('') }])).toEqual([{ ok: false, code: 'WRITE_FAILED', message: expect.stringContaining('hive root') }]);
  });

  test('an unpaired surrogate is refused on the Node side, the other ops still run in the batch', async () => {
    const before = backend.stats().roundTrips;
    const outcomes = await backend.write([
      { op: 'set-value', key: key('SOFTWARE\\Sur'), name: 'bad\uD800', value: { type: 'REG_SZ', data: 'x' } },
      { op: 'set-value', key: key('SOFTWARE\\Sur'), name: 'good', value: { type: 'REG_SZ', data: '😀' } },
    ]);
    expect(outcomes.map((o) => (o.ok ? 'ok' : o.code))).toEqual(['WRITE_FAILED', 'ok']);
    expect(backend.stats().roundTrips).toBe(before + 1);
    await expect(backend.read([{ key: key('SOFTWARE\\\uDC00') }])).rejects.toMatchObject({ code: 'KEY_PATH' });
  });

  test('a corrupt hive file fails the whole request with FILE_UNREADABLE', async () => {
    await writeFile(hive, '{ not json');
    await expect(backend.read([{ key: key('SOFTWARE') }])).rejects.toMatchObject({ code: 'FILE_UNREADABLE', message: expect.stringContaining(hive) });
    await writeFile(hive, JSON.stringify({ format: 'something-else' }));
    await expect(backend.write([{ op: 'create-key', key: key('SOFTWARE\\X') }])).rejects.toMatchObject({ code: 'FILE_UNREADABLE' });
  });

  test('a fresh process sees what an earlier one wrote', async () => {
    await backend.write([{ op: 'set-value', key: key('SOFTWARE\\Persist', 64, 'HKCU'), name: 'v', value: { type: 'REG_QWORD', data: 2n ** 53n + 1n } }]);
    const fresh = await createPowerShellBackend({ executable: pwsh(), simulatedHive: hive, platform: 'linux' });
    try {
      const [live] = await fresh.read([{ key: key('SOFTWARE\\PERSIST', 64, 'HKCU') }]);
      expect(live?.values).toEqual([{ name: 'v', value: { type: 'REG_QWORD', data: 2n ** 53n + 1n } }]);
      expect(fresh.stats()).toEqual({ processes: 1, roundTrips: 1 });
    } finally {
      await fresh.close();
    }
  });

  test('without a simulated hive, a PowerShell whose hello says Unix has no registry: NO_REGISTRY before any read or write is sent', async () => {
    // node's own platform does not matter: the live registry is wherever PowerShell runs.
    const live = await createPowerShellBackend({ executable: pwsh(), platform: 'linux' });
    try {
      await expect(live.read([{ key: key('SOFTWARE\\Microsoft') }])).rejects.toMatchObject({ code: 'NO_REGISTRY' });
      await expect(live.write([{ op: 'delete-key', key: key('SOFTWARE\\X') }])).rejects.toMatchObject({ code: 'NO_REGISTRY' });
      expect(live.stats()).toEqual({ processes: 1, roundTrips: 0 });
    } finally {
      await live.close();
    }
  });

  test('the agent\'s Windows layer off Windows: .NET refuses it, NO_REGISTRY per op on write', async () => {
    const ops: WriteOp[] = [
      { op: 'set-value', key: key('SOFTWARE\\X'), name: 'v', value: { type: 'REG_DWORD', data: 1 } },
      { op: 'delete-key', key: key('SOFTWARE\\X') },
    ];
    expect(decodeWriteAnswer(2, await session.request(encodeWriteRequest(ops, undefined))).map((o) => (o.ok ? 'ok' : o.code))).toEqual(['NO_REGISTRY', 'NO_REGISTRY']);
  });
});
