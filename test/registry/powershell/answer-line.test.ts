import { parseAnswerLine } from '../../../src/registry/powershell/answer-line.js';

const line = (answer: unknown): string => `REGSTATE:${Buffer.from(JSON.stringify(answer), 'utf8').toString('base64')}`;
const good = { ok: true, results: [1], errors: [] };

describe('parseAnswerLine', () => {
  test.each([
    ['the answer alone', `${line(good)}\n`],
    ['CRLF line ends', `noise\r\n${line(good)}\r\n`],
    ['host output around it', `WARNING: x\n${line(good)}\nmore output\n`],
    ['a BOM and terminal escapes before the marker', `\uFEFF\u001b[?1h\u001b[?1l${line(good)}`],
  ])('takes the one answer line: %s', (_label, stdout) => {
    expect(parseAnswerLine(stdout)).toEqual(good);
  });

  test.each([
    ['nothing', ''],
    ['no marker', 'hello\nworld'],
    ['two answers', `${line(good)}\n${line(good)}`],
    ['not base64', 'REGSTATE:%%%'],
    ['base64 with a bad length', 'REGSTATE:abc'],
    ['an empty payload', 'REGSTATE:'],
    ['base64 of something that is not JSON', `REGSTATE:${Buffer.from('not json').toString('base64')}`],
    ['JSON of the wrong shape', line({ results: [] })],
    ['a truncated answer', line(good).slice(0, 20)],
  ])('rejects %s with POWERSHELL_PROTOCOL', (_label, stdout) => {
    expect(() => parseAnswerLine(stdout)).toThrow(expect.objectContaining({ code: 'POWERSHELL_PROTOCOL' }));
  });

  test('an answer line of tens of megabytes is checked without overflowing the stack', () => {
    const big = { ok: true, results: ['ab'.repeat(6_000_000)], errors: [] };
    expect(parseAnswerLine(`noise\n${line(big)}\n`)).toEqual(big);
  });

  test.each([
    ['= inside the payload', 'REGSTATE:ab=c'],
    ['three pad characters', 'REGSTATE:a==='],
    ['a space', 'REGSTATE:ab c'],
  ])('rejects base64 with %s', (_label, stdout) => {
    expect(() => parseAnswerLine(stdout)).toThrow(expect.objectContaining({ code: 'POWERSHELL_PROTOCOL' }));
  });

  test('the error quotes what came back, truncated', () => {
    expect(() => parseAnswerLine(`Get-Thing : failed ${'x'.repeat(1000)}`)).toThrow(/Get-Thing : failed x+\.\.\. \(1019 characters\)/);
  });
});
