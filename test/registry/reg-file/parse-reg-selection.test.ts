import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { foldName } from '../../../src/model/fold-name.js';
import type { RegistryValue } from '../../../src/model/registry-value.js';
import { valueToJson } from '../../../src/model/value-json.js';
import { encodeRegText } from '../../../src/registry/reg-file/decode-reg-bytes.js';
import { RegFileEditor } from '../../../src/registry/reg-file/edit-reg-file.js';
import { parseRegFile, selectionKeyId } from '../../../src/registry/reg-file/parse-reg-file.js';
import { openRegFile } from '../../../src/registry/reg-file/reg-file-backend.js';
import { RegTree } from '../../../src/registry/reg-file/reg-tree.js';
import { renderDeleteKeyLine, renderHeader, renderKeySection, renderRegFile } from '../../../src/registry/reg-file/render-reg-file.js';

// A few keys (one below another, so sections and deletions interact) and a few names, in varied case.
const paths = ['Software\\A', 'SOFTWARE\\a\\B', 'Software\\C', 'software\\c\\d'];
const names = ['V', 'v', 'W', '', 'Long'];
const value: fc.Arbitrary<RegistryValue | null> = fc.oneof(
  fc.constant(null),
  fc.string({ maxLength: 30 }).filter((s) => !s.includes('\0')).map((data): RegistryValue => ({ type: 'REG_SZ', data: `${data}\\` })),
  fc.integer({ min: 0, max: 0xffffffff }).map((data): RegistryValue => ({ type: 'REG_DWORD', data })),
  fc.uint8Array({ maxLength: 120 }).map((data): RegistryValue => ({ type: 'REG_BINARY', data })),
  fc.array(fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !s.includes('\0')), { maxLength: 4 }).map((data): RegistryValue => ({ type: 'REG_MULTI_SZ', data })),
);
// Sections in any order, deletions of keys among them, and comments that end as a continuation would.
const section = fc.oneof(
  fc.record({ path: fc.constantFrom(...paths), entries: fc.array(fc.record({ name: fc.constantFrom(...names), value }), { maxLength: 6 }) }).map(({ path, entries }) => renderKeySection('HKCU', path, entries)),
  fc.constantFrom(...paths).map((path) => `${renderDeleteKeyLine('HKCU', path)}\r\n`),
  fc.constantFrom('; a comment \\\r\n', '\r\n', ';\\\r\n'),
);
const selection = fc.array(fc.record({ path: fc.constantFrom(...paths), names: fc.option(fc.subarray(names), { nil: undefined }) }), { maxLength: 4 });

const json = (v: RegistryValue) => valueToJson(v);

