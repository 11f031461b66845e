import { type Document, type LineCounter, type Node, isAlias, isMap, isScalar, isSeq } from 'yaml';
import type { SourcePos } from '../model/source-pos.js';

/** A node of a loaded document, opaque to the validation step: each load path has its own kind. */
export type SourceNode = object;

/** A node found by path; `keyNode` is the mapping key it sits under, when it is a mapping value. */
export interface FoundNode {
  node: SourceNode | null;
  keyNode?: SourceNode;
}

/**
 * One loaded file as the validation step sees it: the name the user gave, the document's nodes
 * and where each starts. Both load paths provide one, so positions are computed in one place.
 */
export interface YamlSource {
  file: string;
  root: SourceNode | null;
  /** The child of a mapping (by key) or sequence (by index), following aliases; undefined when there is none. */
  child(parent: SourceNode | null, segment: string): FoundNode | undefined;
  /** The offset where a node starts; an empty value (`data:` with nothing after it) starts at its key. */
  startOf(found: FoundNode): number;
  /** The 1-based line and column of a character offset. */
  linePos(offset: number): { line: number; col: number };
}

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

/** The child of a mapping (by key) or sequence (by index), following aliases; undefined when there is none. */
export function childNode(source: YamlSource, parent: SourceNode | null, segment: string): FoundNode | undefined {
  return source.child(parent, segment);
}

/** Walks `segments` from the document root; returns the deepest node reached and how many segments matched. */
export function findNode(source: YamlSource, segments: readonly string[]): FoundNode & { depth: number } {
  let found: FoundNode = { node: source.root };
  let depth = 0;
  for (const segment of segments) {
    const next = source.child(found.node, segment);
    if (!next) break;
    found = next;
    depth++;
  }
  return { ...found, depth };
}

/** The 1-based line:column of a character offset. */
export function offsetPos(source: Pick<YamlSource, 'file' | 'linePos'>, offset: number): SourcePos {
  const { line, col } = source.linePos(offset);
  return { file: source.file, line, column: col };
}

/** Where a node starts; an empty value (`data:` with nothing after it) is placed at its key. */
export function nodePos(source: YamlSource, found: FoundNode): SourcePos {
  return offsetPos(source, source.startOf(found));
}
