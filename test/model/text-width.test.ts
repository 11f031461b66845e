import fc from 'fast-check';
import stringWidth from 'string-width';
import { loadTextWidth, measuredText, textWidth } from '../../src/model/text-width.js';

describe('textWidth', () => {
  // first, while string-width is not loaded (this file's own module registry)
  test('measuredText renders again, exactly, once a text needs string-width; ASCII and the renderers\' symbols never load it', async () => {
    let runs = 0;
    const cells = (text: string) => () => {
      runs++;
      return textWidth(text);
    };
    const ours = 'Value1 REG_DWORD 0 → 1 … ✓ ✗ ≥ —';
    expect(await measuredText(cells(ours))).toBe(ours.length);
    expect(runs).toBe(1);
    // unloaded, a wide text counts its length; the second run, after loading, is exact
    expect(await measuredText(cells('漢字 e\u0301'))).toBe(6);
    expect(runs).toBe(3);
    expect(await measuredText(cells('漢字'))).toBe(4);
    expect(runs).toBe(4);
  });

  test('counts cells as string-width does, for ASCII, control characters, the renderers\' symbols and wide or combining text', async () => {
    await loadTextWidth();
    const pieces = fc.constantFrom('a', 'Z', ' ', '~', '\t', '\u0000', '\u001b', '\u007f', 'é', 'e\u0301', '한', '漢', '👍', '\u200b', '→', '…', '✓', '✗', '≥', '—');
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.array(pieces).map((p) => p.join(''))), (text) => {
        expect(textWidth(text)).toBe(stringWidth(text));
      }),
      { numRuns: 500 },
    );
  });

  test('a wide character takes two cells, a combining mark none', async () => {
    await loadTextWidth();
    expect(textWidth('漢字')).toBe(4);
    expect(textWidth('e\u0301')).toBe(1);
    expect(textWidth('Value1')).toBe(6);
  });
});
