import yaml from 'js-yaml';
import { FAST_CORE_SCHEMA } from './fast-yaml-schema.js';
import { MAX_ALIAS_COUNT } from './plain-numbers.js';
import type { FoundNode, SourceNode, YamlSource } from './yaml-nodes.js';

/** A collection as the js-yaml listener saw it: where it starts and its children. */
interface FastNode {
  start: number;
  /** A mapping's keys as written, in order (a merge key `<<` included), with where each key starts. */
  keys?: string[];
  keyStarts?: number[];
  /** A mapping's values (aligned with keys) or a sequence's items. */
  items: Kid[];
}

/** A collection, or a scalar as just where it starts: most nodes are scalars, and this keeps them small. */
type Kid = FastNode | number;

const asNode = (kid: Kid): FastNode => (typeof kid === 'number' ? { start: kid, items: [] } : kid);

/** A file loaded by js-yaml: the document (integers as bigint, as on the reference path) and its nodes. */
export interface FastParsed {
  exact: unknown;
  source: YamlSource;
}

interface Frame {
  open: number;
  kids: { result: unknown; node: Kid; lead: string }[];
  aliased: boolean;
}

// Constructs whose positions or values this path does not reproduce: directives, explicit keys,
// a second byte order mark, a lone CR line break. Such files take the reference path.
const UNUSUAL_TEXT = /^%|^[ \t]*(?:-[ \t]+)*\?(?:[ \t]|$)|\r(?!\n)|^\uFEFF/m;
// An anchor or tag run into a flow indicator (`&a{...}`, `!t[...]`): js-yaml takes it, YAML 1.2 (and the
// reference path) wants white space between them. Over-matching only costs the slower path.
const PROPERTY_WITHOUT_SPACE = /(?:^|[\s[{,])[&!][^\s[\]{},]*[[\]{},]/;
// Quoted scalars and comments, where `&` and `!` are only text.
const QUOTED_OR_COMMENT = /"(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|(?:^|[ \t])#.*$/gm;

function hasPropertyWithoutSpace(text: string): boolean {
  return PROPERTY_WITHOUT_SPACE.test(text) && PROPERTY_WITHOUT_SPACE.test(text.replace(QUOTED_OR_COMMENT, ' ""'));
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

function spansLines(text: string, start: number, end: number): boolean {
  const nl = text.indexOf('\n', start);
  return nl !== -1 && nl < end;
}

function lineIndex(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** A YamlSource over the nodes the listener recorded, with lines counted as the yaml library counts them. */
function fastSource(file: string, text: string, root: Kid): YamlSource {
  let starts: number[] | undefined;
  return {
    file,
    root: asNode(root),
    child(parent: SourceNode | null, segment: string): FoundNode | undefined {
      const p = parent as FastNode | null;
      if (!p || p.items.length === 0) return undefined;
      if (!p.keys) {
        const item = /^\d+$/.test(segment) ? p.items[Number(segment)] : undefined;
        return item === undefined ? undefined : { node: asNode(item) };
      }
      const i = p.keys.indexOf(segment);
      return i < 0 ? undefined : { node: asNode(p.items[i] as Kid), keyNode: asNode(p.keyStarts?.[i] ?? 0) };
    },
    startOf: (found) => (found.node as FastNode | null)?.start ?? 0,
    linePos(offset) {
      starts ??= lineIndex(text);
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if ((starts[mid] as number) <= offset) lo = mid;
        else hi = mid - 1;
      }
      return { line: lo + 1, col: offset - (starts[lo] as number) + 1 };
    },
  };
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
  if (UNUSUAL_TEXT.test(text) || hasPropertyWithoutSpace(text)) return undefined;
  const stack: Frame[] = [{ open: 0, kids: [], aliased: false }];
  const anchors = new Map<string, Kid>();
  const aliasUses = new Map<Kid, number>();
  let unusual = false;
  const listener = (event: 'open' | 'close', state: yaml.State): void => {
    if (unusual) return;
    if (event === 'open') {
      stack.push({ open: state.position, kids: [], aliased: false });
      return;
    }
    const frame = stack.pop() as Frame;
    const parent = stack[stack.length - 1] as Frame;
    const result: unknown = state.result;
    const start = contentStart(text, frame.open);
    const lead = text[start] as string;
    const { anchor } = state as unknown as { anchor: string | null };
    if (lead === '!' || lead === '|' || lead === '>') {
      unusual = true;
      return;
    }
    let node: Kid;
    if (lead === '*') {
      const target = anchors.get(text.slice(start + 1, nameEnd(text, start + 1)));
      const uses = target === undefined ? 0 : (aliasUses.get(target) ?? 0) + 1;
      // the reference path refuses an anchor used more than MAX_ALIAS_COUNT times
      if (target === undefined || uses > MAX_ALIAS_COUNT) {
        unusual = true;
        return;
      }
      aliasUses.set(target, uses);
      parent.aliased = true;
      parent.kids.push({ result, node: target, lead });
      return;
    }
    const only = frame.kids.length === 1 ? frame.kids[0] : undefined;
    // a node read through a nested attempt (a scalar tried as a mapping key first) is that node, already checked
    const passThrough = only !== undefined && only.result === result && typeof result === 'object' && result !== null;
    // the yaml library has its own rules for a scalar or flow collection over several lines
    const scalarOrFlow = typeof result !== 'object' || result === null || lead === '[' || lead === '{';
    // ... and wants white space before a comment that follows a quoted scalar or flow collection
    const commentNext = (lead === '"' || lead === "'" || lead === '[' || lead === '{') && text[state.position] === '#';
    if (!passThrough && ((scalarOrFlow && spansLines(text, start, state.position)) || commentNext)) {
      unusual = true;
      return;
    }
    if (passThrough) {
      node = only.node;
    } else if (Array.isArray(result)) {
      if (frame.kids.length !== result.length) unusual = true;
      node = { start, items: frame.kids.map((k) => k.node) };
    } else if (typeof result === 'object' && result !== null) {
      const keys: string[] = [];
      const keyStarts: number[] = [];
      const items: Kid[] = [];
      let merges = false;
      for (let i = 0; i + 1 < frame.kids.length; i += 2) {
        const k = frame.kids[i] as Frame['kids'][number];
        // keys are plain or quoted strings; `<<` unquoted is a merge key on both paths
        if (typeof k.result !== 'string' || k.result === '' || k.result === '__proto__' || k.lead === '*' || k.lead === '[' || k.lead === '{') unusual = true;
        if (k.result === '<<' && k.lead !== '"' && k.lead !== "'") merges = true;
        keys.push(k.result as string);
        keyStarts.push(typeof k.node === 'number' ? k.node : k.node.start);
        items.push((frame.kids[i + 1] as Frame['kids'][number]).node);
      }
      if (frame.kids.length % 2 !== 0 || (!merges && keys.length !== Object.keys(result).length)) unusual = true;
      node = { start, keys, keyStarts, items };
    } else if (result === null) {
      // an empty value (`data:` with nothing after it) is placed at its key on the reference path
      unusual = true;
      return;
    } else node = start;
    if (anchor !== null) {
      // an alias inside an anchored node multiplies on expansion: the reference path counts that its own way
      if (frame.aliased) unusual = true;
      anchors.set(anchor, node);
    }
    if (frame.aliased) parent.aliased = true;
    parent.kids.push({ result, node, lead });
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
  const root = stack[0]?.kids[stack[0].kids.length - 1]?.node;
  if (unusual || exact === undefined || exact === null || root === undefined) return undefined;
  return { exact, source: fastSource(file, text, root) };
}
