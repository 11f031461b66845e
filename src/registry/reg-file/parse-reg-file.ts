import { type Diagnostic, RegstateError } from '../../errors.js';
import { MAX_VALUE_BYTES } from '../../model/check-value.js';
import { parseHive } from '../../model/hive.js';
import { decodeRegBytes } from './decode-reg-bytes.js';
import { type LogicalLine, parseRegValue, scanRegString } from './parse-reg-value.js';
import type { RegFile, RegFileFormat, RegSection, RegTriviaEntry } from './reg-file-model.js';

export const HEADER_5 = 'Windows Registry Editor Version 5.00';
export const HEADER_4 = 'REGEDIT4';

interface PhysicalLine {
  text: string;
  raw: string;
  line: number;
}

function splitLines(text: string): PhysicalLine[] {
  const out: PhysicalLine[] = [];
  let start = 0;
  while (start < text.length) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl + 1;
    const raw = text.slice(start, end);
    out.push({ raw, text: raw.replace(/\r?\n$/, ''), line: out.length + 1 });
    start = end;
  }
  return out;
}

function singleLine(p: PhysicalLine, file: string): LogicalLine {
  return { text: p.text, file, segments: [{ offset: 0, line: p.line, column: 1 }] };
}

const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a || c === 0x0b || c === 0x0c;

/** Where a line's continuation `\` (with the blanks around it) starts, or -1 when it does not end with one. */
function continuationStart(text: string): number {
  let i = text.length - 1;
  while (i >= 0 && isSpace(text.charCodeAt(i))) i--;
  if (text[i] !== '\\') return -1;
  i--;
  while (i >= 0 && isSpace(text.charCodeAt(i))) i--;
  return i + 1;
}

/** A hex value entry longer than this many characters cannot hold MAX_VALUE_BYTES (regedit writes 3 a byte, plus line breaks). */
const MAX_ENTRY_TEXT = 4 * MAX_VALUE_BYTES;

/**
 * Joins an entry's continuation lines (each without its `\` and the leading blanks of the next) into
 * one logical line, in time linear in their length. Returns the index of the last line used, or
 * undefined (with every line of the entry consumed) when the entry is too long to hold a value.
 */
function joinContinuations(logical: LogicalLine, lines: PhysicalLine[], n: number): { last: number; raw: string; tooLong: boolean } {
  const parts: string[] = [];
  const rawParts: string[] = [(lines[n] as PhysicalLine).raw];
  let body = logical.text;
  let length = 0;
  let tooLong = false;
  let cut = continuationStart(body);
  while (cut >= 0 && n + 1 < lines.length) {
    body = body.slice(0, cut);
    if (!tooLong) parts.push(body);
    length += body.length;
    const next = lines[++n] as PhysicalLine;
    rawParts.push(next.raw);
    let lead = 0;
    while (lead < next.text.length && isSpace(next.text.charCodeAt(lead))) lead++;
    body = next.text.slice(lead);
    if (!tooLong) logical.segments.push({ offset: length, line: next.line, column: lead + 1 });
    if (length + body.length > MAX_ENTRY_TEXT) tooLong = true;
    cut = continuationStart(body);
  }
  if (!tooLong) {
    parts.push(body);
    logical.text = parts.join('');
  }
  return { last: n, raw: rawParts.join(''), tooLong };
}

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
 */
