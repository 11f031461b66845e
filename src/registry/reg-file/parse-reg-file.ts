import { type Diagnostic, RegstateError } from '../../errors.js';
import { MAX_VALUE_BYTES } from '../../model/check-value.js';
import { foldName } from '../../model/fold-name.js';
import { parseHive } from '../../model/hive.js';
import { decodeRegBytes } from './decode-reg-bytes.js';
import { type EntryPieces, type LogicalLine, parseHexEntryFast, parseRegValue, parseSimpleValueFast, scanRegString } from './parse-reg-value.js';
import type { RegFile, RegFileFormat, RegSection, RegTriviaEntry } from './reg-file-model.js';

export const HEADER_5 = 'Windows Registry Editor Version 5.00';
export const HEADER_4 = 'REGEDIT4';

/**
 * The file's physical lines as offsets into its text (no object or string per line until one is
 * needed): line n (0-based) runs from starts[n] to starts[n + 1], its line break included.
 */
class Lines {
  private readonly starts: number[] = [0];
  readonly count: number;

  constructor(private readonly text: string) {
    for (let nl = text.indexOf('\n'); nl >= 0 && nl + 1 < text.length; nl = text.indexOf('\n', nl + 1)) this.starts.push(nl + 1);
    this.count = this.starts.length;
    this.starts.push(text.length);
  }

  start(n: number): number {
    return this.starts[n] as number;
  }

  /** Where the line's text ends: before its `\n` or `\r\n` (a lone `\r` stays text). */
  end(n: number): number {
    const start = this.starts[n] as number;
    let end = this.starts[n + 1] as number;
    if (end > start && this.text.charCodeAt(end - 1) === 0x0a) {
      end--;
      if (end > start && this.text.charCodeAt(end - 1) === 0x0d) end--;
    }
    return end;
  }

  /** The line as found in the file, with its line break. */
  raw(n: number): string {
    return this.text.slice(this.starts[n], this.starts[n + 1]);
  }

  /** The line without its line break. */
  textOf(n: number): string {
    return this.text.slice(this.starts[n], this.end(n));
  }
}

// White space as String.prototype.trim removes it.
const isTrimmed = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d) || (c > 0x7f && /\s/.test(String.fromCharCode(c)));

const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a || c === 0x0b || c === 0x0c;

/** Where text[from, to)'s continuation `\` (with the blanks around it) starts, or -1 when it does not end with one. */
function continuationStart(text: string, from: number, to: number): number {
  let i = to - 1;
  while (i >= from && isSpace(text.charCodeAt(i))) i--;
  if (i < from || text.charCodeAt(i) !== 0x5c /* \ */) return -1;
  i--;
  while (i >= from && isSpace(text.charCodeAt(i))) i--;
  return i + 1;
}

const isRegexSpace = (c: number): boolean => isSpace(c) || (c > 0x7f && /\s/.test(String.fromCharCode(c)));

/** Whether `hex` (any case) follows white space at `from`, within the 63 characters /^\s*hex/i was always given. */
function hexAfterEquals(text: string, from: number, end: number): boolean {
  const limit = Math.min(end, from + 63);
  let i = from;
  while (i < limit && isRegexSpace(text.charCodeAt(i))) i++;
  if (i + 3 > limit) return false;
  return (text.charCodeAt(i) | 0x20) === 0x68 && (text.charCodeAt(i + 1) | 0x20) === 0x65 && (text.charCodeAt(i + 2) | 0x20) === 0x78;
}

/** A file full of NULs (a binary file) is refused naming this many of them. */
const MAX_NUL_REPORTS = 10;

/** A hex value entry longer than this many characters cannot hold MAX_VALUE_BYTES (regedit writes 3 a byte, plus line breaks). */
const MAX_ENTRY_TEXT = 4 * MAX_VALUE_BYTES;

/**
 * Joins an entry's continuation lines (each without its `\` and the leading blanks of the next) into
 * one logical line, in time linear in their length: line n's text up to `cut` (where its `\` starts,
 * counted from the line's start), then the lines after it. Returns the index of the last line used
 * and, unless the entry is too long to hold a value (every line of it consumed then), the joined line.
 */
