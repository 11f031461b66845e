import { type Document, type LineCounter, type Node, isAlias, isMap, isScalar, isSeq } from 'yaml';
import type { YamlSource } from './yaml-nodes.js';

// The reference load path's nodes: a module of its own, so a file that loads on the fast path never imports `yaml`.

function resolve(doc: Document.Parsed, node: unknown): Node | null {
  if (isAlias(node)) return (node.resolve(doc) as Node | undefined) ?? null;
  return (node as Node | null) ?? null;
}

type Entry = { key: Node | null; value: unknown };
const bigMapIndex = new WeakMap<object, Map<string, Entry>>();

/** The entry of a mapping under a key; large mappings get an index, so many lookups stay linear overall. */
function mapEntry(map: { items: Entry[] }, segment: string): Entry | undefined {
  const textOf = (key: Node | null) => (isScalar(key) ? String(key.value) : undefined);
  if (map.items.length <= 16) return map.items.find((pair) => textOf(pair.key) === segment);
  let index = bigMapIndex.get(map);
  if (!index) {
    index = new Map();
    for (const pair of map.items) {
      const text = textOf(pair.key);
      if (text !== undefined && !index.has(text)) index.set(text, pair);
    }
    bigMapIndex.set(map, index);
  }
  return index.get(segment);
}

/** A YamlSource over a `yaml` library document and its line counter (the reference load path). */
export function documentSource(file: string, doc: Document.Parsed, lineCounter: LineCounter): YamlSource {
  return {
    file,
    root: resolve(doc, doc.contents),
    child(parent, segment) {
      if (isMap(parent)) {
        const pair = mapEntry(parent as unknown as { items: Entry[] }, segment);
        return pair ? { node: resolve(doc, pair.value), keyNode: pair.key ?? undefined } : undefined;
      }
      if (isSeq(parent)) {
        const item = parent.items[Number(segment)];
        return item === undefined ? undefined : { node: resolve(doc, item) };
      }
      return undefined;
    },
    startOf({ node, keyNode }) {
      const n = node as Node | null;
      const empty = !n || !n.range || (isScalar(n) && n.range[0] === n.range[1]);
      const at = (empty ? (keyNode ?? n) : n) as Node | null;
      return at?.range?.[0] ?? 0;
    },
    linePos: (offset) => lineCounter.linePos(offset),
  };
}
