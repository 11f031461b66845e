import { escapeControl, truncateEcho } from '../model/display-text.js';

const HEX_DIGIT = /^[0-9A-Fa-f]$/;
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

/**
 * Bytes written as hex, two digits a byte, optionally separated by whitespace and/or one comma or
 * colon: "01 02 ff", "01,02", "01:02", "0102ff", "" (no bytes). The schema's binaryData pattern
 * accepts exactly the same strings.
 */
export function parseHexBytes(text: string): { ok: true; bytes: Uint8Array } | { ok: false; message: string } {
  const bytes: number[] = [];
  let i = 0;
  const skipSpace = (): void => {
    while (i < text.length && SPACE.test(text[i] as string)) i++;
  };
  skipSpace();
  while (i < text.length) {
    const hi = text[i] as string;
    const lo = text[i + 1];
    if (!HEX_DIGIT.test(hi)) return notHex(text, i);
    if (lo !== undefined && !HEX_DIGIT.test(lo) && !SPACE.test(lo) && lo !== ',' && lo !== ':') return notHex(text, i + 1);
    if (lo === undefined || !HEX_DIGIT.test(lo)) {
      return { ok: false, message: `the byte at character ${i + 1} has one hex digit; write each byte as two digits (e.g. 0f)` };
    }
    bytes.push(parseInt(hi + lo, 16));
    i += 2;
    const before = i;
    skipSpace();
    let separated = i > before;
    if (text[i] === ',' || text[i] === ':') {
      i++;
      skipSpace();
      separated = true;
      if (i >= text.length) return { ok: false, message: `separator "${text[i - 1] ?? ''}" at the end; remove it` };
    }
    if (separated && (text[i] === ',' || text[i] === ':')) return { ok: false, message: `two separators in a row at character ${i + 1}` };
  }
  return { ok: true, bytes: Uint8Array.from(bytes) };
}
