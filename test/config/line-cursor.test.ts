import fc from 'fast-check';
import { LineCounter } from 'yaml';
import { lineCursor } from '../../src/config/line-cursor.js';
import { runs } from '../properties/arbitraries.js';

/** The reference: the yaml library's own line counter over the same text. */
function counted(text: string): (offset: number) => { line: number; col: number } {
  const counter = new LineCounter();
  counter.addNewLine(0);
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) counter.addNewLine(i + 1);
  return (offset) => counter.linePos(offset);
}

describe('lineCursor', () => {
  test('places every offset as the yaml library does, in any order, near or far', () => {
    const line = fc.array(fc.constantFrom('a', ' ', '\r', 'é', '日'), { maxLength: 120 }).map((a) => a.join(''));
    const text = fc.tuple(fc.array(line, { minLength: 1, maxLength: 300 }), fc.constantFrom('\n', '\r\n')).map(([lines, eol]) => lines.join(eol));
    const steps = fc.array(fc.oneof(fc.nat(), fc.integer({ min: -200, max: 200 })), { minLength: 1, maxLength: 60 });
    fc.assert(
      fc.property(text, steps, (t, moves) => {
        const cursor = lineCursor(t);
        const reference = counted(t);
        let at = 0;
        for (const move of moves) {
          // a natural number is an absolute offset, anything else a short step from the last one
          at = Math.min(t.length, Math.max(0, move > 200 ? move % (t.length + 1) : at + move));
          expect(cursor(at)).toStrictEqual(reference(at));
        }
      }),
      { numRuns: runs(300) },
    );
  });

  test('a far jump back after counting forwards, then forwards again', () => {
    const text = Array.from({ length: 5000 }, (_, i) => `line ${i}`).join('\n');
    const cursor = lineCursor(text);
    const reference = counted(text);
    for (const offset of [text.length, 10, text.length - 3, 20_000, 0, text.length]) expect(cursor(offset)).toStrictEqual(reference(offset));
  });
});
