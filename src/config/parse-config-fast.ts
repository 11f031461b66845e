import yaml from 'js-yaml';
import { FAST_CORE_SCHEMA } from './fast-yaml-schema.js';
import { lineCursor } from './line-cursor.js';
import { MAX_ALIAS_COUNT } from './plain-numbers.js';
import type { FoundNode, SourceNode, YamlSource } from './yaml-nodes.js';

/**
 * A collection as the js-yaml listener saw it, in one array (a large file has a mapping per value, and
 * an object beside each array was a third of the listener's allocations): where it starts, then a
 * sequence's items, or a mapping's keys as written, in order (a merge key `<<` included), each as its
 * name, its node and its value's node. A mapping's start is stored as -1 - start, which tells the kinds apart.
 */
type FastNode = (Kid | string)[];

/**
 * A collection, or a scalar as just where it starts: most nodes are scalars, and this keeps them small.
 * A declared value's mapping is a number too, -1 - start (see the listener).
 */
type Kid = FastNode | number;

const isKeyed = (node: FastNode): boolean => (node[0] as number) < 0;
const startOfNode = (node: FastNode): number => {
  const at = node[0] as number;
  return at < 0 ? -1 - at : at;
};
const asNode = (kid: Kid): FastNode => (typeof kid === 'number' ? [kid] : kid);

/** A file loaded by js-yaml: the document (integers as bigint, as on the reference path) and its nodes. */
export interface FastParsed {
  exact: unknown;
  source: YamlSource;
  /** Whether an alias made two places of the document one object. */
  shared: boolean;
  /** The mappings and sequences that hold a bigint, at any depth: the only parts a number copy copies. */
  bigHolders: ReadonlySet<object>;
}

// Constructs whose positions or values this path does not reproduce: directives, explicit keys,
// a second byte order mark, a lone CR line break, a tab where a line's indentation is (js-yaml takes
// `-\t&a` before a nested mapping, `[1,` then `\t2]` on the next line, a quoted scalar's next line
// starting with a tab; the yaml library refuses them all). Such files take the reference path.
// Each test looks for its character first: one pattern of four alternatives scanned the whole text slowly.
const DIRECTIVE = /^%/m;
const EXPLICIT_KEY = /^[ \t]*(?:-[ \t]+)*\?(?:[ \t]|$)/m;
const LONE_CR = /\r(?!\n)/;
const SECOND_BOM = /^\uFEFF/m;
// A tab after a line's leading spaces, or after its sequence indicators (`- - \t`): over-matching only costs the slower path
const TAB_IN_INDENT = /^(?: *-(?=[ \t]))* *\t/m;

