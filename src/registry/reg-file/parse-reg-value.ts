import type { Diagnostic, ErrorCode } from '../../errors.js';
import { MAX_VALUE_BYTES, describeTooLarge } from '../../model/check-value.js';
import { truncateEcho } from '../../model/display-text.js';
import type { RegistryValue } from '../../model/registry-value.js';
import { endianness } from 'node:os';
import { decodeAnsi } from './decode-reg-bytes.js';

/** Where one physical line's text starts in a logical line: its offset there, its file line, and its column. */
export interface LineSegment {
  offset: number;
  line: number;
  column: number;
}

/**
 * One logical line (continuation lines joined), with where each physical line's part of it came
 * from: `text` from `start` to `end`. A single physical line is a view into the file's whole text
 * (no copy of the line); joined lines are a string of their own (start 0, end its length).
 */
export interface LogicalLine {
  text: string;
  start: number;
  end: number;
  /** In order of offset (offsets into `text`); the first starts at `start`. */
  segments: LineSegment[];
  file: string;
}

type Report = (d: Diagnostic) => void;

function at(l: LogicalLine, index: number): { file: string; line: number; column: number } {
  const i = Math.min(index, l.end - 1);
  if (i < l.start) return { file: l.file, line: l.segments[0]?.line ?? 1, column: l.segments[0]?.column ?? 1 };
  let lo = 0;
  let hi = l.segments.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((l.segments[mid] as LineSegment).offset <= i) lo = mid;
    else hi = mid - 1;
  }
  const seg = l.segments[lo] ?? { offset: 0, line: 1, column: 1 };
  const past = index > i ? 1 : 0;
  return { file: l.file, line: seg.line, column: seg.column + (i - seg.offset) + past };
}

function fail(report: Report, l: LogicalLine, index: number, message: string, code: ErrorCode = 'REG_SYNTAX'): undefined {
  report({ code, message, source: at(l, index) });
  return undefined;
}

/**
 * Reads a `"..."` string starting at the opening quote. `\\` and `\"` are regedit's escapes; `\n` and
 * `\r` are accepted too because wine's regedit writes line breaks that way.
 */
export function scanRegString(l: LogicalLine, start: number, report: Report): { text: string; end: number } | undefined {
  const { text, end } = l;
  let from = start + 1;
  // most strings have no escape: one slice
  for (let i = from; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) return { text: text.slice(from, i), end: i + 1 };
    if (c === 0x5c /* \ */) break;
  }
  // whole runs between escapes are copied at once: linear however long the string
  const parts: string[] = [];
  for (;;) {
    const quote = indexWithin(text, 0x22, from, end);
    const slash = indexWithin(text, 0x5c, from, end);
    if (quote < 0 && (slash < 0 || slash === end - 1)) break;
    if (quote >= 0 && (slash < 0 || quote < slash)) {
      parts.push(text.slice(from, quote));
      return { text: parts.join(''), end: quote + 1 };
    }
    parts.push(text.slice(from, slash));
    const next = text[slash + 1];
    if (next === '\\' || next === '"') parts.push(next);
    else if (next === 'n') parts.push('\n');
    else if (next === 'r') parts.push('\r');
    else return fail(report, l, slash, `unknown escape \\${escapeShown(next ?? '')} in a string (use \\\\ for a backslash)`);
    from = slash + 2;
  }
  return fail(report, l, start, 'unterminated string: missing closing "');
}

/** Where the character `code` first is in text[from, end), or -1 (indexOf would search on past `end`). */
export function indexWithin(text: string, code: number, from: number, end: number): number {
  for (let i = from; i < end; i++) if (text.charCodeAt(i) === code) return i;
  return -1;
}

function escapeShown(ch: string): string {
  return JSON.stringify(ch).slice(1, -1);
}

function skipSpaces(text: string, i: number, end: number): number {
  for (let c = text.charCodeAt(i); i < end && (c === 0x20 || c === 0x09); c = text.charCodeAt(++i));
  return i;
}