function joinContinuations(lines: Lines, n: number, cut: number, file: string): { last: number; raw: string; logical?: LogicalLine } {
  const segments = [{ offset: 0, line: n + 1, column: 1 }];
  const parts: string[] = [];
  const rawParts: string[] = [lines.raw(n)];
  let body = lines.textOf(n);
  let length = 0;
  let tooLong = false;
  while (cut >= 0 && n + 1 < lines.count) {
    body = body.slice(0, cut);
    if (!tooLong) parts.push(body);
    length += body.length;
    n++;
    rawParts.push(lines.raw(n));
    const nextText = lines.textOf(n);
    let lead = 0;
    while (lead < nextText.length && isSpace(nextText.charCodeAt(lead))) lead++;
    body = nextText.slice(lead);
    if (!tooLong) segments.push({ offset: length, line: n + 1, column: lead + 1 });
    if (length + body.length > MAX_ENTRY_TEXT) tooLong = true;
    cut = continuationStart(body, 0, body.length);
  }
  const raw = rawParts.join('');
  if (tooLong) return { last: n, raw };
  parts.push(body);
  const joined = parts.join('');
  return { last: n, raw, logical: { text: joined, start: 0, end: joined.length, segments, file } };
}

/**
 * An entry's logical line as pieces of the file's text, joined as joinContinuations joins them but
 * without copying: one object, reused for every entry of a parse.
 */
class LinePieces implements EntryPieces {
  from = 0;
  to = 0;
  more = false;
  /** The (0-based) line the current piece is on. */
  line = 0;
  // the logical line's length up to the current piece's end, counted from its first line's start
  private length = 0;

  constructor(private readonly lines: Lines, private readonly text: string) {}

  /** Starts at line n (text[lineStart, lineEnd)), the first piece from `from`. */
  begin(n: number, from: number, lineStart: number, lineEnd: number): void {
    const cut = continuationStart(this.text, lineStart, lineEnd);
    this.line = n;
    this.more = cut >= 0 && n + 1 < this.lines.count;
    this.from = from;
    this.to = this.more ? cut : lineEnd;
    this.length = this.to - lineStart;
  }

  next(): boolean {
    if (!this.more) return false;
    const n = ++this.line;
    let from = this.lines.start(n);
    const end = this.lines.end(n);
    while (from < end && isSpace(this.text.charCodeAt(from))) from++;
    if (this.length + (end - from) > MAX_ENTRY_TEXT) return false;
    const cut = continuationStart(this.text, from, end);
    this.more = cut >= 0 && n + 1 < this.lines.count;
    this.from = from;
    this.to = this.more ? cut : end;
    this.length += this.to - from;
    return true;
  }
}

/** Where the last of an entry's continuation lines is, as joinContinuations goes, without joining them. */
function skipContinuations(lines: Lines, text: string, n: number, cut: number): number {
  while (cut >= 0 && n + 1 < lines.count) {
    n++;
    let from = lines.start(n);
    const to = lines.end(n);
    while (from < to && isSpace(text.charCodeAt(from))) from++;
    cut = continuationStart(text, from, to);
  }
  return n;
}

/**
 * For a read of some keys: the keys (by `keyIndexId` of hive and folded path) whose values to
 * decode, each with the folded names of the values wanted (undefined: all of them).
 */
export type RegReadSelection = ReadonlyMap<string, ReadonlySet<string> | undefined>;

/** The id of a key in a RegReadSelection. */
export const selectionKeyId = (hive: string, path: string): string => `${hive}\\${foldName(path)}`;

/** Text given as a string is taken as already decoded; its format is recorded as UTF-16LE with a BOM. */
function decode(input: string | Uint8Array, file: string): { text: string; format: Omit<RegFileFormat, 'version'> } {
  if (typeof input === 'string') return { text: input.replace(/^\uFEFF/, ''), format: { encoding: 'utf16le', bom: true } };
  return decodeRegBytes(input, file);
}

/**
 * Parses a .reg file as regedit and `reg export` write it (version 5.00 or REGEDIT4, any of their
 * encodings, CRLF or LF), keeping every line's original text so that a file can be rewritten with
 * only the changed entries re-rendered. Throws one REG_SYNTAX error listing every problem with its
 * file:line:column.
 *
 * With `only`, the file is read for those keys and values alone (a verify's read-back): every line
 * is still classified as the full parse does (section headers, entries, their continuation lines),
 * but only the selected entries are decoded and kept; the result is marked `partial` and can never
 * be rendered or edited. Errors in what is not decoded are not all found.
 */
export function parseRegFile(input: string | Uint8Array, file: string, only?: RegReadSelection): RegFile {
  return parse(input, file, only, true);
}

/** parseRegFile without its fast paths for values as regedit writes them: the reference that path must always agree with (tests). */
export function parseRegFileReference(input: string | Uint8Array, file: string, only?: RegReadSelection): RegFile {
  return parse(input, file, only, false);
}

