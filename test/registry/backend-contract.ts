import { foldName } from '../../src/model/fold-name.js';
import type { KeyRef } from '../../src/model/key-ref.js';
import type { LiveKey } from '../../src/model/live-state.js';
import type { RegistryValue } from '../../src/model/registry-value.js';
import { valueToJson } from '../../src/model/value-json.js';
import type { RegistryBackend, WriteOp } from '../../src/registry/backend.js';

/** What a backend under test gives the contract: an empty registry, optionally a way to reopen its storage. */
export interface ContractSubject {
  backend: RegistryBackend;
  /** A fresh backend over the same storage, to prove that writes persist. */
  reopen?: () => Promise<RegistryBackend>;
  cleanup: () => Promise<void>;
}

const BASE = 'Software\\RegstateTest\\Contract';
const hkcu = (path: string, view: 32 | 64 = 64): KeyRef => ({ hive: 'HKCU', path: `${BASE}${path === '' ? '' : `\\${path}`}`, view });
const hklm = (path: string, view: 32 | 64): KeyRef => ({ hive: 'HKLM', path: `SOFTWARE\\RegstateTest${path === '' ? '' : `\\${path}`}`, view });

/** Every key the contract writes under: a live registry is emptied there before each test. */
export const CONTRACT_ROOTS: KeyRef[] = [hkcu(''), hklm('', 64), hklm('', 32)];

const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);

/** Values as comparable JSON, in name order (case-insensitive), so a failure shows a readable diff. */
function valuesOf(live: LiveKey | undefined): [string, unknown][] {
  if (!live) return [];
  return [...live.values].sort((a, b) => (foldName(a.name) < foldName(b.name) ? -1 : 1)).map((v) => [v.name, valueToJson(v.value)]);
}

function expected(entries: [string, RegistryValue][]): [string, unknown][] {
  return [...entries].sort((a, b) => (foldName(a[0]) < foldName(b[0]) ? -1 : 1)).map(([n, v]) => [n, valueToJson(v)]);
}

/**
 * The behaviour every RegistryBackend must share. State is seeded only through `write` and checked
 * only through `read`: on the backend itself and, when the subject can reopen its storage, on a fresh one.
 */
