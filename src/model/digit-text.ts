// Checks over text that may be millions of characters long (a document's data, a saved plan's hex),
// by character code. A regular expression loop such as /^[0-9]+$/ keeps a backtrack entry per
// character once V8 has stopped optimising regular expressions (after about 1 MB of compiled
// regex code in a long-lived process) and throws "Maximum call stack size exceeded" past a few
// million characters; these loops hold nothing per character.

function isDecimal(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

function isHex(code: number): boolean {
  const lower = code | 0x20;
  return isDecimal(code) || (lower >= 0x61 && lower <= 0x66);
}

function isOctal(code: number): boolean {
  return code >= 0x30 && code <= 0x37;
}

function allOf(text: string, from: number, test: (code: number) => boolean): boolean {
  if (from >= text.length) return false;
  for (let i = from; i < text.length; i++) if (!test(text.charCodeAt(i))) return false;
  return true;
}

/** Where the run of decimal digits 0-9 that starts at `from` ends (`from` itself when there is none). */
export function decimalRunEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length && isDecimal(text.charCodeAt(i))) i++;
  return i;
}

/** Whether `text` from `from` on is one or more octal digits 0-7. */
export function isOctalDigits(text: string, from = 0): boolean {
  return allOf(text, from, isOctal);
}

/** Whether `text` from `from` on is one or more decimal digits 0-9. */
export function isDecimalDigits(text: string, from = 0): boolean {
  return allOf(text, from, isDecimal);
}

/** Whether `text` from `from` on is one or more hex digits 0-9, a-f, A-F. */
export function isHexDigits(text: string, from = 0): boolean {
  return allOf(text, from, isHex);
}

/** How many characters are left of `text` from `from` on once its leading `0`s are skipped. */
export function significantLength(text: string, from = 0): number {
  let i = Math.min(from, text.length);
  while (i < text.length && text.charCodeAt(i) === 0x30) i++;
  return text.length - i;
}