function parse(input: string | Uint8Array, file: string, only: RegReadSelection | undefined, fastPaths: boolean): RegFile {
  const { text, format } = decode(input, file);
  if (text.trim() === '') throw new RegstateError('FILE_EMPTY', `${file}: the .reg file is empty (it needs the header "${HEADER_5}")`, { source: { file, line: 1, column: 1 } });
  const diagnostics: Diagnostic[] = [];
  const report = (d: Diagnostic): void => void diagnostics.push(d);
  const lines = new Lines(text);
  const headerText = lines.textOf(0).trim();
  let version: '5.00' | '4' = '5.00';
  if (headerText === HEADER_4) version = '4';
  else if (headerText !== HEADER_5) {
    // Without the header this is not a .reg file at all: one error, not one per line of whatever it is.
    throw RegstateError.fromDiagnostics([{ code: 'REG_SYNTAX', message: `not a .reg file: the first line must be "${HEADER_5}" or "${HEADER_4}"`, source: { file, line: 1, column: 1 } }]);
  }
  // A NUL is no text: Windows ends a name or string at it, so nothing after it means what it says.
  for (let nul = text.indexOf('\0'), n = 0; nul >= 0; nul = text.indexOf('\0', nul + 1)) {
    while (lines.start(n + 1) <= nul && n + 1 < lines.count) n++;
    report({ code: 'REG_SYNTAX', message: 'a NUL character (U+0000) in the file: a .reg file is text (data holding a NUL is written as hex(1):, hex(2): or hex(7):)', source: { file, line: n + 1, column: nul - lines.start(n) + 1 } });
    if (diagnostics.length >= MAX_NUL_REPORTS) break;
  }
  const reg: RegFile = { format: { ...format, version }, header: lines.raw(0), preamble: [], sections: [], ...(only ? { partial: true as const } : {}) };
  let section: RegSection | undefined;
  // with `only`: whether the current section's entries are kept, and which names (undefined: all)
  let keep = true;
  let names: ReadonlySet<string> | undefined;
  const trivia = (n: number): RegTriviaEntry => ({ type: 'trivia', raw: lines.raw(n), line: n + 1 });
  const viewSegment = { offset: 0, line: 0, column: 1 };
  const view: LogicalLine = { text, start: 0, end: 0, segments: [viewSegment], file };
  const pieces = new LinePieces(lines, text);

  for (let n = 1; n < lines.count; n++) {
    const lineStart = lines.start(n);
    const lineEnd = lines.end(n);
    let at = lineStart;
    while (at < lineEnd && isTrimmed(text.charCodeAt(at))) at++;
    const start = at - lineStart;
    const c = at < lineEnd ? text.charCodeAt(at) : -1;
    if (c === -1 || c === 0x3b /* ; */) {
      if (only) continue;
      if (section) section.entries.push(trivia(n));
      else reg.preamble.push(trivia(n));
      continue;
    }
    if (c === 0x5b /* [ */) {
      const lineText = text.slice(lineStart, lineEnd);
      const parsed = parseSectionHeader(lineText, n + 1, start, file, report);
      section = parsed ? { ...parsed, raw: lines.raw(n), line: n + 1, entries: [] } : undefined;
      if (section) reg.sections.push(section);
      if (only) {
        const id = parsed ? selectionKeyId(parsed.hive, parsed.path) : '';
        keep = section === undefined || only.has(id);
        names = section === undefined ? undefined : only.get(id);
      }
      continue;
    }
    if (c !== 0x22 /* " */ && c !== 0x40 /* @ */) {
      report({ code: 'REG_SYNTAX', message: `unexpected text "${text.slice(lineStart, lineEnd).trim().slice(0, 30)}": expected [KEY], "name"=value, @=value or a ; comment`, source: { file, line: n + 1, column: start + 1 } });
      continue;
    }
    // A value entry, perhaps followed by continuation lines. A single line is read in place (a view of
    // the file's text, reused); offsets are into the file's text, columns from the line's start.
    const line = n + 1;
    view.start = lineStart;
    view.end = lineEnd;
    viewSegment.offset = lineStart;
    viewSegment.line = line;
    let logical: LogicalLine = view;
    let raw: string | undefined;
    // In a section not read, a name without escapes is passed over without a copy of it.
    let nameEnd = only && !keep && fastPaths ? plainNameEnd(text, at, lineEnd) : -1;
    let name: { text: string; end: number } | undefined;
    if (nameEnd < 0) {
      name = scanName(view, at, report);
      if (name === undefined) continue;
      nameEnd = name.end;
    }
    let eq = skipBlanks(text, nameEnd, lineEnd);
    if (eq >= lineEnd || text.charCodeAt(eq) !== 0x3d /* = */) {
      report({ code: 'REG_SYNTAX', message: 'expected = after the value name', source: { file, line, column: eq - lineStart + 1 } });
      continue;
    }
    if (name === undefined) {
      // (only set when the section is not read)
      if (hexAfterEquals(text, eq + 1, lineEnd)) n = skipContinuations(lines, text, n, continuationStart(text, lineStart, lineEnd));
      continue;
    }
    if (only && !(keep && (names === undefined || names.has(foldName(name.text))))) {
      // not selected: its lines are passed over as the full parse would join them
      if (hexAfterEquals(text, eq + 1, lineEnd)) n = skipContinuations(lines, text, n, continuationStart(text, lineStart, lineEnd));
      continue;
    }
    // Values as regedit writes them are read straight from the file's text (hex: no joined copy of its lines).
    let fast = fastPaths ? parseSimpleValueFast(text, eq + 1, lineEnd) : undefined;
    const first = n;
    if (fastPaths && fast === undefined) {
      pieces.begin(n, eq + 1, lineStart, lineEnd);
      fast = parseHexEntryFast(text, eq + 1, pieces, version);
      if (fast !== undefined) n = pieces.line;
    }
    if (fast !== undefined) {
      if (!section) {
        report({ code: 'REG_SYNTAX', message: 'value outside a key section: put a [KEY] line before it', source: { file, line, column: start + 1 } });
        continue;
      }
      section.entries.push({ type: 'value', name: name.text, value: fast, raw: n === first ? lines.raw(n) : text.slice(lines.start(first), lines.start(n + 1)), line });
      continue;
    }
    if (hexAfterEquals(text, eq + 1, lineEnd)) {
      const cut = continuationStart(text, lineStart, lineEnd);
      if (cut >= 0) {
        const joined = joinContinuations(lines, n, cut - lineStart, file);
        n = joined.last;
        raw = joined.raw;
        if (!joined.logical) {
          report({ code: 'VALUE_TOO_LARGE', message: `the value is more than ${MAX_ENTRY_TEXT} characters long: more than the ${MAX_VALUE_BYTES} bytes (64 MiB) a value may hold`, source: { file, line, column: eq - lineStart + 2 } });
          continue;
        }
        logical = joined.logical;
        eq -= lineStart;
      }
    }
    const value = parseRegValue(logical, eq + 1, version, report);
    if (value === undefined) continue;
    if (!section) {
      report({ code: 'REG_SYNTAX', message: 'value outside a key section: put a [KEY] line before it', source: { file, line, column: start + 1 } });
      continue;
    }
    section.entries.push({ type: 'value', name: name.text, value, raw: raw ?? lines.raw(n), line });
  }
  if (diagnostics.length > 0) throw RegstateError.fromDiagnostics(diagnostics);
  return reg;
}

