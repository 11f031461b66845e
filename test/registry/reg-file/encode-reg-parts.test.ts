import fc from 'fast-check';
import { encodeRegParts, encodeRegText } from '../../../src/registry/reg-file/decode-reg-bytes.js';

// Any UTF-16 units, surrogate pairs split between pieces and lone surrogates included.
const piece = fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.constantFrom('\ud83d', '\ude00', '\r\n', ''));

test('encoding the pieces of a file gives the bytes of their joined text', () => {
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 20 }), fc.constantFrom({ encoding: 'utf16le' as const, bom: true }, { encoding: 'utf16le' as const, bom: false }, { encoding: 'utf8' as const, bom: true }, { encoding: 'utf8' as const, bom: false }), (pieces, format) => {
      expect(encodeRegParts(pieces, format).equals(encodeRegText(pieces.join(''), format))).toBe(true);
    }),
    { numRuns: 1000 },
  );
});