function decodeText(bytes: Uint8Array, version: '5.00' | '4'): string | undefined {
  if (version === '4') return decodeAnsi(bytes);
  if (bytes.length % 2 !== 0) return undefined;
  if (bytes.buffer === SCRATCH.buffer) {
    // a short text (most are) as its UTF-16 units at once: cheaper than a call into the buffer's decoder
    if (SCRATCH_UNITS !== undefined && bytes.byteOffset === 0 && bytes.byteLength <= SHORT_TEXT_BYTES) return String.fromCharCode.apply(null, SCRATCH_UNITS.subarray(0, bytes.byteLength >> 1) as unknown as number[]);
    return SCRATCH_BUFFER.toString('utf16le', bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf16le');
}

// little-endian, without a DataView per value
const uint32At = (b: Uint8Array, at: number): number => ((b[at] as number) | ((b[at + 1] as number) << 8) | ((b[at + 2] as number) << 16) | ((b[at + 3] as number) << 24)) >>> 0;

function stripNul(text: string): string {
  return text.endsWith('\0') ? text.slice(0, -1) : text;
}

/**
 * The typed value of `hex(kind):` bytes. Bytes that do not fit their kind (a DWORD that is not 4 bytes,
 * UTF-16 text of odd length) are kept as REG_OTHER so that no data is lost.
 */
export function valueFromHex(kind: number, bytes: Uint8Array, version: '5.00' | '4'): RegistryValue {
  const other = (): RegistryValue => ({ type: 'REG_OTHER', kind, data: bytes });
  switch (kind) {
    case 0:
      return { type: 'REG_NONE', data: bytes };
    case 3:
      return { type: 'REG_BINARY', data: bytes };
    case 1:
    case 2: {
      const text = decodeText(bytes, version);
      if (text === undefined) return other();
      return { type: kind === 1 ? 'REG_SZ' : 'REG_EXPAND_SZ', data: stripNul(text) };
    }
    case 7: {
      const text = decodeText(bytes, version);
      if (text === undefined) return other();
      const body = stripNul(stripNul(text));
      return { type: 'REG_MULTI_SZ', data: body === '' ? [] : body.split('\0') };
    }
    case 4:
      if (bytes.length !== 4) return other();
      return { type: 'REG_DWORD', data: uint32At(bytes, 0) };
    case 11:
      if (bytes.length !== 8) return other();
      return { type: 'REG_QWORD', data: (BigInt(uint32At(bytes, 4)) << 32n) | BigInt(uint32At(bytes, 0)) };
    default:
      return other();
  }
}

const isBlank = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
const hexDigit = (c: number): number => (c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1);

/** `xx,xx,...` from `start` to the end of the line, in one pass into one buffer (`into` when they fit there). */
function parseHexBytes(l: LogicalLine, start: number, report: Report, into?: Uint8Array): Uint8Array | undefined {
  const { text, end } = l;
  let i = start;
  while (i < end && isBlank(text.charCodeAt(i))) i++;
  if (i === end) return new Uint8Array(0);
  let count = 1;
  for (let j = indexWithin(text, 0x2c, start, end); j >= 0; j = indexWithin(text, 0x2c, j + 1, end)) count++;
  if (count > MAX_VALUE_BYTES) return fail(report, l, start, `hex ${describeTooLarge(count)}`, 'VALUE_TOO_LARGE');
  const bytes = into !== undefined && count <= into.length ? into.subarray(0, count) : new Uint8Array(count);
  let n = 0;
  i = start;
  for (;;) {
    while (i < end && isBlank(text.charCodeAt(i))) i++;
    const first = i;
    let byte = 0;
    let digits = 0;
    for (let d = i < end ? hexDigit(text.charCodeAt(i)) : -1; d >= 0 && digits < 2; d = ++i < end ? hexDigit(text.charCodeAt(i)) : -1) {
      byte = byte * 16 + d;
      digits++;
    }
    while (i < end && isBlank(text.charCodeAt(i))) i++;
    if (digits === 0 || (i < end && text.charCodeAt(i) !== 0x2c)) {
      const comma = indexWithin(text, 0x2c, first, end);
      const token = text.slice(first, comma < 0 ? end : comma).trim();
      return fail(report, l, first, token === '' ? 'expected a hex byte' : `bad hex byte "${escapeShown(truncateEcho(token, 10))}"`);
    }
    bytes[n++] = byte;
    if (i >= end) return bytes;
    i++;
  }
}

const isHexDigit = (c: number): boolean => hexDigit(c) >= 0;
// `word` (lower-case ASCII) at `i`, its letters in either case, as /word/i matches it
function startsWithWord(text: string, i: number, end: number, word: string): boolean {
  if (i + word.length > end) return false;
  for (let k = 0; k < word.length; k++) {
    const c = text.charCodeAt(i + k);
    const w = word.charCodeAt(k);
    if (c !== w && !(w >= 0x61 && w <= 0x7a && c === w - 0x20)) return false;
  }
  return true;
}

// A plain Uint8Array: its slice() copies (a Buffer's would not)
const SCRATCH = new Uint8Array(4096);
const SCRATCH_BUFFER = Buffer.from(SCRATCH.buffer);
// SCRATCH as UTF-16 units, where they are little-endian as in the file (undefined elsewhere)
const SCRATCH_UNITS = endianness() === 'LE' ? new Uint16Array(SCRATCH.buffer) : undefined;
const SHORT_TEXT_BYTES = 512;

/**
 * The value of a one-line `"text"` (no escape) or `dword:XXXXXXXX` entry, as regedit writes them,
 * read from text[i, end) (the line's end) with nothing after it; undefined for anything else, which
 * is then read the general way (parseRegValue), which reads these the same.
 */
export function parseSimpleValueFast(text: string, i: number, end: number): RegistryValue | undefined {
  const c = text.charCodeAt(i);
  if (c === 0x22 /* " */) {
    for (let q = i + 1; q < end; q++) {
      const d = text.charCodeAt(q);
      if (d === 0x5c /* \ */) return undefined;
      if (d === 0x22) return q + 1 === end && 2 * (q - i - 1) + 2 <= MAX_VALUE_BYTES ? { type: 'REG_SZ', data: text.slice(i + 1, q) } : undefined;
    }
    return undefined;
  }
  if (c === 0x64 /* d */ && end - i > 6 && end - i <= 14 && text.startsWith('dword:', i)) {
    let data = 0;
    for (let p = i + 6; p < end; p++) {
      const d = hexDigit(text.charCodeAt(p));
      if (d < 0) return undefined;
      data = data * 16 + d;
    }
    return { type: 'REG_DWORD', data };
  }
  return undefined;
}

/**
 * The pieces of one entry's logical line in the file's text, in order, as its continuation lines
 * join (see joinContinuations): the current piece is text[from, to).
 */
export interface EntryPieces {
  from: number;
  to: number;
  /** Whether another piece follows this one. */
  more: boolean;
  /** Moves to the next piece; false when there is none, or when the entry is too long to hold a value. */
  next(): boolean;
}

/**
 * The value of a hex entry written as regedit writes it, read straight from the file's text: `hex:`
 * or `hex(N):` right at `i`, then bytes of two hex digits, a comma between them, the line broken
 * (if at all) right after a comma, at most SCRATCH's length of bytes. Anything else (blanks, one-digit
 * bytes, any error) is undefined, and the entry is then read the general way (parseRegValue on the
 * joined line), which reports its problems; what this reads, that way reads the same.
 */
export function parseHexEntryFast(text: string, i: number, pieces: EntryPieces, version: '5.00' | '4'): RegistryValue | undefined {
  let to = pieces.to;
  if (i + 4 > to || (text.charCodeAt(i) | 0x20) !== 0x68 || (text.charCodeAt(i + 1) | 0x20) !== 0x65 || (text.charCodeAt(i + 2) | 0x20) !== 0x78) return undefined;
  let p = i + 3;
  let kind = 3;
  if (text.charCodeAt(p) === 0x3a /* : */) p++;
  else if (text.charCodeAt(p) === 0x28 /* ( */) {
    kind = 0;
    let digits = 0;
    for (let d = ++p < to ? hexDigit(text.charCodeAt(p)) : -1; d >= 0; d = ++p < to ? hexDigit(text.charCodeAt(p)) : -1) {
      kind = kind * 16 + d;
      digits++;
    }
    if (digits === 0 || digits > 8 || p + 1 >= to || text.charCodeAt(p) !== 0x29 /* ) */ || text.charCodeAt(p + 1) !== 0x3a) return undefined;
    p += 2;
  } else return undefined;
  if (p === to) {
    // the bytes start on the next line (none at all: the general way)
    if (!pieces.more || !pieces.next()) return undefined;
    p = pieces.from;
    to = pieces.to;
  }
  let n = 0;
  for (;;) {
    if (p + 2 > to || n === SCRATCH.length) return undefined;
    const high = hexDigit(text.charCodeAt(p));
    const low = hexDigit(text.charCodeAt(p + 1));
    if (high < 0 || low < 0) return undefined;
    SCRATCH[n++] = high * 16 + low;
    p += 2;
    if (p === to) {
      if (pieces.more) return undefined;
      break;
    }
    if (text.charCodeAt(p) !== 0x2c /* , */) return undefined;
    p++;
    if (p === to) {
      if (!pieces.more || !pieces.next()) return undefined;
      p = pieces.from;
      to = pieces.to;
    }
  }
  const transient = kind === 1 || kind === 2 || kind === 7 || kind === 4 || kind === 11;
  const bytes = transient ? SCRATCH.subarray(0, n) : SCRATCH.slice(0, n);
  const value = valueFromHex(kind, bytes, version);
  return transient && value.type === 'REG_OTHER' ? { type: 'REG_OTHER', kind, data: bytes.slice() } : value;
}

/**
 * Parses a value's right-hand side starting at `start`: `-` (a deletion, null), `"text"`,
 * `dword:XXXXXXXX`, `hex:...` or `hex(N):...`. Reports problems and returns undefined on error.
 */
export function parseRegValue(l: LogicalLine, start: number, version: '5.00' | '4', report: Report): RegistryValue | null | undefined {
  const { text, end } = l;
  const i = skipSpaces(text, start, end);
  const trailing = (after: number): boolean => {
    const j = skipSpaces(text, after, end);
    if (j < end) return fail(report, l, j, `unexpected text after the value: "${escapeShown(text.slice(j, Math.min(j + 20, end)))}"`) ?? false;
    return true;
  };
  const c = i < end ? text.charCodeAt(i) : -1;
  if (c === 0x2d /* - */) return trailing(i + 1) ? null : undefined;
  if (c === 0x22 /* " */) {
    const s = scanRegString(l, i, report);
    if (!s || !trailing(s.end)) return undefined;
    const size = 2 * s.text.length + 2;
    if (size > MAX_VALUE_BYTES) return fail(report, l, i, `REG_SZ ${describeTooLarge(size)}`, 'VALUE_TOO_LARGE');
    return { type: 'REG_SZ', data: s.text };
  }
  if (startsWithWord(text, i, end, 'dword:')) {
    let digitsEnd = i + 6;
    while (digitsEnd < end && digitsEnd < i + 14 && isHexDigit(text.charCodeAt(digitsEnd))) digitsEnd++;
    if (digitsEnd === i + 6) return fail(report, l, i + 6, 'dword: needs 1 to 8 hex digits');
    if (!trailing(digitsEnd)) return undefined;
    return { type: 'REG_DWORD', data: parseInt(text.slice(i + 6, digitsEnd), 16) };
  }
  const hex = scanHexPrefix(text, i, end);
  if (hex) {
    const kindText = hex.kindText;
    if (kindText !== undefined && !/^[0-9a-fA-F]{1,8}$/.test(kindText)) return fail(report, l, i + 4, `bad value kind "hex(${kindText})": expected 1 to 8 hex digits`);
    const kind = kindText === undefined ? 3 : parseInt(kindText, 16);
    // the bytes of text, DWORD and QWORD values are read into one reused buffer: the value keeps none of them
    const transient = kind === 1 || kind === 2 || kind === 7 || kind === 4 || kind === 11;
    const bytes = parseHexBytes(l, hex.end, report, transient ? SCRATCH : undefined);
    if (!bytes) return undefined;
    const value = valueFromHex(kind, bytes, version);
    // ... unless they did not fit the kind: then the value keeps a copy of its own
    return transient && value.type === 'REG_OTHER' ? { type: 'REG_OTHER', kind, data: bytes.slice() } : value;
  }
  const rest = text.slice(i, end);
  const prefix = /^([A-Za-z_][\w()]*):/.exec(rest);
  if (prefix) return fail(report, l, i, `unknown value type "${prefix[1]}:" (expected "...", dword:, hex: or hex(N):)`);
  return fail(report, l, i, rest === '' ? 'missing value after =' : 'expected a value: "text", dword:, hex: or hex(N):, or - to delete');
}

/** `hex:` or `hex(N):` at `i` (any case): the text between the parentheses, and where the bytes start. */
function scanHexPrefix(text: string, i: number, end: number): { kindText: string | undefined; end: number } | undefined {
  if (!startsWithWord(text, i, end, 'hex')) return undefined;
  const c = i + 3 < end ? text.charCodeAt(i + 3) : -1;
  if (c === 0x3a /* : */) return { kindText: undefined, end: i + 4 };
  if (c !== 0x28 /* ( */) return undefined;
  const close = indexWithin(text, 0x29, i + 4, end);
  if (close < 0 || close + 1 >= end || text.charCodeAt(close + 1) !== 0x3a) return undefined;
  return { kindText: text.slice(i + 4, close), end: close + 2 };
}