describe('reading some keys and values only (a verify\'s read-back)', () => {
  test('the selected keys read as in a whole parse: existence, subkeys and the selected values', () => {
    fc.assert(
      fc.property(fc.array(section, { maxLength: 10 }), selection, (sections, wanted) => {
        const bytes = encodeRegText(renderHeader() + sections.join(''), { encoding: 'utf16le', bom: true });
        const whole = RegTree.fromRegFile(parseRegFile(bytes, 'w.reg'));
        const only = new Map<string, Set<string> | undefined>();
        for (const w of wanted) {
          const id = selectionKeyId('HKCU', w.path);
          const before = only.has(id) ? only.get(id) : new Set<string>();
          only.set(id, before === undefined || w.names === undefined ? undefined : new Set([...before, ...w.names.map(foldName)]));
        }
        const partial = parseRegFile(bytes, 'w.reg', only);
        expect(partial.partial).toBe(true);
        const tree = RegTree.fromRegFile(partial);
        for (const path of paths) {
          const key = { hive: 'HKCU' as const, path };
          const a = whole.find(key);
          const b = tree.find(key);
          expect(b === undefined).toBe(a === undefined);
          if (!a || !b) continue;
          expect([...b.children.keys()]).toEqual([...a.children.keys()]);
          const id = selectionKeyId('HKCU', path);
          if (!only.has(id)) {
            expect(b.values.size).toBe(0);
            continue;
          }
          const wantedNames = only.get(id);
          const expected = [...a.values].filter(([n]) => wantedNames === undefined || wantedNames.has(n)).map(([n, v]) => [n, v.name, json(v.value)]);
          expect([...b.values].map(([n, v]) => [n, v.name, json(v.value)])).toEqual(expected);
        }
      }),
      { numRuns: 400 },
    );
  });

  test('errors in what is decoded keep their file:line:column', () => {
    const text = `${renderHeader()}[HKEY_CURRENT_USER\\Software\\A]\r\n"V"=hex:01,\\\r\n  zz\r\n"W"=dword:1\r\n`;
    const only = new Map([[selectionKeyId('HKCU', 'Software\\A'), new Set(['V'])]]);
    expect(() => parseRegFile(text, 'e.reg', only)).toThrow(expect.objectContaining({ code: 'REG_SYNTAX', message: expect.stringContaining('e.reg:5:3: bad hex byte "zz"') }));
    expect(() => parseRegFile(text, 'e.reg')).toThrow(expect.objectContaining({ message: expect.stringContaining('e.reg:5:3: bad hex byte "zz"') }));
  });

  test('such a parse can never be rendered or edited', () => {
    const partial = parseRegFile(`${renderHeader()}${renderKeySection('HKCU', 'Software\\A', [{ name: 'V', value: { type: 'REG_DWORD', data: 1 } }])}`, 'p.reg', new Map());
    expect(() => renderRegFile(partial)).toThrow(/some keys only/);
    expect(() => new RegFileEditor(partial, '\r\n')).toThrow(/some keys only/);
  });

  test('the backend answers a read of named values from the bytes on disk, and a later write still starts from the whole file', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'regstate-select-')), 'r.reg');
    const key = { hive: 'HKCU' as const, path: 'Software\\A', view: 64 as const };
    const other = { hive: 'HKCU' as const, path: 'Software\\C', view: 64 as const };
    await writeFile(
      file,
      encodeRegText(
        renderHeader() +
          renderKeySection('HKCU', 'Software\\A', [{ name: 'V', value: { type: 'REG_DWORD', data: 1 } }, { name: 'W', value: { type: 'REG_SZ', data: 'w' } }]) +
          renderKeySection('HKCU', 'Software\\C', [{ name: 'X', value: { type: 'REG_SZ', data: 'x' } }]),
        { encoding: 'utf16le', bom: true },
      ),
    );
    const backend = await openRegFile(file);
    await backend.write([{ op: 'set-value', key, name: 'V', value: { type: 'REG_DWORD', data: 2 } }]);
    // another program changes the value on disk: the read-back shows the disk, not what was written
    const written = (await readFile(file)).subarray(2).toString('utf16le');
    await writeFile(file, encodeRegText(written.replace('"V"=dword:00000002', '"V"=dword:00000003'), { encoding: 'utf16le', bom: true }));
    const [read] = await backend.read([{ key, values: ['v'] }]);
    expect(read).toMatchObject({ exists: true, values: [{ name: 'V', value: { type: 'REG_DWORD', data: 3 } }] });
    // the next write starts from the whole file as it is now: nothing of it is lost
    await backend.write([{ op: 'set-value', key, name: 'New', value: { type: 'REG_DWORD', data: 4 } }]);
    const after = await (await openRegFile(file)).read([{ key }, { key: other }]);
    expect(after.map((k) => k.values.map((v) => [v.name, json(v.value)]))).toEqual([
      [['V', json({ type: 'REG_DWORD', data: 3 })], ['W', json({ type: 'REG_SZ', data: 'w' })], ['New', json({ type: 'REG_DWORD', data: 4 })]],
      [['X', json({ type: 'REG_SZ', data: 'x' })]],
    ]);
  });
});
