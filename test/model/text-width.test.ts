import fc from 'fast-check';
import stringWidth from 'string-width';
import { textWidth } from '../../src/model/text-width.js';

describe('textWidth', () => {
  test('counts cells as string-width does, for ASCII, control characters and wide or combining text', () => {
    const pieces = fc.constantFrom('a', 'Z', ' ', '~', '\t', '\u0000', '\u001b', '\u007f', 'é', 'e\u0301', '한', '漢', '👍', '\u200b');
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.array(pieces).map((p) => p.join(''))), (text) => {
        expect(textWidth(text)).toBe(stringWidth(text));
      }),
      { numRuns: 500 },
    );
  });

  test('a wide character takes two cells, a combining mark none', () => {
    expect(textWidth('漢字')).toBe(4);
    expect(textWidth('e\u0301')).toBe(1);
    expect(textWidth('Value1')).toBe(6);
  });
});
