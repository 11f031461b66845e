const HEX_DIGIT = /^[0-9A-Fa-f]$/;
const SPACE = /^\s$/;

function describeChar(ch: string): string {
  const code = ch.codePointAt(0) ?? 0;
  return code < 0x20 || code === 0x7f ? `U+${code.toString(16).toUpperCase().padStart(4, '0')}` : `"${ch}"`;
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
    if (!HEX_DIGIT.test(hi)) return { ok: false, message: `unexpected ${describeChar(hi)} at offset ${i} (expected a hex digit)` };
    if (lo === undefined || !HEX_DIGIT.test(lo)) {
      return { ok: false, message: `byte at offset ${i} has one hex digit; write each byte as two digits (e.g. 0f)` };
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
    if (separated && (text[i] === ',' || text[i] === ':')) return { ok: false, message: `two separators in a row at offset ${i}` };
  }
  return { ok: true, bytes: Uint8Array.from(bytes) };
}
