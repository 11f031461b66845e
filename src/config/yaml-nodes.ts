import type { SourcePos } from '../model/source-pos.js';

/**
 * A node of a loaded document, opaque to the validation step: each load path has its own kind (the
 * fast path's declared values are numbers, never 0).
 */
export type SourceNode = object | number;

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
  /** A sequence's item by index, as `child(parent, String(index))?.node ?? null` (without the string). */
  item?(parent: SourceNode | null, index: number): SourceNode | null;
  /** The offset where a node starts; an empty value (`data:` with nothing after it) starts at its key. */
  startOf(found: FoundNode): number;
  /** The 1-based line and column of a character offset. */
  linePos(offset: number): { line: number; col: number };
}

/** The child of a mapping (by key) or sequence (by index), following aliases; undefined when there is none. */
export function childNode(source: YamlSource, parent: SourceNode | null, segment: string): FoundNode | undefined {
  return source.child(parent, segment);
}

/** A sequence's item by index (or a mapping's child under that number), null when there is none. */
export function itemNode(source: YamlSource, parent: SourceNode | null, index: number): SourceNode | null {
  return source.item ? source.item(parent, index) : (source.child(parent, String(index))?.node ?? null);
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