export function describeBackendContract(name: string, createEmpty: () => Promise<ContractSubject>): void {
  describe(`RegistryBackend contract: ${name}`, () => {
    let subject: ContractSubject;
    beforeEach(async () => {
      subject = await createEmpty();
    });
    afterEach(async () => {
      await subject.backend.close();
      await subject.cleanup();
    });

    async function write(ops: WriteOp[]): Promise<void> {
      const outcomes = await subject.backend.write(ops);
      expect(outcomes).toEqual(ops.map(() => ({ ok: true })));
    }

    /** Runs the check against the backend, then against a reopened one when the subject can reopen. */
    async function check(fn: (backend: RegistryBackend) => Promise<void>): Promise<void> {
      await fn(subject.backend);
      if (!subject.reopen) return;
      const fresh = await subject.reopen();
      try {
        await fn(fresh);
      } finally {
        await fresh.close();
      }
    }

    async function readOne(backend: RegistryBackend, key: KeyRef): Promise<LiveKey> {
      const [live] = await backend.read([{ key }]);
      if (!live) throw new Error('read returned nothing');
      return live;
    }

    const kinds: [string, RegistryValue][] = [
      ['REG_SZ', { type: 'REG_SZ', data: 'plain text' }],
      ['REG_EXPAND_SZ kept unexpanded', { type: 'REG_EXPAND_SZ', data: '%SystemRoot%\\System32' }],
      ['REG_MULTI_SZ', { type: 'REG_MULTI_SZ', data: ['first', 'second', 'third'] }],
      ['REG_DWORD', { type: 'REG_DWORD', data: 0x24b }],
      ['REG_QWORD', { type: 'REG_QWORD', data: 0x123456789abcdefn }],
      ['REG_BINARY', { type: 'REG_BINARY', data: bytes(0, 1, 0x7f, 0x80, 0xff) }],
      ['REG_NONE with bytes', { type: 'REG_NONE', data: bytes(0xde, 0xad) }],
      ['REG_NONE empty', { type: 'REG_NONE', data: bytes() }],
      ['REG_BINARY empty', { type: 'REG_BINARY', data: bytes() }],
    ];

    test.each(kinds)('stores and reads back %s', async (_label, value) => {
      await write([{ op: 'set-value', key: hkcu('Kinds'), name: 'v', value }]);
      await check(async (b) => {
        const live = await readOne(b, hkcu('Kinds'));
        expect(live.exists).toBe(true);
        expect(valuesOf(live)).toEqual(expected([['v', value]]));
      });
    });

    test('the default value has the name ""', async () => {
      await write([
        { op: 'set-value', key: hkcu('Default'), name: '', value: { type: 'REG_SZ', data: 'the default' } },
        { op: 'set-value', key: hkcu('Default'), name: 'named', value: { type: 'REG_DWORD', data: 1 } },
      ]);
      await check(async (b) => {
        expect(valuesOf(await readOne(b, hkcu('Default')))).toEqual(
          expected([
            ['', { type: 'REG_SZ', data: 'the default' }],
            ['named', { type: 'REG_DWORD', data: 1 }],
          ]),
        );
      });
    });

    test('the 32- and 64-bit views of HKLM\\SOFTWARE\\X are distinct keys; HKCU\\X is the same in both', async () => {
      await write([
        { op: 'set-value', key: hklm('Views', 64), name: 'bits', value: { type: 'REG_DWORD', data: 64 } },
        { op: 'set-value', key: hklm('Views', 32), name: 'bits', value: { type: 'REG_DWORD', data: 32 } },
        { op: 'set-value', key: hkcu('Views', 32), name: 'shared', value: { type: 'REG_SZ', data: 'one key' } },
      ]);
      await check(async (b) => {
        const [v64, v32, cu64, cu32] = await b.read([{ key: hklm('Views', 64) }, { key: hklm('Views', 32) }, { key: hkcu('Views', 64) }, { key: hkcu('Views', 32) }]);
        expect(valuesOf(v64)).toEqual(expected([['bits', { type: 'REG_DWORD', data: 64 }]]));
        expect(valuesOf(v32)).toEqual(expected([['bits', { type: 'REG_DWORD', data: 32 }]]));
        expect(valuesOf(cu64)).toEqual(expected([['shared', { type: 'REG_SZ', data: 'one key' }]]));
        expect(valuesOf(cu32)).toEqual(valuesOf(cu64));
      });
    });

    test('a value is created, updated, retyped and deleted', async () => {
      const key = hkcu('Lifecycle');
      await write([{ op: 'set-value', key, name: 'v', value: { type: 'REG_DWORD', data: 1 } }]);
      await write([{ op: 'set-value', key, name: 'v', value: { type: 'REG_DWORD', data: 2 } }]);
      await check(async (b) => expect(valuesOf(await readOne(b, key))).toEqual(expected([['v', { type: 'REG_DWORD', data: 2 }]])));
      await write([{ op: 'set-value', key, name: 'v', value: { type: 'REG_SZ', data: '2' } }]);
      await check(async (b) => expect(valuesOf(await readOne(b, key))).toEqual(expected([['v', { type: 'REG_SZ', data: '2' }]])));
      await write([{ op: 'delete-value', key, name: 'v' }]);
      await check(async (b) => {
        const live = await readOne(b, key);
        expect(live.exists).toBe(true);
        expect(live.values).toEqual([]);
      });
    });

    test('deleting a value or key that does not exist succeeds and changes nothing', async () => {
      await write([{ op: 'set-value', key: hkcu('Keep'), name: 'v', value: { type: 'REG_DWORD', data: 1 } }]);
      await write([
        { op: 'delete-value', key: hkcu('Keep'), name: 'missing' },
        { op: 'delete-value', key: hkcu('Missing'), name: 'v' },
        { op: 'delete-key', key: hkcu('Missing\\Deeper') },
      ]);
      await check(async (b) => {
        const [keep, missing] = await b.read([{ key: hkcu('Keep') }, { key: hkcu('Missing') }]);
        expect(valuesOf(keep)).toEqual(expected([['v', { type: 'REG_DWORD', data: 1 }]]));
        expect(missing?.exists).toBe(false);
      });
    });

    test('create-key makes an empty key; delete-key removes the whole subtree and keeps the parent', async () => {
      await write([
        { op: 'create-key', key: hkcu('Tree\\Empty') },
        { op: 'set-value', key: hkcu('Tree\\Gone'), name: 'v', value: { type: 'REG_SZ', data: 'x' } },
        { op: 'set-value', key: hkcu('Tree\\Gone\\Child\\Grandchild'), name: 'w', value: { type: 'REG_SZ', data: 'y' } },
      ]);
      await check(async (b) => {
        const [empty, tree] = await b.read([{ key: hkcu('Tree\\Empty') }, { key: hkcu('Tree') }]);
        expect(empty).toMatchObject({ exists: true, values: [], subkeys: [] });
        expect([...(tree?.subkeys ?? [])].sort()).toEqual(['Empty', 'Gone']);
      });
      await write([{ op: 'delete-key', key: hkcu('Tree\\Gone') }]);
      await check(async (b) => {
        const [gone, child, grandchild, tree] = await b.read([{ key: hkcu('Tree\\Gone') }, { key: hkcu('Tree\\Gone\\Child') }, { key: hkcu('Tree\\Gone\\Child\\Grandchild') }, { key: hkcu('Tree') }]);
        expect([gone?.exists, child?.exists, grandchild?.exists]).toEqual([false, false, false]);
        expect(tree).toMatchObject({ exists: true, subkeys: ['Empty'] });
      });
    });

    test('create-key on an existing key keeps its values', async () => {
      await write([{ op: 'set-value', key: hkcu('Existing'), name: 'v', value: { type: 'REG_DWORD', data: 7 } }]);
      await write([{ op: 'create-key', key: hkcu('Existing') }]);
      await check(async (b) => expect(valuesOf(await readOne(b, hkcu('Existing')))).toEqual(expected([['v', { type: 'REG_DWORD', data: 7 }]])));
    });

    test('set-value creates every missing parent key', async () => {
      await write([{ op: 'set-value', key: hkcu('A\\B\\C'), name: 'deep', value: { type: 'REG_DWORD', data: 3 } }]);
      await check(async (b) => {
        const [a, ab, abc] = await b.read([{ key: hkcu('A') }, { key: hkcu('A\\B') }, { key: hkcu('A\\B\\C') }]);
        expect(a).toMatchObject({ exists: true, values: [], subkeys: ['B'] });
        expect(ab).toMatchObject({ exists: true, values: [], subkeys: ['C'] });
        expect(valuesOf(abc)).toEqual(expected([['deep', { type: 'REG_DWORD', data: 3 }]]));
      });
    });

    test('a missing key reads as not existing, with no values and no subkeys', async () => {
      await check(async (b) => {
        const [live] = await b.read([{ key: hkcu('Nowhere\\AtAll'), recursive: true }]);
        expect(live).toEqual({ key: hkcu('Nowhere\\AtAll'), exists: false, values: [], subkeys: [] });
      });
    });

    test('one read answers many keys in request order, each with the key as requested', async () => {
      await write([{ op: 'set-value', key: hkcu('Order\\One'), name: 'n', value: { type: 'REG_DWORD', data: 1 } }]);
      await check(async (b) => {
        const keys = [hkcu('Order\\Missing'), hkcu('Order\\One'), hkcu('Order')];
        const live = await b.read(keys.map((key) => ({ key })));
        expect(live.map((l) => [l.key, l.exists])).toEqual(keys.map((k, i) => [k, i !== 0]));
      });
    });

    test('a recursive read returns the key and every descendant as its own LiveKey', async () => {
      await write([
        { op: 'set-value', key: hkcu('Rec'), name: 'top', value: { type: 'REG_DWORD', data: 0 } },
        { op: 'set-value', key: hkcu('Rec\\X'), name: 'x', value: { type: 'REG_DWORD', data: 1 } },
        { op: 'set-value', key: hkcu('Rec\\X\\Y'), name: 'y', value: { type: 'REG_DWORD', data: 2 } },
        { op: 'create-key', key: hkcu('Rec\\Z') },
      ]);
      await check(async (b) => {
        const live = await b.read([{ key: hkcu('Rec'), recursive: true }]);
        const byPath = new Map(live.map((l) => [foldName(l.key.path), l]));
        expect([...byPath.keys()].sort()).toEqual([hkcu('Rec'), hkcu('Rec\\X'), hkcu('Rec\\X\\Y'), hkcu('Rec\\Z')].map((k) => foldName(k.path)).sort());
        expect([...(byPath.get(foldName(hkcu('Rec').path))?.subkeys ?? [])].sort()).toEqual(['X', 'Z']);
        expect(byPath.get(foldName(hkcu('Rec\\X').path))?.subkeys).toEqual(['Y']);
        expect(valuesOf(byPath.get(foldName(hkcu('Rec\\X\\Y').path)))).toEqual(expected([['y', { type: 'REG_DWORD', data: 2 }]]));
        for (const l of live) expect(l.key.view).toBe(64);
      });
    });

    test('names compare case-insensitively and keep the case they were created with', async () => {
      await write([{ op: 'set-value', key: hkcu('CaseKey'), name: 'Foo', value: { type: 'REG_DWORD', data: 1 } }]);
      await check(async (b) => {
        const [live, parent] = await b.read([{ key: hkcu('CASEKEY') }, { key: hkcu('') }]);
        expect(valuesOf(live)).toEqual(expected([['Foo', { type: 'REG_DWORD', data: 1 }]]));
        expect(parent?.subkeys).toEqual(['CaseKey']);
      });
      await write([{ op: 'set-value', key: hkcu('casekey'), name: 'FOO', value: { type: 'REG_DWORD', data: 2 } }]);
      await check(async (b) => expect(valuesOf(await readOne(b, hkcu('CaseKey')))).toEqual(expected([['Foo', { type: 'REG_DWORD', data: 2 }]])));
      await write([{ op: 'delete-value', key: hkcu('CASEKEY'), name: 'foo' }]);
      await check(async (b) => expect((await readOne(b, hkcu('CaseKey'))).values).toEqual([]));
      await write([{ op: 'delete-key', key: hkcu('CASEKEY') }]);
      await check(async (b) => expect((await readOne(b, hkcu('CaseKey'))).exists).toBe(false));
    });

    const boundaries: [string, RegistryValue][] = [
      ['DWORD 0', { type: 'REG_DWORD', data: 0 }],
      ['DWORD 2^31', { type: 'REG_DWORD', data: 2 ** 31 }],
      ['DWORD 2^32-1', { type: 'REG_DWORD', data: 2 ** 32 - 1 }],
      ['QWORD 0', { type: 'REG_QWORD', data: 0n }],
      ['QWORD 2^53+1', { type: 'REG_QWORD', data: 2n ** 53n + 1n }],
      ['QWORD 2^64-1', { type: 'REG_QWORD', data: 2n ** 64n - 1n }],
      ['empty REG_SZ', { type: 'REG_SZ', data: '' }],
      ['empty REG_EXPAND_SZ', { type: 'REG_EXPAND_SZ', data: '' }],
      ['empty REG_MULTI_SZ', { type: 'REG_MULTI_SZ', data: [] }],
      ['REG_SZ with quotes and backslashes', { type: 'REG_SZ', data: 'say "hi" \\\\server\\share\\ \\"' }],
      ['REG_SZ with CR, LF and tab', { type: 'REG_SZ', data: 'line 1\r\nline 2\nend\t' }],
      ['non-ASCII REG_SZ', { type: 'REG_SZ', data: 'Grüße, 日本語, 한국어, 😀' }],
      ['non-ASCII REG_MULTI_SZ', { type: 'REG_MULTI_SZ', data: ['é', '中文', '🎉 party'] }],
      ['long REG_BINARY', { type: 'REG_BINARY', data: new Uint8Array(1000).map((_, i) => (i * 37) & 0xff) }],
    ];

    test.each(boundaries)('keeps %s exactly', async (_label, value) => {
      await write([{ op: 'set-value', key: hkcu('Bounds'), name: 'v', value }]);
      await check(async (b) => expect(valuesOf(await readOne(b, hkcu('Bounds')))).toEqual(expected([['v', value]])));
    });

    test('long names: a 255-character key name and a 16383-character value name', async () => {
      const keyName = 'K'.repeat(254) + 'é';
      const valueName = 'v'.repeat(16382) + 'é';
      const key = hkcu(`Long\\${keyName}`);
      await write([{ op: 'set-value', key, name: valueName, value: { type: 'REG_DWORD', data: 9 } }]);
      await check(async (b) => {
        const [parent, live] = await b.read([{ key: hkcu('Long') }, { key }]);
        expect(parent?.subkeys).toEqual([keyName]);
        expect(valuesOf(live)).toEqual(expected([[valueName, { type: 'REG_DWORD', data: 9 }]]));
      });
    });

    test('non-ASCII key and value names', async () => {
      const key = hkcu('Ünïcode\\日本語キー');
      await write([{ op: 'set-value', key, name: '이름 😀', value: { type: 'REG_SZ', data: '값' } }]);
      await check(async (b) => {
        const [live, parent] = await b.read([{ key: hkcu('ÜNÏCODE\\日本語キー') }, { key: hkcu('Ünïcode') }]);
        expect(valuesOf(live)).toEqual(expected([['이름 😀', { type: 'REG_SZ', data: '값' }]]));
        expect(parent?.subkeys).toEqual(['日本語キー']);
      });
    });

    test('each read and each write call is exactly one round trip', async () => {
      const before = subject.backend.stats().roundTrips;
      await subject.backend.write([
        { op: 'set-value', key: hkcu('Trips\\A'), name: 'a', value: { type: 'REG_DWORD', data: 1 } },
        { op: 'set-value', key: hkcu('Trips\\B'), name: 'b', value: { type: 'REG_DWORD', data: 2 } },
        { op: 'delete-value', key: hkcu('Trips\\A'), name: 'a' },
      ]);
      expect(subject.backend.stats().roundTrips).toBe(before + 1);
      await subject.backend.read([{ key: hkcu('Trips\\A') }, { key: hkcu('Trips\\B') }, { key: hkcu('Trips'), recursive: true }]);
      expect(subject.backend.stats().roundTrips).toBe(before + 2);
    });
  });
}
