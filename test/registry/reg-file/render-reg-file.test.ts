import { sameRenderedText } from '../../../src/registry/reg-file/render-reg-file.js';

describe('sameRenderedText', () => {
  test.each<[string, string[], string[], boolean]>([
    ['the same pieces', ['a', 'bc', 'd'], ['a', 'bc', 'd'], true],
    ['the same text cut elsewhere', ['ab', 'cd'], ['a', 'bcd'], true],
    ['the same text with empty pieces', ['', 'abc', ''], ['a', '', 'bc'], true],
    ['one character changed, same length', ['dword:00000001\r\n'], ['dword:00000002\r\n'], false],
    ['a change inside pieces cut elsewhere', ['ab', 'cd'], ['a', 'bce'], false],
    ['a piece more', ['a', 'b'], ['a', 'b', 'c'], false],
    ['both empty', [], [''], true],
  ])('%s', (_, a, b, same) => {
    expect(sameRenderedText(a, b)).toBe(same);
    expect(sameRenderedText(b, a)).toBe(same);
    expect(same).toBe(a.join('') === b.join(''));
  });
});
