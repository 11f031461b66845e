import fc from 'fast-check';
import { foldName } from '../../../src/model/fold-name.js';
import { type LiveKey, LiveState } from '../../../src/model/live-state.js';
import { snapshotTree } from '../../../src/registry/snapshot-tree.js';
import { valueToJson } from '../../../src/model/value-json.js';
import type { RegistryValue } from '../../../src/model/registry-value.js';
import { parseRegFile } from '../../../src/registry/reg-file/parse-reg-file.js';
import { RegTree, type RegTreeNode } from '../../../src/registry/reg-file/reg-tree.js';
import type { RegFile } from '../../../src/registry/reg-file/reg-file-model.js';
import { renderDeleteKeyLine, renderHeader, renderKeySection } from '../../../src/registry/reg-file/render-reg-file.js';

// The import as the reference reads it: every section walks from its hive down, every name folded anew.
interface RefNode { name: string; values: Map<string, { name: string; value: RegistryValue }>; children: Map<string, RefNode> }
function referenceTree(reg: RegFile): Map<string, RefNode> {
  const roots = new Map<string, RefNode>();
  const parts = (hive: string, path: string) => [hive, ...(path === '' ? [] : path.split('\\'))];
  for (const s of reg.sections) {
    const all = parts(s.hive, s.path);
    if (s.delete) {
      const last = all.pop() as string;
      let level: Map<string, RefNode> | undefined = roots;
      for (const p of all) level = level?.get(foldName(p))?.children;
      level?.delete(foldName(last));
      continue;
    }
    let level = roots;
    let node: RefNode | undefined;
    for (const p of all) {
      node = level.get(foldName(p));
      if (!node) level.set(foldName(p), (node = { name: p, values: new Map(), children: new Map() }));
      level = node.children;
    }
    const target = node as RefNode;
    for (const e of s.entries) {
      if (e.type !== 'value') continue;
      const id = foldName(e.name);
      if (e.value === null) target.values.delete(id);
      else target.values.set(id, { name: target.values.get(id)?.name ?? e.name, value: e.value });
    }
  }
  return roots;
}

function dump(node: RefNode | RegTreeNode): unknown {
  return {
    name: node.name,
    values: [...node.values].map(([id, v]) => [id, v.name, valueToJson(v.value)]),
    children: [...node.children].map(([id, c]) => [id, dump(c)]),
  };
}

const paths = ['Software\\A', 'SOFTWARE\\a', 'Software\\A\\B', 'software\\A\\b', 'Software\\C\\B', 'Software', 'software\\c'];
const names = ['V', 'v', 'W', '', 'Value0', 'VALUE0'];
const value = fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 9 }).map((data): RegistryValue => ({ type: 'REG_DWORD', data })));
const section = fc.oneof(
  fc.record({ path: fc.constantFrom(...paths), entries: fc.array(fc.record({ name: fc.constantFrom(...names), value }), { maxLength: 4 }) }).map(({ path, entries }) => renderKeySection('HKCU', path, entries)),
  fc.constantFrom(...paths).map((path) => `${renderDeleteKeyLine('HKCU', path)}\r\n`),
);

test('a .reg file imports as the plain walk from the hive for every section reads it', () => {
  fc.assert(
    fc.property(fc.array(section, { maxLength: 12 }), (sections) => {
      const reg = parseRegFile(renderHeader() + sections.join(''), 't.reg');
      const tree = RegTree.fromRegFile(reg);
      const reference = referenceTree(reg).get('HKCU');
      const root = tree.find({ hive: 'HKCU', path: '' });
      expect(root && dump(root)).toEqual(reference && dump(reference));
    }),
    { numRuns: 1000 },
  );
});

test("a read's LiveState index is the tree's own map, and answers as the one LiveState builds itself", () => {
  const keys = ['', ...paths].map((path) => ({ hive: 'HKCU' as const, path, view: 64 as const }));
  const lookups = [...names, 'NoSuchValue'];
  fc.assert(
    fc.property(fc.array(section, { maxLength: 12 }), (sections) => {
      const tree = RegTree.fromRegFile(parseRegFile(renderHeader() + sections.join(''), 't.reg'));
      const live: LiveKey[] = [];
      for (const key of keys) snapshotTree(key, tree.find(key), live, false, true, true);
      const prebuilt = new LiveState(live);
      // copies of the LiveKeys carry no index: LiveState folds their names itself
      const built = new LiveState(live.map((k) => ({ ...k })));
      for (const key of keys) {
        expect([...prebuilt.values(key)]).toEqual([...built.values(key)]);
        const node = tree.find(key);
        if (node) expect(prebuilt.values(key)).toBe(node.values);
        for (const name of lookups) expect(prebuilt.value(key, name)).toBe(built.value(key, name));
      }
    }),
    { numRuns: 500 },
  );
});
