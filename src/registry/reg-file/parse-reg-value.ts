import type { Diagnostic, ErrorCode } from '../../errors.js';
import { MAX_VALUE_BYTES, describeTooLarge } from '../../model/check-value.js';
import { truncateEcho } from '../../model/display-text.js';
import type { RegistryValue } from '../../model/registry-value.js';
import { decodeAnsi } from './decode-reg-bytes.js';

/** Where one physical line's text starts in a logical line: its offset there, its file line, and its column. */
export interface LineSegment {
  offset: number;
  line: number;
  column: number;
}

/** One logical line (continuation lines joined), with where each physical line's part of it came from. */
export interface LogicalLine {
  text: string;
  /** In order of offset; the first starts at offset 0. */
  segments: LineSegment[];
  file: string;
}

type Report = (d: Diagnostic) => void;

function at(l: LogicalLine, index: number): { file: string; line: number; column: number } {
  const i = Math.min(index, l.text.length - 1);
  if (i < 0) return { file: l.file, line: l.segments[0]?.line ?? 1, column: l.segments[0]?.column ?? 1 };
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
  const text = l.text;
  // whole runs between escapes are copied at once: linear however long the string
  const parts: string[] = [];
  let from = start + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    const slash = text.indexOf('\\', from);
    if (quote < 0 && (slash < 0 || slash === text.length - 1)) break;
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

function escapeShown(ch: string): string {
  return JSON.stringify(ch).slice(1, -1);
}

function skipSpaces(text: string, i: number): number {
  while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  return i;
}

function decodeText(bytes: Uint8Array, version: '5.00' | '4'): string | undefined {
  if (version === '4') return decodeAnsi(bytes);
  if (bytes.length % 2 !== 0) return undefined;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf16le');
}

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
      return { type: 'REG_DWORD', data: new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) };
    case 11:
      if (bytes.length !== 8) return other();
      return { type: 'REG_QWORD', data: new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true) };
    default:
      return other();
  }
}

const isBlank = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
const hexDigit = (c: number): number => (c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1);

/** `xx,xx,...` from `start` to the end of the line, in one pass into one buffer (`into` when they fit there). */
function parseHexBytes(l: LogicalLine, start: number, report: Report, into?: Uint8Array): Uint8Array | undefined {
  const text = l.text;
  let i = start;
  while (i < text.length && isBlank(text.charCodeAt(i))) i++;
  if (i === text.length) return new Uint8Array(0);
  let count = 1;
  for (let j = text.indexOf(',', start); j >= 0; j = text.indexOf(',', j + 1)) count++;
  if (count > MAX_VALUE_BYTES) return fail(report, l, start, `hex ${describeTooLarge(count)}`, 'VALUE_TOO_LARGE');
  const bytes = into !== undefined && count <= into.length ? into.subarray(0, count) : new Uint8Array(count);
  let n = 0;
  i = start;
  for (;;) {
    while (i < text.length && isBlank(text.charCodeAt(i))) i++;
    const first = i;
    let byte = 0;
    let digits = 0;
    for (let d = hexDigit(text.charCodeAt(i)); d >= 0 && digits < 2; d = hexDigit(text.charCodeAt(++i))) {
      byte = byte * 16 + d;
      digits++;
    }
    while (i < text.length && isBlank(text.charCodeAt(i))) i++;
    if (digits === 0 || (i < text.length && text[i] !== ',')) {
      const end = text.indexOf(',', first);
      const token = text.slice(first, end < 0 ? text.length : end).trim();
      return fail(report, l, first, token === '' ? 'expected a hex byte' : `bad hex byte "${escapeShown(truncateEcho(token, 10))}"`);
    }
    bytes[n++] = byte;
    if (i >= text.length) return bytes;
    i++;
  }
}

const DWORD = /dword:/iy;
const DWORD_DIGITS = /[0-9a-fA-F]{1,8}/y;
const HEX = /hex(?:\(([^)]*)\))?:/iy;
// A plain Uint8Array: its slice() copies (a Buffer's would not)
const SCRATCH = new Uint8Array(4096);

/**
 * Parses a value's right-hand side starting at `start`: `-` (a deletion, null), `"text"`,
 * `dword:XXXXXXXX`, `hex:...` or `hex(N):...`. Reports problems and returns undefined on error.
 */
export function parseRegValue(l: LogicalLine, start: number, version: '5.00' | '4', report: Report): RegistryValue | null | undefined {
  const text = l.text;
  const i = skipSpaces(text, start);
  const trailing = (end: number): boolean => {
    const j = skipSpaces(text, end);
    if (j < text.length) return fail(report, l, j, `unexpected text after the value: "${escapeShown(text.slice(j, j + 20))}"`) ?? false;
    return true;
  };
  if (text.startsWith('-', i)) return trailing(i + 1) ? null : undefined;
  if (text.startsWith('"', i)) {
    const s = scanRegString(l, i, report);
    if (!s || !trailing(s.end)) return undefined;
    const size = 2 * s.text.length + 2;
    if (size > MAX_VALUE_BYTES) return fail(report, l, i, `REG_SZ ${describeTooLarge(size)}`, 'VALUE_TOO_LARGE');
    return { type: 'REG_SZ', data: s.text };
  }
  // sticky expressions read at `i` without a copy of the rest of the line
  DWORD.lastIndex = i;
  if (DWORD.test(text)) {
    DWORD_DIGITS.lastIndex = i + 6;
    const digits = DWORD_DIGITS.exec(text);
    if (!digits) return fail(report, l, i + 6, 'dword: needs 1 to 8 hex digits');
    if (!trailing(i + 6 + digits[0].length)) return undefined;
    return { type: 'REG_DWORD', data: parseInt(digits[0], 16) };
  }
  HEX.lastIndex = i;
  const hex = HEX.exec(text);
  if (hex) {
    const kindText = hex[1];
    if (kindText !== undefined && !/^[0-9a-fA-F]{1,8}$/.test(kindText)) return fail(report, l, i + 4, `bad value kind "hex(${kindText})": expected 1 to 8 hex digits`);
    const kind = kindText === undefined ? 3 : parseInt(kindText, 16);
    // the bytes of text, DWORD and QWORD values are read into one reused buffer: the value keeps none of them
    const transient = kind === 1 || kind === 2 || kind === 7 || kind === 4 || kind === 11;
    const bytes = parseHexBytes(l, i + hex[0].length, report, transient ? SCRATCH : undefined);
    if (!bytes) return undefined;
    const value = valueFromHex(kind, bytes, version);
    // ... unless they did not fit the kind: then the value keeps a copy of its own
    return transient && value.type === 'REG_OTHER' ? { type: 'REG_OTHER', kind, data: bytes.slice() } : value;
  }
  const rest = text.slice(i);
  const prefix = /^([A-Za-z_][\w()]*):/.exec(rest);
  if (prefix) return fail(report, l, i, `unknown value type "${prefix[1]}:" (expected "...", dword:, hex: or hex(N):)`);
  return fail(report, l, i, rest === '' ? 'missing value after =' : 'expected a value: "text", dword:, hex: or hex(N):, or - to delete');
}