function skipBlanks(text: string, i: number, end: number): number {
  for (let c = text.charCodeAt(i); i < end && (c === 0x20 || c === 0x09); c = text.charCodeAt(++i));
  return i;
}

/** Where the name at `start` ends (`@`, or a quoted name without escapes), as scanName would find; -1 for any other. */
function plainNameEnd(text: string, start: number, end: number): number {
  if (text.charCodeAt(start) === 0x40 /* @ */) return start + 1;
  for (let i = start + 1; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) return i + 1;
    if (c === 0x5c /* \ */) return -1;
  }
  return -1;
}

function scanName(l: LogicalLine, start: number, report: (d: Diagnostic) => void): { text: string; end: number } | undefined {
  if (l.text.charCodeAt(start) === 0x40 /* @ */) return { text: '', end: start + 1 };
  return scanRegString(l, start, report);
}

function parseSectionHeader(lineText: string, line: number, start: number, file: string, report: (d: Diagnostic) => void): Pick<RegSection, 'hive' | 'path' | 'delete'> | undefined {
  const text = lineText.trimEnd();
  // Key names may contain `]`, so the section ends at the last one on the line.
  const close = text.lastIndexOf(']');
  if (close < 0 || text.slice(close + 1).trim() !== '') {
    report({ code: 'REG_SYNTAX', message: 'missing ] at the end of the key line', source: { file, line, column: text.length + 1 } });
    return undefined;
  }
  const del = text[start + 1] === '-';
  const keyStart = start + (del ? 2 : 1);
  const keyText = text.slice(keyStart, close);
  const cut = keyText.indexOf('\\');
  const hiveText = cut < 0 ? keyText : keyText.slice(0, cut);
  const hive = parseHive(hiveText.trim());
  if (!hive) {
    report({ code: 'REG_SYNTAX', message: `unknown hive "${hiveText}" (expected HKEY_LOCAL_MACHINE, HKEY_CURRENT_USER, ... or HKLM, HKCU, ...)`, source: { file, line, column: keyStart + 1 } });
    return undefined;
  }
  const path = cut < 0 ? '' : keyText.slice(cut + 1);
  const empty = path.split('\\').findIndex((part) => part === '');
  if (cut >= 0 && empty >= 0) {
    report({ code: 'REG_SYNTAX', message: `empty key name in "${keyText}"`, source: { file, line, column: keyStart + 1 } });
    return undefined;
  }
  return { hive, path, delete: del };
}