export function parseRegFile(input: string | Uint8Array, file: string): RegFile {
  const { text, format } = decode(input, file);
  if (text.trim() === '') throw new RegstateError('FILE_EMPTY', `${file}: the .reg file is empty (it needs the header "${HEADER_5}")`, { source: { file, line: 1, column: 1 } });
  const diagnostics: Diagnostic[] = [];
  const report = (d: Diagnostic): void => void diagnostics.push(d);
  const lines = splitLines(text);
  const first = lines[0] as PhysicalLine;
  const headerText = first.text.trim();
  let version: '5.00' | '4' = '5.00';
  if (headerText === HEADER_4) version = '4';
  else if (headerText !== HEADER_5) {
    // Without the header this is not a .reg file at all: one error, not one per line of whatever it is.
    throw RegstateError.fromDiagnostics([{ code: 'REG_SYNTAX', message: `not a .reg file: the first line must be "${HEADER_5}" or "${HEADER_4}"`, source: { file, line: 1, column: 1 } }]);
  }
  const reg: RegFile = { format: { ...format, version }, header: first.raw, preamble: [], sections: [] };
  let section: RegSection | undefined;
  const trivia = (p: PhysicalLine): RegTriviaEntry => ({ type: 'trivia', raw: p.raw, line: p.line });

  for (let n = 1; n < lines.length; n++) {
    const p = lines[n] as PhysicalLine;
    const start = p.text.length - p.text.trimStart().length;
    const c = p.text[start];
    if (c === undefined || c === ';') {
      if (section) section.entries.push(trivia(p));
      else reg.preamble.push(trivia(p));
      continue;
    }
    if (c === '[') {
      const parsed = parseSectionHeader(p, start, file, report);
      section = parsed ? { ...parsed, raw: p.raw, line: p.line, entries: [] } : undefined;
      if (section) reg.sections.push(section);
      continue;
    }
    if (c !== '"' && c !== '@') {
      report({ code: 'REG_SYNTAX', message: `unexpected text "${p.text.trim().slice(0, 30)}": expected [KEY], "name"=value, @=value or a ; comment`, source: { file, line: p.line, column: start + 1 } });
      continue;
    }
    // A value entry, perhaps followed by continuation lines.
    const logical = singleLine(p, file);
    let raw = p.raw;
    const name = scanName(logical, start, report);
    if (name === undefined) continue;
    const eq = skipBlanks(logical.text, name.end);
    if (logical.text[eq] !== '=') {
      report({ code: 'REG_SYNTAX', message: 'expected = after the value name', source: { file, line: p.line, column: eq + 1 } });
      continue;
    }
    if (/^\s*hex/i.test(logical.text.slice(eq + 1, eq + 64))) {
      const joined = joinContinuations(logical, lines, n);
      n = joined.last;
      raw = joined.raw;
      if (joined.tooLong) {
        report({ code: 'VALUE_TOO_LARGE', message: `the value is more than ${MAX_ENTRY_TEXT} characters long: more than the ${MAX_VALUE_BYTES} bytes (64 MiB) a value may hold`, source: { file, line: p.line, column: eq + 2 } });
        continue;
      }
    }
    const value = parseRegValue(logical, eq + 1, version, report);
    if (value === undefined) continue;
    if (!section) {
      report({ code: 'REG_SYNTAX', message: 'value outside a key section: put a [KEY] line before it', source: { file, line: p.line, column: start + 1 } });
      continue;
    }
    section.entries.push({ type: 'value', name: name.text, value, raw, line: p.line });
  }
  if (diagnostics.length > 0) throw RegstateError.fromDiagnostics(diagnostics);
  return reg;
}

function skipBlanks(text: string, i: number): number {
  while (text[i] === ' ' || text[i] === '\t') i++;
  return i;
}

function scanName(l: LogicalLine, start: number, report: (d: Diagnostic) => void): { text: string; end: number } | undefined {
  if (l.text[start] === '@') return { text: '', end: start + 1 };
  return scanRegString(l, start, report);
}

function parseSectionHeader(p: PhysicalLine, start: number, file: string, report: (d: Diagnostic) => void): Pick<RegSection, 'hive' | 'path' | 'delete'> | undefined {
  const text = p.text.trimEnd();
  // Key names may contain `]`, so the section ends at the last one on the line.
  const close = text.lastIndexOf(']');
  if (close < 0 || text.slice(close + 1).trim() !== '') {
    report({ code: 'REG_SYNTAX', message: 'missing ] at the end of the key line', source: { file, line: p.line, column: text.length + 1 } });
    return undefined;
  }
  const del = text[start + 1] === '-';
  const keyStart = start + (del ? 2 : 1);
  const keyText = text.slice(keyStart, close);
  const cut = keyText.indexOf('\\');
  const hiveText = cut < 0 ? keyText : keyText.slice(0, cut);
  const hive = parseHive(hiveText.trim());
  if (!hive) {
    report({ code: 'REG_SYNTAX', message: `unknown hive "${hiveText}" (expected HKEY_LOCAL_MACHINE, HKEY_CURRENT_USER, ... or HKLM, HKCU, ...)`, source: { file, line: p.line, column: keyStart + 1 } });
    return undefined;
  }
  const path = cut < 0 ? '' : keyText.slice(cut + 1);
  const empty = path.split('\\').findIndex((part) => part === '');
  if (cut >= 0 && empty >= 0) {
    report({ code: 'REG_SYNTAX', message: `empty key name in "${keyText}"`, source: { file, line: p.line, column: keyStart + 1 } });
    return undefined;
  }
  return { hive, path, delete: del };
}
