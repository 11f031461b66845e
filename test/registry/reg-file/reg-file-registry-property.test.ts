import fc from 'fast-check';
import { join } from 'node:path';
import { foldName } from '../../../src/model/fold-name.js';
import { type KeyRef, keyId } from '../../../src/model/key-ref.js';
import type { RegistryValue } from '../../../src/model/registry-value.js';
import { valueToJson } from '../../../src/model/value-json.js';
import type { RegistryBackend, WriteOp } from '../../../src/registry/backend.js';
import { MemoryBackend } from '../../../src/registry/memory/memory-backend.js';
import { openRegFile } from '../../../src/registry/reg-file/reg-file-backend.js';
import { registryValue, runs } from '../../properties/arbitraries.js';
import { tempDir } from '../powershell/pwsh-helper.js';

// Key and value names a .reg file must escape or keep: brackets, quotes, backslashes (values only),
// '=', '@', '-', spaces at the ends, non-ASCII, and names that look like .reg syntax.
const hostileKeyName = fc.oneof(
  fc.constantFrom('[x]', 'a]b', ' lead', 'trail ', '"q"', '=', '@', '-', 'ü€😀', ';comment', 'hex(2):00', 'A'),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }).filter((s) => !s.includes('\\') && !/[\r\n\0]/.test(s) && s.trim() !== ''),
);
const hostileValueName = fc.oneof(
  fc.constantFrom('', '@', '"', '\\', 'a\\"b', '=', '-', 'hex:01', ' ', 'x\r\ny', 'ü€😀'),
  fc.string({ unit: 'grapheme', maxLength: 10 }).filter((s) => !s.includes('\0')),
);
const value: fc.Arbitrary<RegistryValue> = fc.oneof(
  registryValue,
  fc.tuple(fc.integer({ min: 12, max: 0xffff }), fc.uint8Array({ maxLength: 16 })).map(([kind, data]): RegistryValue => ({ type: 'REG_OTHER', kind, data })),
);

const keyRef: fc.Arbitrary<KeyRef> = fc
  .record({ hive: fc.constantFrom<'HKLM' | 'HKCU'>('HKLM', 'HKCU'), parts: fc.array(hostileKeyName, { minLength: 1, maxLength: 3 }) })
  .map(({ hive, parts }) => ({ hive, path: ['R', ...parts].join('\\'), view: 64 }));

const registry: fc.Arbitrary<WriteOp[]> = fc.array(
  fc.oneof(
    { weight: 5, arbitrary: fc.record({ key: keyRef, name: hostileValueName, value }).map((o): WriteOp => ({ op: 'set-value', ...o })) },
    { weight: 1, arbitrary: keyRef.map((k): WriteOp => ({ op: 'create-key', key: k })) },
  ),
  { maxLength: 20 },
);

async function dump(backend: RegistryBackend): Promise<unknown> {
  const roots: KeyRef[] = [{ hive: 'HKLM', path: 'R', view: 64 }, { hive: 'HKCU', path: 'R', view: 64 }];
  const keys = await backend.read(roots.map((key) => ({ key, recursive: true })));
  return keys
    .filter((k) => k.exists)
    .map((k) => [foldName(keyId(k.key)), k.values.map((v) => [v.name, valueToJson(v.value)]).sort((a, b) => foldName(String(a[0])).localeCompare(foldName(String(b[0]))))])
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
}

test('a whole random registry written to a .reg file reads back exactly, from the file itself', async () => {
  const { dir, cleanup } = await tempDir('regstate-regprop-');
  let n = 0;
  try {
    await fc.assert(
      fc.asyncProperty(registry, async (ops) => {
        const file = join(dir, `r${n++}.reg`);
        // A value name with a line break cannot be written to a .reg file: refused, and the file stays readable.
        const writable = (op: WriteOp) => op.op !== 'set-value' || !/[\r\n]/.test(op.name);
        const memory = new MemoryBackend();
        expect((await memory.write(ops.filter(writable))).every((o) => o.ok)).toBe(true);
        expect((await (await openRegFile(file, { create: true })).write(ops)).map((o) => o.ok)).toEqual(ops.map(writable));
        // A new backend parses the bytes on disk: what was written is what is read.
        expect(await dump(await openRegFile(file, { create: true }))).toEqual(await dump(memory));
        // Writing what was read back into a fresh file gives the same registry.
        if (ops.length > 0) {
          const copy = join(dir, `c${n}.reg`);
          const reread = await (await openRegFile(file, { create: true })).read([{ key: { hive: 'HKLM', path: 'R', view: 64 }, recursive: true }, { key: { hive: 'HKCU', path: 'R', view: 64 }, recursive: true }]);
          const again: WriteOp[] = reread.filter((k) => k.exists).flatMap((k) => [{ op: 'create-key', key: k.key } as WriteOp, ...k.values.map((v): WriteOp => ({ op: 'set-value', key: k.key, name: v.name, value: v.value }))]);
          await (await openRegFile(copy, { create: true })).write(again);
          expect(await dump(await openRegFile(copy, { create: true }))).toEqual(await dump(memory));
        }
      }),
      { numRuns: runs(200) },
    );
  } finally {
    await cleanup();
  }
});

test('a value name with a line break is refused on its own; the rest of the batch is written and the file stays readable', async () => {
  const { dir, cleanup } = await tempDir('regstate-regprop-');
  try {
    const file = join(dir, 'r.reg');
    const key: KeyRef = { hive: 'HKCU', path: 'R\\K', view: 64 };
    const outcomes = await (await openRegFile(file, { create: true })).write([
      { op: 'set-value', key, name: 'a\r\nb', value: { type: 'REG_SZ', data: 'x' } },
      { op: 'set-value', key, name: 'ok', value: { type: 'REG_DWORD', data: 1 } },
      { op: 'delete-value', key, name: 'a\nb' },
    ]);
    expect(outcomes).toMatchObject([{ ok: false, code: 'WRITE_FAILED' }, { ok: true }, { ok: true }]);
    const [live] = await (await openRegFile(file, { create: true })).read([{ key }]);
    expect(live?.values.map((v) => [v.name, valueToJson(v.value)])).toEqual([['ok', { type: 'REG_DWORD', data: 1 }]]);
  } finally {
    await cleanup();
  }
});
