import fc from 'fast-check';
import { decimalRunEnd, isDecimalDigits, isHexDigits, isOctalDigits, significantLength } from '../../src/model/digit-text.js';
import { runs } from '../properties/arbitraries.js';

const text = fc.array(fc.constantFrom('0', '7', '8', '9', 'a', 'f', 'A', 'F', 'g', 'G', 'x', ' ', '/', ':', '`', '@'), { maxLength: 8 }).map((p) => p.join(''));

describe('digit checks by character code', () => {
  test('each check decides as its regular expression does, from any offset', () => {
    fc.assert(
      fc.property(text, fc.nat(9), (t, from) => {
        const rest = t.slice(from);
        expect([isDecimalDigits(t, from), isHexDigits(t, from), isOctalDigits(t, from)]).toEqual([/^[0-9]+$/.test(rest), /^[0-9A-Fa-f]+$/.test(rest), /^[0-7]+$/.test(rest)]);
        expect(significantLength(t, from)).toBe(rest.replace(/^0+/, '').length);
        expect(decimalRunEnd(t, Math.min(from, t.length))).toBe(Math.min(from, t.length) + (/^[0-9]*/.exec(rest)?.[0].length ?? 0));
      }),
      { numRuns: runs(2000) },
    );
  });

  test('millions of characters, in one pass', () => {
    const zeros = '0'.repeat(5_000_000);
    expect([isDecimalDigits(`${zeros}9`), isHexDigits(`${zeros}F`), isOctalDigits(`${zeros}8`), significantLength(`${zeros}12`)]).toEqual([true, true, false, 2]);
  });
});
