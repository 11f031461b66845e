import fc from 'fast-check';
import yaml from 'js-yaml';
import { parseDocument } from 'yaml';
import { FAST_CORE_SCHEMA } from '../../src/config/fast-yaml-schema.js';
import { SCANNED_PATTERNS, isYamlFloat, isYamlInt, scannedNumberTags } from '../../src/config/yaml-number-forms.js';
import { runs } from '../properties/arbitraries.js';

/** Short text made of the characters the number forms care about, and a few they do not. */
const numberish = fc.array(fc.constantFrom('0', '1', '7', '8', '9', 'a', 'F', 'g', 'x', 'o', 'e', 'E', '.', '+', '-', '_'), { maxLength: 10 }).map((parts) => parts.join(''));

/** The `yaml` library's core schema tags, as its customTags option receives them. */
function coreTags(): { tag: string; test?: RegExp }[] {
  let seen: { tag: string; test?: RegExp }[] = [];
  parseDocument('a: 1', {
    customTags: (tags) => {
      seen = tags as typeof seen;
      return tags;
    },
  });
  return seen;
}

/** A loaded scalar as kind and text: an integer the fast path holds as a number and the bigint the reference path holds read alike. */
const shape = (v: unknown): string => (typeof v === 'string' ? `s:${v}` : `n:${String(v)}`);

describe('YAML number forms by character code', () => {
  test.each([...SCANNED_PATTERNS])('%s: the scanner decides as the pattern does', (source, scan) => {
    const pattern = new RegExp(source);
    fc.assert(
      fc.property(numberish, (text) => {
        expect(scan(text)).toBe(pattern.test(text));
      }),
      { numRuns: runs(2000) },
    );
  });

  test('every core tag pattern that loops has a scanner; the rest match a bounded length', () => {
    const patterns = coreTags().flatMap((t) => (t.test ? [t.test.source] : []));
    expect(patterns.filter((p) => SCANNED_PATTERNS.has(p))).toHaveLength(SCANNED_PATTERNS.size);
    const looping = patterns.filter((p) => !SCANNED_PATTERNS.has(p) && /[+*]|\{\d+,\}/.test(p.replace(/\\./g, '').replace(/\[[^\]]*\]/g, 'C')));
    expect(looping).toEqual([]);
  });

  test('the reference path with scanners loads every scalar as the yaml library alone does, and so does the fast path', () => {
    fc.assert(
      fc.property(numberish, (text) => {
        const doc = `k: ${text}\n`;
        const original = parseDocument(doc, { intAsBigInt: true });
        fc.pre(original.errors.length === 0);
        const scanned = parseDocument(doc, { intAsBigInt: true, customTags: scannedNumberTags });
        const k = (original.toJS() as { k: unknown }).k;
        expect(shape((scanned.toJS() as { k: unknown }).k)).toBe(shape(k));
        expect(shape((yaml.load(doc, { schema: FAST_CORE_SCHEMA }) as { k: unknown }).k)).toBe(shape(k));
      }),
      { numRuns: runs(2000) },
    );
  });

  test('millions of digits are told apart without a regular expression', () => {
    const digits = '7'.repeat(5_000_000);
    expect([isYamlInt(digits), isYamlInt(`-${digits}`), isYamlInt(`0o${digits}`), isYamlInt(`0x${digits}f`), isYamlInt(`${digits}x`)]).toEqual([true, true, true, true, false]);
    expect([isYamlFloat(`${digits}.${digits}`), isYamlFloat(`.${digits}e-${digits}`), isYamlFloat(digits), isYamlFloat(`${digits}.5.`)]).toEqual([true, true, false, false]);
  });
});