function hasUnusualText(text: string): boolean {
  return (
    (text.includes('%') && DIRECTIVE.test(text)) ||
    (text.includes('?') && EXPLICIT_KEY.test(text)) ||
    (text.includes('\r') && LONE_CR.test(text)) ||
    (text.includes('\uFEFF') && SECOND_BOM.test(text)) ||
    (text.includes('\t') && TAB_IN_INDENT.test(text))
  );
}
// An anchor or tag run into a flow indicator (`&a{...}`, `!t[...]`): js-yaml takes it, YAML 1.2 (and the
// reference path) wants white space between them. Over-matching only costs the slower path.
const PROPERTY_WITHOUT_SPACE = /(?:^|[\s[{,])[&!][^\s[\]{},]*[[\]{},]/;
// Quoted scalars and comments, where `&` and `!` are only text.
const QUOTED_OR_COMMENT = /"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|(?:^|[ \t])#.*$/gm;

const isSpaceAt = (text: string, i: number): boolean => /\s/.test(text[i] as string);
const isFlowAt = (text: string, i: number): boolean => /[[\]{},]/.test(text[i] as string);

/** PROPERTY_WITHOUT_SPACE.test(text), looking only where a `&` or `!` is (the pattern alone scans every character). */
function matchesPropertyWithoutSpace(text: string): boolean {
  for (const mark of ['&', '!']) {
    for (let at = text.indexOf(mark); at >= 0; at = text.indexOf(mark, at + 1)) {
      if (at > 0 && !/[\s[{,]/.test(text[at - 1] as string)) continue;
      let end = at + 1;
      while (end < text.length && !isSpaceAt(text, end) && !isFlowAt(text, end)) end++;
      if (end < text.length && isFlowAt(text, end)) return true;
    }
  }
  return false;
}

function hasPropertyWithoutSpace(text: string): boolean {
  return matchesPropertyWithoutSpace(text) && PROPERTY_WITHOUT_SPACE.test(text.replace(QUOTED_OR_COMMENT, ' ""'));
}

/** The offset of the next token at or after `at`: past spaces, line breaks and comments. */
function skipSpace(text: string, at: number): number {
  let i = at;
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
    else if (c === 0x23) {
      while (i < text.length && text.charCodeAt(i) !== 0x0a) i++;
    } else return i;
  }
}

/** The end of an anchor or alias name: js-yaml and the yaml library both end it at white space or a flow indicator. */
function nameEnd(text: string, at: number): number {
  let i = at;
  while (i < text.length && !/[\s,[\]{}]/.test(text[i] as string)) i++;
  return i;
}

/** Where a node's content starts, past its anchor (as the yaml library places a node's range). */
function contentStart(text: string, open: number): number {
  let i = skipSpace(text, open);
  while (text[i] === '&') i = skipSpace(text, nameEnd(text, i + 1));
  return i;
}


/** A YamlSource over the nodes the listener recorded, with lines counted as the yaml library counts them. */
function fastSource(file: string, text: string, root: Kid): YamlSource {
  const source: YamlSource = {
    file,
    root: asNode(root),
    child(parent: SourceNode | null, segment: string): FoundNode | undefined {
      if (typeof parent === 'number') return undefined;
      const p = parent as FastNode | null;
      if (!p || p.length === 1) return undefined;
      if (!isKeyed(p)) {
        const item = /^\d+$/.test(segment) ? p[Number(segment) + 1] : undefined;
        return item === undefined ? undefined : { node: asNode(item as Kid) };
      }
      for (let i = 1; i < p.length; i += 3) {
        if (p[i] === segment) return { node: asNode(p[i + 2] as Kid), keyNode: asNode(p[i + 1] as Kid) };
      }
      return undefined;
    },
    item(parent: SourceNode | null, index: number): SourceNode | null {
      if (typeof parent === 'number') return null;
      const p = parent as FastNode | null;
      if (!p || isKeyed(p)) return source.child(p, String(index))?.node ?? null;
      const item = p[index + 1] as Kid | undefined;
      // a declared value's mapping is its number as it is (never 0): no array to wrap it in
      return item === undefined ? null : typeof item === 'number' && item < 0 ? item : asNode(item);
    },
    startOf: ({ node }) => (typeof node === 'number' ? -1 - node : node ? startOfNode(node as FastNode) : 0),
    linePos: lineCursor(text),
  };
  return source;
}

/**
 * Loads one file with js-yaml, recording where each node starts as the reference path (the `yaml`
 * library) places it: block and flow collections, plain and quoted scalars, comments, anchors,
 * aliases and merge keys. Undefined when js-yaml rejects the text or it holds anything this path
 * does not reproduce exactly (tags, block scalars, a scalar or flow collection over several lines,
 * non-string keys, empty values, aliases inside an anchored node or used more than the reference
 * path allows, ...): the caller then uses the reference path, which also reports every error.
 */
export function parseConfigFast(file: string, text: string): FastParsed | undefined {
  if (hasUnusualText(text) || hasPropertyWithoutSpace(text)) return undefined;
  // One level per open node, its buffers reused by the next node at that depth: most nodes are
  // scalars, and a frame object per node was most of this listener's cost (about 900,000 per
  // 100,000 values). A level holds where its node opened and the children closed in it so far.
  const opens: number[] = [0];
  const aliased: boolean[] = [false];
  // whether a level's children so far hold an integer above 2^53 (a bigint), and the collections that do
  const holdsBig: boolean[] = [false];
  const bigHolders = new Set<object>();
  const kidResults: unknown[][] = [[]];
  const kidNodes: Kid[][] = [[]];
  const kidLeads: number[][] = [[]];
  const kidCounts: number[] = [0];
  let depth = 0;
  // key names, one string each: a file repeats `name`, `type` and `data` once per value
  const keyNames = new Map<string, string>();
  const anchors = new Map<string, Kid>();
  const aliasUses = new Map<Kid, number>();
  let unusual = false;
  // The first line break at or after `from`: one search per line, not one per node (a flow mapping
  // on one line holds seven nodes, and each search ran to the line's end).
  let from = -1;
  let lineEnd = -1;
  const spansLines = (start: number, end: number): boolean => {
    if (start < from || (start > lineEnd && lineEnd !== -1) || from === -1) {
      from = start;
      lineEnd = text.indexOf('\n', start);
    }
    return lineEnd !== -1 && lineEnd < end;
  };
  const push = (level: number, result: unknown, node: Kid, lead: number): void => {
    const at = kidCounts[level] as number;
    (kidResults[level] as unknown[])[at] = result;
    (kidNodes[level] as Kid[])[at] = node;
    (kidLeads[level] as number[])[at] = lead;
    kidCounts[level] = at + 1;
  };
  const listener = (event: 'open' | 'close', state: yaml.State): void => {
    if (unusual) return;
    if (event === 'open') {
      depth++;
      opens[depth] = state.position;
      aliased[depth] = false;
      holdsBig[depth] = false;
      kidCounts[depth] = 0;
      if (depth === kidResults.length) {
        kidResults.push([]);
        kidNodes.push([]);
        kidLeads.push([]);
      }
      return;
    }
    const level = depth;
    depth--;
    const results = kidResults[level] as unknown[];
    const nodes = kidNodes[level] as Kid[];
    const leads = kidLeads[level] as number[];
    const count = kidCounts[level] as number;
    const result: unknown = state.result;
    const start = contentStart(text, opens[level] as number);
    const lead = text.charCodeAt(start);
    const { anchor } = state as unknown as { anchor: string | null };
    if (lead === 0x21 /* ! */ || lead === 0x7c /* | */ || lead === 0x3e /* > */) {
      unusual = true;
      return;
    }
    let node: Kid;
    if (lead === 0x2a /* * */) {
      const target = anchors.get(text.slice(start + 1, nameEnd(text, start + 1)));
      const uses = target === undefined ? 0 : (aliasUses.get(target) ?? 0) + 1;
      // the reference path refuses an anchor used more than MAX_ALIAS_COUNT times
      if (target === undefined || uses > MAX_ALIAS_COUNT) {
        unusual = true;
        return;
      }
      aliasUses.set(target, uses);
      aliased[depth] = true;
      if (typeof result === 'bigint' || bigHolders.has(result as object)) holdsBig[depth] = true;
      push(depth, result, target, lead);
      return;
    }
    // a node read through a nested attempt (a scalar tried as a mapping key first) is that node, already checked
    const passThrough = count === 1 && results[0] === result && typeof result === 'object' && result !== null;
    // the yaml library has its own rules for a scalar or flow collection over several lines
    const scalarOrFlow = typeof result !== 'object' || result === null || lead === 0x5b /* [ */ || lead === 0x7b /* { */;
    // ... and wants white space before a comment that follows a quoted scalar or flow collection
    const commentNext =
      (lead === 0x22 /* " */ || lead === 0x27 /* ' */ || lead === 0x5b || lead === 0x7b) && text.charCodeAt(state.position) === 0x23; /* # */
    if (!passThrough && ((scalarOrFlow && spansLines(start, state.position)) || commentNext)) {
      unusual = true;
      return;
    }
    if (passThrough) {
      node = nodes[0] as Kid;
    } else if (Array.isArray(result)) {
      if (count !== result.length) unusual = true;
      const items: FastNode = new Array<Kid>(count + 1);
      items[0] = start;
      for (let i = 0; i < count; i++) items[i + 1] = nodes[i] as Kid;
      node = items;
    } else if (typeof result === 'object' && result !== null) {
      let valueShaped = true;
      for (let i = 0; i + 1 < count; i += 2) {
        const key = results[i];
        const keyLead = leads[i] as number;
        // keys are plain or quoted strings; `<<` unquoted is a merge key on both paths
        if (typeof key !== 'string' || key === '' || key === '__proto__' || keyLead === 0x2a || keyLead === 0x5b || keyLead === 0x7b) unusual = true;
        if (key !== 'name' && key !== 'type' && key !== 'data' && key !== 'ensure') valueShaped = false;
      }
      // js-yaml refuses a key twice in a mapping (but for keys a merge brought), so each key is an own property
      if (count % 2 !== 0) unusual = true;
      // A declared value (a mapping of name, type, data, ensure) is kept as just where it starts: a file
      // that loads here needs no position inside it, since any problem found in a value sends the file to
      // the reference path, which places it. Most mappings of a large file are values.
      // (a number: a mapping's start as -1 - start, as in its array).
      if (valueShaped && count > 0) node = -1 - start;
      else {
        // one array of the exact size per other mapping
        const kids: FastNode = new Array<Kid | string>(1 + (count >> 1) * 3);
        kids[0] = -1 - start;
        for (let i = 0; i + 1 < count; i += 2) {
          const key = results[i] as string;
          let name = keyNames.get(key);
          if (name === undefined) {
            name = key;
            keyNames.set(name, name);
          }
          const at = 1 + (i >> 1) * 3;
          kids[at] = name;
          kids[at + 1] = nodes[i] as Kid;
          kids[at + 2] = nodes[i + 1] as Kid;
        }
        node = kids;
      }
    } else if (result === null) {
      // an empty value (`data:` with nothing after it) is placed at its key on the reference path
      unusual = true;
      return;
    } else node = start;
    if (anchor !== null) {
      // an alias inside an anchored node multiplies on expansion: the reference path counts that its own way
      if (aliased[level]) unusual = true;
      anchors.set(anchor, node);
    }
    if (aliased[level]) aliased[depth] = true;
    if (holdsBig[level] || typeof result === 'bigint') {
      holdsBig[depth] = true;
      if (typeof result === 'object' && result !== null) bigHolders.add(result);
    }
    push(depth, result, node, lead);
  };
  let exact: unknown;
  try {
    // js-yaml refuses more than 10,000 merged keys per document by default; allow as many as the text
    // has characters (work stays linear in its size), and a file beyond that takes the reference path
    const options = { filename: file, schema: FAST_CORE_SCHEMA, listener, maxTotalMergeKeys: Math.max(10_000, text.length) };
    exact = yaml.load(text, options as yaml.LoadOptions);
  } catch {
    return undefined;
  }
  const root = (kidNodes[0] as Kid[])[(kidCounts[0] as number) - 1];
  if (unusual || exact === undefined || exact === null || root === undefined) return undefined;
  return { exact, source: fastSource(file, text, root), shared: aliasUses.size > 0, bigHolders };
}
