import { type Document, type LineCounter, type Node, isAlias, isMap, isScalar, isSeq } from 'yaml';
import type { SourcePos } from '../model/source-pos.js';

/** One parsed file: the name the user gave, the YAML document with node ranges, and its line index. */
export interface YamlSource {
  file: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
}

/** A node found by path; `keyNode` is the mapping key it sits under, when it is a mapping value. */
export interface FoundNode {
  node: Node | null;
  keyNode?: Node;
}

function resolve(source: YamlSource, node: unknown): Node | null {
  if (isAlias(node)) return (node.resolve(source.doc) as Node | undefined) ?? null;
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

/** The child of a mapping (by key) or sequence (by index), following aliases; undefined when there is none. */
export function childNode(source: YamlSource, parent: Node | null, segment: string): FoundNode | undefined {
  if (isMap(parent)) {
    const pair = mapEntry(parent as unknown as { items: Entry[] }, segment);
    return pair ? { node: resolve(source, pair.value), keyNode: pair.key ?? undefined } : undefined;
  }
  if (isSeq(parent)) {
    const item = parent.items[Number(segment)];
    return item === undefined ? undefined : { node: resolve(source, item) };
  }
  return undefined;
}

/** Walks `segments` from the document root; returns the deepest node reached and how many segments matched. */
export function findNode(source: YamlSource, segments: readonly string[]): FoundNode & { depth: number } {
  let found: FoundNode = { node: resolve(source, source.doc.contents) };
  let depth = 0;
  for (const segment of segments) {
    const next = childNode(source, found.node, segment);
    if (!next) break;
    found = next;
    depth++;
  }
  return { ...found, depth };
}

/** The 1-based line:column of a character offset. */
export function offsetPos(source: YamlSource, offset: number): SourcePos {
  const { line, col } = source.lineCounter.linePos(offset);
  return { file: source.file, line, column: col };
}

/** Where a node starts; an empty value (`data:` with nothing after it) is placed at its key. */
export function nodePos(source: YamlSource, found: FoundNode): SourcePos {
  const { node, keyNode } = found;
  const empty = !node || !node.range || (isScalar(node) && node.range[0] === node.range[1]);
  const at = empty ? keyNode ?? node : node;
  return offsetPos(source, at?.range?.[0] ?? 0);
}
