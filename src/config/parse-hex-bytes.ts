import { escapeControl, truncateEcho } from '../model/display-text.js';

const SPACE = /^\s$/;

function describeChar(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  const shown = escapeControl(ch);
  return shown !== ch || code === 0x7f ? `U+${code.toString(16).toUpperCase().padStart(4, '0')}` : JSON.stringify(ch);
}

// positions are 1-based characters of the string as written, so "0g" says character 2
function notHex(text: string, i: number): { ok: false; message: string } {
  const ch = String.fromCodePoint(text.codePointAt(i) ?? 0);
  return { ok: false, message: `${describeChar(ch)} at character ${i + 1} of ${JSON.stringify(truncateEcho(text, 20))} is not a hex digit (0-9, a-f)` };
}

/** A hex digit's value, or -1: by character code, as a large file has millions of them. */
function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x57 : -1;
}

/** Whether a UTF-16 unit is white space as `\s` has it (ASCII without the pattern). */
function isSpace(code: number): boolean {
  if (code === 0x20 || (code >= 0x09 && code <= 0x0d)) return true;
  return code > 0x7f && SPACE.test(String.fromCharCode(code));
}

/** The offset of the first character at or after `at` that is not white space. */
function skipSpace(text: string, at: number): number {
  let i = at;
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

/**
 * Bytes written as hex, two digits a byte, optionally separated by whitespace and/or one comma or
 * colon: "01 02 ff", "01,02", "01:02", "0102ff", "" (no bytes). The schema's binaryData pattern
 * accepts exactly the same strings.
 */
export function parseHexBytes(text: string): { ok: true; bytes: Uint8Array } | { ok: false; message: string } {
  // as many bytes as pairs of hex digits: valid text needs no second, trimmed copy
  let digits = 0;
  for (let at = 0; at < text.length; at++) if (hexValue(text.charCodeAt(at)) >= 0) digits++;
  const bytes = new Uint8Array(digits >> 1);
  let count = 0;
  let i = skipSpace(text, 0);
  while (i < text.length) {
    const hi = hexValue(text.charCodeAt(i));
    const loCode = i + 1 < text.length ? text.charCodeAt(i + 1) : -1;
    const lo = hexValue(loCode);
    if (hi < 0) return notHex(text, i);
    if (loCode >= 0 && lo < 0 && !isSpace(loCode) && loCode !== 0x2c && loCode !== 0x3a) return notHex(text, i + 1);
    if (lo < 0) {
      return { ok: false, message: `the byte at character ${i + 1} has one hex digit; write each byte as two digits (e.g. 0f)` };
    }
    bytes[count++] = hi * 16 + lo;
    i += 2;
    const before = i;
    i = skipSpace(text, i);
    let separated = i > before;
    if (text[i] === ',' || text[i] === ':') {
      i++;
      i = skipSpace(text, i);
      separated = true;
      if (i >= text.length) return { ok: false, message: `separator "${text[i - 1] ?? ''}" at the end; remove it` };
    }
    if (separated && (text[i] === ',' || text[i] === ':')) return { ok: false, message: `two separators in a row at character ${i + 1}` };
  }
  return { ok: true, bytes: count === bytes.length ? bytes : bytes.slice(0, count) };
}
