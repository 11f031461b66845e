import { parseRegFile } from '../../../src/registry/reg-file/parse-reg-file.js';
import { renderRegFile } from '../../../src/registry/reg-file/render-reg-file.js';

const HEADER = 'Windows Registry Editor Version 5.00';

/** Every line the parser kept, with its number, in file order. */
function linesOf(text: string): [number, string][] {
  const reg = parseRegFile(text, 'x.reg');
  const out: [number, string][] = [];
  for (const p of reg.preamble) out.push([p.line, p.raw]);
  for (const s of reg.sections) {
    out.push([s.line, s.raw]);
    for (const e of s.entries) out.push([e.line, e.raw]);
  }
  return out;
}

describe('.reg lines kept as offsets into the text', () => {
  test('CRLF, LF and a last line without a break keep their raw text and numbers; the file renders back byte for byte', () => {
    const text = `${HEADER}\r\n\r\n[HKEY_CURRENT_USER\\A]\n"x"=dword:00000001\r\n; note\n"y"=hex(2):41,00,\\\r\n  00,00\r\n"z"="last"`;
    expect(linesOf(text)).toStrictEqual([
      [2, '\r\n'],
      [3, '[HKEY_CURRENT_USER\\A]\n'],
      [4, '"x"=dword:00000001\r\n'],
      [5, '; note\n'],
      [6, '"y"=hex(2):41,00,\\\r\n  00,00\r\n'],
      [8, '"z"="last"'],
    ]);
    expect(renderRegFile(parseRegFile(text, 'x.reg'))).toBe(text);
  });

  test('white space that trim removes (no-break space, BOM, U+3000) before an entry or comment is skipped as before', () => {
    const text = `${HEADER}\n[HKEY_CURRENT_USER\\A]\n\u00a0"x"=dword:00000002\n\u3000; note\n\ufeff\n`;
    const reg = parseRegFile(text, 'x.reg');
    const entries = reg.sections[0]?.entries ?? [];
    expect(entries.map((e) => e.type)).toStrictEqual(['value', 'trivia', 'trivia']);
    expect(entries[0]).toMatchObject({ name: 'x', value: { type: 'REG_DWORD', data: 2 }, line: 3 });
  });

  test('a lone CR at the end of the last line stays part of its text, and is reported where it is', () => {
    let error: unknown;
    try {
      parseRegFile(`${HEADER}\n[HKEY_CURRENT_USER\\A]\n"x"=dword:00000001\r`, 'x.reg');
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'REG_SYNTAX', diagnostics: [{ source: { file: 'x.reg', line: 3, column: 19 } }] });
  });

  test('the bytes of text, DWORD and QWORD values come from a reused buffer; values that keep bytes have their own', () => {
    const text = `${HEADER}\n[HKEY_CURRENT_USER\\A]\n"b"=hex:01,02\n"s"=hex(1):41,00,00,00\n"o"=hex(4):01,02,03\n"q"=hex(b):01,00,00,00,00,00,00,00\n"n"=hex(0):09\n`;
    const entries = parseRegFile(text, 'x.reg').sections[0]?.entries ?? [];
    const values = entries.map((e) => (e.type === 'value' ? e.value : undefined));
    expect(values).toStrictEqual([
      { type: 'REG_BINARY', data: new Uint8Array([1, 2]) },
      { type: 'REG_SZ', data: 'A' },
      { type: 'REG_OTHER', kind: 4, data: new Uint8Array([1, 2, 3]) },
      { type: 'REG_QWORD', data: 1n },
      { type: 'REG_NONE', data: new Uint8Array([9]) },
    ]);
    // the REG_OTHER bytes are not overwritten by the values read after it
    const other = values[2] as { data: Uint8Array };
    expect(other.data.buffer.byteLength).toBe(3);
  });
});
