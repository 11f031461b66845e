import { type Hive, hiveLongName } from '../../model/hive.js';
import type { RegistryValue } from '../../model/registry-value.js';
import { renderDeleteValueEntry, renderValueEntry } from './format-reg-value.js';
import { HEADER_5 } from './parse-reg-file.js';
import type { RegFile } from './reg-file-model.js';

/** `HKEY_LOCAL_MACHINE\SOFTWARE\X`, the key as regedit names it in a section. */
export function formatRegKey(hive: Hive, path: string): string {
  return path === '' ? hiveLongName(hive) : `${hiveLongName(hive)}\\${path}`;
}

/** A `[KEY]` line with its line break. */
export function renderKeyLine(hive: Hive, path: string, newline = '\r\n'): string {
  return `[${formatRegKey(hive, path)}]${newline}`;
}

/** A `[-KEY]` line (delete the key and everything below it) with its line break. */
export function renderDeleteKeyLine(hive: Hive, path: string, newline = '\r\n'): string {
  return `[-${formatRegKey(hive, path)}]${newline}`;
}

/** The header line and the blank line regedit puts after it. */
export function renderHeader(newline = '\r\n'): string {
  return `${HEADER_5}${newline}${newline}`;
}

/**
 * A whole key section as regedit writes it: `[KEY]`, its entries (a null value is a `"name"=-`
 * deletion), and a blank line.
 */
export function renderKeySection(hive: Hive, path: string, entries: { name: string; value: RegistryValue | null }[], newline = '\r\n'): string {
  let out = renderKeyLine(hive, path, newline);
  for (const e of entries) out += e.value === null ? renderDeleteValueEntry(e.name, newline) : renderValueEntry(e.name, e.value, newline);
  return out + newline;
}

/**
 * The text of a parsed (and perhaps edited) file: every kept line exactly as it was, removed
 * sections and entries left out. Where a kept last line had no line break and more follows, one is added.
 */
export function renderRegFile(reg: RegFile, newline = detectNewline(reg)): string {
  return renderRegFileParts(reg, newline).join('');
}

/**
 * renderRegFile's text as the pieces it joins (the entries' own strings, in order): two renders
 * of one file are the same text when their pieces are the same, compared without building either text.
 */
export function renderRegFileParts(reg: RegFile, newline = detectNewline(reg)): string[] {
  if (reg.partial) throw new Error('a .reg file read for some keys only cannot be rendered');
  const chunks: string[] = [reg.header, ...reg.preamble.map((t) => t.raw)];
  for (const s of reg.sections) {
    if (s.removed) continue;
    chunks.push(s.raw);
    for (const e of s.entries) if (!(e.type === 'value' && e.removed)) chunks.push(e.raw);
  }
  // The text so far ends as its last chunk does: asking the growing string itself (out.endsWith)
  // flattens it every time, which made rendering quadratic in the file's size.
  const parts: string[] = [];
  let last = '';
  for (const c of chunks) {
    if (c === '') continue;
    if (last !== '' && !last.endsWith('\n')) parts.push(newline);
    parts.push(c);
    last = c;
  }
  return parts;
}

const totalLength = (pieces: readonly string[]): number => pieces.reduce((n, piece) => n + piece.length, 0);

/**
 * Whether two lists of pieces make the same text, without joining them: pieces that line up are
 * compared whole (an entry left alone is the very same string), the rest character by character.
 */
export function sameRenderedText(a: readonly string[], b: readonly string[]): boolean {
  if (totalLength(a) !== totalLength(b)) return false;
  let i = 0;
  let j = 0;
  // offsets into a[i] and b[j]
  let x = 0;
  let y = 0;
  while (i < a.length && j < b.length) {
    const p = a[i] as string;
    const q = b[j] as string;
    if (x === 0 && y === 0 && p.length === q.length) {
      if (p !== q) return false;
      i++;
      j++;
      continue;
    }
    const n = Math.min(p.length - x, q.length - y);
    for (let k = 0; k < n; k++) if (p.charCodeAt(x + k) !== q.charCodeAt(y + k)) return false;
    x += n;
    y += n;
    if (x === p.length) {
      i++;
      x = 0;
    }
    if (y === q.length) {
      j++;
      y = 0;
    }
  }
  return true;
}

/** The line break the file uses (that of its header line); CRLF for a file of one line. */
export function detectNewline(reg: Pick<RegFile, 'header'>): string {
  if (reg.header.endsWith('\r\n')) return '\r\n';
  return reg.header.endsWith('\n') ? '\n' : '\r\n';
}
