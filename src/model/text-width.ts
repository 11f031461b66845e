import stringWidth from 'string-width';

// Printable ASCII only: one cell per character.
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * The terminal cells `text` takes (a Hangul or CJK character two, a combining mark none), as
 * string-width counts them; printable ASCII, most of a plan, is counted by its length without
 * segmenting it into graphemes (string-width's cost, most of rendering a large plan).
 */
export function textWidth(text: string): number {
  return PRINTABLE_ASCII.test(text) ? text.length : stringWidth(text);
}
