import fc from 'fast-check';
import { RegstateError } from '../../../src/errors.js';
import { encodeRegText } from '../../../src/registry/reg-file/decode-reg-bytes.js';
import { parseRegFile, parseRegFileReference, selectionKeyId } from '../../../src/registry/reg-file/parse-reg-file.js';
import type { RegFile } from '../../../src/registry/reg-file/reg-file-model.js';

// What a parse gives: the file, or the error with every diagnostic (code, message, line:column).
function outcome(parse: () => RegFile): unknown {
  try {
    return { file: parse() };
  } catch (error) {
    if (!(error instanceof RegstateError)) throw error;
    return { code: error.code, message: error.message, diagnostics: error.diagnostics };
  }
}

// Hex entries as regedit writes them, and every way of getting them slightly wrong: blanks, one-digit
// bytes, bad digits, stray or missing commas, continuations at any point (also at the end of the file).
const piece = fc.constantFrom(
  'hex:', 'hex(2):', 'HEX(7):', 'Hex(b):', 'hex(4):', 'hex(1):', 'hex(0):', 'hex(ffffffff):', 'hex(123456789):', 'hex(', 'hex()', 'hex(2)', 'hex(z):',
  '00', '0', 'ff', 'Ab', '25', '5c', 'd8', 'dc', 'zz', ',', ',', ',', ' ', '\t', ':', ')',
  ',\\\r\n  ', ',\\\r\n', '\\\r\n  ', ' \\ \r\n\t', ',\\\n', '\\', '\r\n', '\r\n"n"=hex:01\r\n',
);
const regularBytes = fc.uint8Array({ maxLength: 80 }).map((bytes) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(','));
const simple = fc.constantFrom('"text"', '"a\\\\b"', '"q\\"q"', '"', '""', 'dword:', 'DWORD:', 'dword: ', '0123abcd', '1', 'fffffffff', 'g', ' ', '\t', '\\', '\r\n');
const rhs = fc.oneof(
  fc.array(simple, { maxLength: 5 }).map((pieces) => pieces.join('')),
  fc.array(piece, { maxLength: 14 }).map((pieces) => pieces.join('')),
  fc.tuple(fc.constantFrom('hex:', 'hex(2):', 'hex(7):', 'hex(4):', 'hex(b):', 'hex(0):', 'hex(1):', 'hex(3f):'), regularBytes, fc.integer({ min: 5, max: 30 })).map(([prefix, bytes, width]) =>
    // wrapped as regedit wraps: after a comma, continuation lines indented by two blanks
    prefix + bytes.replace(new RegExp(`((?:[0-9a-f]{2},){${width}})`, 'g'), '$1\\\r\n  '),
  ),
);
const entry = fc.tuple(fc.constantFrom('"v"', '@', '"Name x"', '"a\\\\b"', '"open', '"q\\"q" ', '"x"y'), rhs).map(([name, right]) => `${name}=${right}\r\n`);
const fileText = fc.tuple(fc.boolean(), fc.array(entry, { maxLength: 5 }), fc.boolean()).map(
  ([section, entries, trailer]) => `Windows Registry Editor Version 5.00\r\n\r\n${section ? '[HKEY_CURRENT_USER\\Software\\P]\r\n' : ''}${entries.join('')}${trailer ? '"last"=hex:01,\\' : ''}`,
);

describe('the fast paths for values as regedit writes them', () => {
  test('reads every file exactly as the general parse does: the same entries, or the same errors at the same places', () => {
    fc.assert(
      fc.property(fileText, fc.constantFrom('utf16le' as const, 'utf8' as const), (text, encoding) => {
        const bytes = encodeRegText(text, { encoding, bom: true });
        expect(outcome(() => parseRegFile(bytes, 'f.reg'))).toEqual(outcome(() => parseRegFileReference(bytes, 'f.reg')));
        // a verify's read-back of the key, and of another key (this one's entries passed over)
        for (const path of ['Software\\P', 'Software\\Other']) {
          const only = new Map([[selectionKeyId('HKCU', path), undefined]]);
          expect(outcome(() => parseRegFile(bytes, 'f.reg', only))).toEqual(outcome(() => parseRegFileReference(bytes, 'f.reg', only)));
        }
      }),
      { numRuns: 3000 },
    );
  });

  test('a REGEDIT4 file too: its hex(1) text is ANSI', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 5 }), (entries) => {
        const text = `REGEDIT4\r\n\r\n[HKEY_CURRENT_USER\\Software\\P]\r\n${entries.join('')}`;
        expect(outcome(() => parseRegFile(text, 'f.reg'))).toEqual(outcome(() => parseRegFileReference(text, 'f.reg')));
      }),
      { numRuns: 500 },
    );
  });
});
