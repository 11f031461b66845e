import fc from 'fast-check';
import { escapeVars, substituteText } from '../../src/config/substitute-vars.js';

const noVars = () => undefined;

describe('escapeVars', () => {
  test('any text, written escaped, substitutes back to itself (no variable looked up)', () => {
    const piece = fc.oneof(fc.constantFrom('$', '${', '$${', '$$', '{', '}', '${x}', '$${x}', 'x', ' '), fc.string({ maxLength: 3 }));
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }).map((parts) => parts.join('')), (text) => {
        expect(substituteText(escapeVars(text), noVars, false)).toEqual({ ok: true, value: text, used: [] });
      }),
      { numRuns: 2000 },
    );
  });

  test('examples', () => {
    expect(escapeVars('${e}')).toBe('$${e}');
    expect(escapeVars('$${y}')).toBe('$$${y}');
    expect(escapeVars('$x $$ %PATH%')).toBe('$x $$ %PATH%');
  });
});
