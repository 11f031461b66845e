import yaml from 'js-yaml';
import type { SourcePos } from '../model/source-pos.js';
import { FAST_CORE_SCHEMA } from './fast-yaml-schema.js';

/** A file loaded by js-yaml, with the positions the reference path reports for its mappings. */
export interface FastParsed {
  /** The loaded document; integers are bigint, as on the reference path. */
  exact: unknown;
  /** Where each mapping starts (its first key, or its `{`). */
  mapStart: WeakMap<object, number>;
  /** Where the value of a mapping's `path` key starts. */
  pathStart: WeakMap<object, number>;
  /** The 1-based line:column of a character offset, counted as the reference path counts them. */
  pos(offset: number): SourcePos;
}

interface Frame {
  open: number;
  kids: { result: unknown; start: number }[];
}

// Constructs whose positions or values this path does not reproduce: directives, explicit keys,
// a second byte order mark, a lone CR line break. Such files take the reference path.
const UNUSUAL_TEXT = /^%|^[ \t]*(?:-[ \t]+)*\?(?:[ \t]|$)|\r(?!\n)|^\uFEFF/m;

/** The offset of the node that starts at or after `at`: past spaces, line breaks and comments. */
function skipToNode(text: string, at: number): number {
  let i = at;
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
    else if (c === 0x23) {
      while (i < text.length && text.charCodeAt(i) !== 0x0a) i++;
    } else return i;
  }
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

/**
 * Loads one file with js-yaml when it uses only plain YAML (block and flow collections, plain and
 * quoted scalars, comments), recording the source positions of mappings as it goes. Undefined when
 * js-yaml rejects the text or it holds anything this path cannot reproduce exactly (anchors,
 * aliases, tags, flow mappings, block scalars, a scalar or flow list over several lines,
 * non-string keys, empty values, ...): the caller then uses the
 * reference path, which also reports every error.
 */
export function parseConfigFast(file: string, text: string): FastParsed | undefined {
  if (UNUSUAL_TEXT.test(text)) return undefined;
  const mapStart = new WeakMap<object, number>();
  const pathStart = new WeakMap<object, number>();
  const stack: Frame[] = [{ open: 0, kids: [] }];
  let unusual = false;
  const listener = (event: 'open' | 'close', state: yaml.State): void => {
    if (unusual) return;
    if (event === 'open') {
      stack.push({ open: state.position, kids: [] });
      return;
    }
    const frame = stack.pop() as Frame;
    const result: unknown = state.result;
    const start = skipToNode(text, frame.open);
    const lead = text[start];
    const { anchor, tag } = state as unknown as { anchor: string | null; tag: string | null };
    if (anchor !== null || lead === '&' || lead === '*' || lead === '!' || lead === '{' || (tag !== null && tag.startsWith('!') && tag !== '!')) {
      unusual = true;
      return;
    }
    // the yaml library has its own rules for indenting a scalar or flow list over several lines
    const scalarOrFlow = typeof result !== 'object' || result === null || lead === '[';
    // the yaml library also wants white space before a comment that follows a quoted scalar or flow list
    const commentNext = (lead === '"' || lead === "'" || lead === '[') && text[state.position] === '#';
    if ((scalarOrFlow && spansLines(text, start, state.position)) || lead === '|' || lead === '>' || commentNext) {
      unusual = true;
      return;
    }
    const only = frame.kids.length === 1 ? frame.kids[0] : undefined;
    // a node read through a nested attempt (a scalar tried as a mapping key first) is that node
    if (!(only && only.result === result && typeof result === 'object' && result !== null)) {
      if (Array.isArray(result)) {
        if (frame.kids.length !== result.length) unusual = true;
      } else if (typeof result === 'object' && result !== null) {
        const keys = Object.keys(result);
        if (frame.kids.length !== 2 * keys.length) unusual = true;
        for (let i = 0; i < frame.kids.length && !unusual; i += 2) {
          const key = frame.kids[i]?.result;
          if (typeof key !== 'string' || key === '' || key === '__proto__') unusual = true;
          else if (key === 'path') pathStart.set(result, (frame.kids[i + 1] as { start: number }).start);
        }
        mapStart.set(result, start);
      } else if (result === null) {
        // an empty value (`data:` with nothing after it) is placed at its key on the reference path
        unusual = true;
      }
    }
    (stack[stack.length - 1] as Frame).kids.push({ result, start });
  };
  let exact: unknown;
  try {
    exact = yaml.load(text, { filename: file, schema: FAST_CORE_SCHEMA, listener });
  } catch {
    return undefined;
  }
  if (unusual || exact === undefined || exact === null) return undefined;
  let starts: number[] | undefined;
  const pos = (offset: number): SourcePos => {
    starts ??= lineIndex(text);
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { file, line: lo + 1, column: offset - (starts[lo] as number) + 1 };
  };
  return { exact, mapStart, pathStart, pos };
}
