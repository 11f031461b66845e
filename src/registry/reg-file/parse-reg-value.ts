import type { Diagnostic } from '../../errors.js';
import type { RegistryValue } from '../../model/registry-value.js';
import { decodeAnsi } from './decode-reg-bytes.js';

/** One logical line (continuation lines joined) with the file line and column of every character. */
export interface LogicalLine {
  text: string;
  lines: number[];
  columns: number[];
  file: string;
}

type Report = (d: Diagnostic) => void;

function at(l: LogicalLine, index: number): { file: string; line: number; column: number } {
  const i = Math.min(index, l.text.length - 1);
  if (i < 0) return { file: l.file, line: l.lines[0] ?? 1, column: 1 };
  const past = index > i ? 1 : 0;
  return { file: l.file, line: l.lines[i] ?? 1, column: (l.columns[i] ?? 1) + past };
}

function fail(report: Report, l: LogicalLine, index: number, message: string): undefined {
  report({ code: 'REG_SYNTAX', message, source: at(l, index) });
  return undefined;
}

/**
 * Reads a `"..."` string starting at the opening quote. `\\` and `\"` are regedit's escapes; `\n` and
 * `\r` are accepted too because wine's regedit writes line breaks that way.
 */
export function scanRegString(l: LogicalLine, start: number, report: Report): { text: string; end: number } | undefined {
  let out = '';
  for (let i = start + 1; i < l.text.length; i++) {
    const c = l.text[i];
    if (c === '"') return { text: out, end: i + 1 };
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = l.text[i + 1];
    if (next === '\\' || next === '"') out += next;
    else if (next === 'n') out += '\n';
    else if (next === 'r') out += '\r';
    else if (next === undefined) break;
    else return fail(report, l, i, `unknown escape \\${next} in a string (use \\\\ for a backslash)`);
    i++;
  }
  return fail(report, l, start, 'unterminated string: missing closing "');
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
  const other: RegistryValue = { type: 'REG_OTHER', kind, data: bytes };
  switch (kind) {
    case 0:
      return { type: 'REG_NONE', data: bytes };
    case 3:
      return { type: 'REG_BINARY', data: bytes };
    case 1:
    case 2: {
      const text = decodeText(bytes, version);
      if (text === undefined) return other;
      return { type: kind === 1 ? 'REG_SZ' : 'REG_EXPAND_SZ', data: stripNul(text) };
    }
    case 7: {
      const text = decodeText(bytes, version);
      if (text === undefined) return other;
      const body = stripNul(stripNul(text));
      return { type: 'REG_MULTI_SZ', data: body === '' ? [] : body.split('\0') };
    }
    case 4:
      if (bytes.length !== 4) return other;
      return { type: 'REG_DWORD', data: new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true) };
    case 11:
      if (bytes.length !== 8) return other;
      return { type: 'REG_QWORD', data: new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true) };
    default:
      return other;
  }
}

function parseHexBytes(l: LogicalLine, start: number, report: Report): Uint8Array | undefined {
  const body = l.text.slice(start);
  if (body.trim() === '') return new Uint8Array(0);
  const bytes: number[] = [];
  let ok = true;
  let offset = start;
  for (const token of body.split(',')) {
    const lead = token.length - token.trimStart().length;
    const t = token.trim();
    if (!/^[0-9a-fA-F]{1,2}$/.test(t)) {
      fail(report, l, offset + lead, t === '' ? 'expected a hex byte' : `bad hex byte "${t.slice(0, 10)}"`);
      ok = false;
    } else bytes.push(parseInt(t, 16));
    offset += token.length + 1;
  }
  return ok ? new Uint8Array(bytes) : undefined;
}

/**
 * Parses a value's right-hand side starting at `start`: `-` (a deletion, null), `"text"`,
 * `dword:XXXXXXXX`, `hex:...` or `hex(N):...`. Reports problems and returns undefined on error.
 */
export function parseRegValue(l: LogicalLine, start: number, version: '5.00' | '4', report: Report): RegistryValue | null | undefined {
  const text = l.text;
  const i = skipSpaces(text, start);
  const rest = text.slice(i);
  const trailing = (end: number): boolean => {
    const j = skipSpaces(text, end);
    if (j < text.length) return fail(report, l, j, `unexpected text after the value: "${text.slice(j, j + 20)}"`) ?? false;
    return true;
  };
  if (rest.startsWith('-')) return trailing(i + 1) ? null : undefined;
  if (rest.startsWith('"')) {
    const s = scanRegString(l, i, report);
    if (!s || !trailing(s.end)) return undefined;
    return { type: 'REG_SZ', data: s.text };
  }
  const dword = /^dword:/i.exec(rest);
  if (dword) {
    const digits = /^[0-9a-fA-F]{1,8}/.exec(rest.slice(6));
    if (!digits) return fail(report, l, i + 6, 'dword: needs 1 to 8 hex digits');
    if (!trailing(i + 6 + digits[0].length)) return undefined;
    return { type: 'REG_DWORD', data: parseInt(digits[0], 16) };
  }
  const hex = /^hex(?:\(([^)]*)\))?:/i.exec(rest);
  if (hex) {
    const kindText = hex[1];
    if (kindText !== undefined && !/^[0-9a-fA-F]{1,8}$/.test(kindText)) return fail(report, l, i + 4, `bad value kind "hex(${kindText})": expected 1 to 8 hex digits`);
    const bytes = parseHexBytes(l, i + hex[0].length, report);
    if (!bytes) return undefined;
    return valueFromHex(kindText === undefined ? 3 : parseInt(kindText, 16), bytes, version);
  }
  const prefix = /^([A-Za-z_][\w()]*):/.exec(rest);
  if (prefix) return fail(report, l, i, `unknown value type "${prefix[1]}:" (expected "...", dword:, hex: or hex(N):)`);
  return fail(report, l, i, rest === '' ? 'missing value after =' : 'expected a value: "text", dword:, hex: or hex(N):, or - to delete');
}
