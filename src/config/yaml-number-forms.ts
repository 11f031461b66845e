import { decimalRunEnd, isDecimalDigits, isHexDigits, isOctalDigits } from '../model/digit-text.js';

// The YAML 1.2 core schema's number forms, decided by character code. Both YAML libraries decide
// them with regular expressions such as /^[-+]?[0-9]+$/, and a plain scalar of a few million digits
// overflows such a loop once V8 has stopped optimising regular expressions in a long-lived process
// (see model/digit-text): the file then failed as "nested too deeply" instead of with its real problem.

/** Past an optional leading `+` or `-`. */
function afterSign(text: string, at: number): number {
  const c = text.charCodeAt(at);
  return c === 0x2b || c === 0x2d ? at + 1 : at;
}

/** /^[-+]?[0-9]+$/ */
export function isDecimalInt(text: string): boolean {
  return isDecimalDigits(text, afterSign(text, 0));
}

/** /^0o[0-7]+$/ */
export function isOctalInt(text: string): boolean {
  return text.startsWith('0o') && isOctalDigits(text, 2);
}

/** /^0x[0-9a-fA-F]+$/ */
export function isHexInt(text: string): boolean {
  return text.startsWith('0x') && isHexDigits(text, 2);
}

/** Where a mantissa `\.[0-9]+` or `[0-9]+(?:\.[0-9]*)?` that starts at `at` ends; -1 when there is none. */
function mantissaEnd(text: string, at: number): number {
  if (text.charCodeAt(at) === 0x2e) {
    const end = decimalRunEnd(text, at + 1);
    return end > at + 1 ? end : -1;
  }
  const whole = decimalRunEnd(text, at);
  if (whole === at) return -1;
  return text.charCodeAt(whole) === 0x2e ? decimalRunEnd(text, whole + 1) : whole;
}

/** /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/ */
export function isExponentFloat(text: string): boolean {
  const end = mantissaEnd(text, afterSign(text, 0));
  if (end < 0 || (text.charCodeAt(end) | 0x20) !== 0x65) return false;
  return isDecimalDigits(text, afterSign(text, end + 1));
}

/** /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/: a point is required. */
export function isPointFloat(text: string): boolean {
  const at = afterSign(text, 0);
  if (text.charCodeAt(at) === 0x2e) return isDecimalDigits(text, at + 1);
  const whole = decimalRunEnd(text, at);
  return whole > at && text.charCodeAt(whole) === 0x2e && (whole + 1 === text.length || isDecimalDigits(text, whole + 1));
}

/** A YAML core integer: decimal with a sign, 0o octal or 0x hex. */
export function isYamlInt(text: string): boolean {
  return isDecimalInt(text) || isOctalInt(text) || isHexInt(text);
}

/** A YAML core float other than .inf and .nan: with a point, an exponent or both. */
export function isYamlFloat(text: string): boolean {
  return isPointFloat(text) || isExponentFloat(text);
}

/** The `yaml` library's core tag patterns with a loop, each with its scanner. */
export const SCANNED_PATTERNS: ReadonlyMap<string, (text: string) => boolean> = new Map([
  ['^[-+]?[0-9]+$', isDecimalInt],
  ['^0o[0-7]+$', isOctalInt],
  ['^0x[0-9a-fA-F]+$', isHexInt],
  ['^[-+]?(?:\\.[0-9]+|[0-9]+(?:\\.[0-9]*)?)[eE][-+]?[0-9]+$', isExponentFloat],
  ['^[-+]?(?:\\.[0-9]+|[0-9]+\\.[0-9]*)$', isPointFloat],
]);

/** A pattern whose `test` is its scanner: the `yaml` library calls only `tag.test.test(text)`. */
class ScannedPattern extends RegExp {
  readonly #scan: (text: string) => boolean;

  constructor(pattern: RegExp, scan: (text: string) => boolean) {
    super(pattern.source, pattern.flags);
    this.#scan = scan;
  }

  override test(text: string): boolean {
    return this.#scan(text);
  }
}

/**
 * For the `yaml` library's `customTags` option: the schema's tags with each number pattern that
 * loops replaced by its scanner. A pattern without a scanner is kept; the tests check that none of
 * them loops.
 */
export function scannedNumberTags<T>(tags: T[]): T[] {
  return tags.map((tag) => {
    const test = typeof tag === 'object' && tag !== null ? (tag as { test?: unknown }).test : undefined;
    if (!(test instanceof RegExp) || test.flags !== '') return tag;
    const scan = SCANNED_PATTERNS.get(test.source);
    return scan ? { ...tag, test: new ScannedPattern(test, scan) } : tag;
  });
}
