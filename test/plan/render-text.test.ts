import { loadTextWidth } from '../../src/model/text-width.js';
import { renderPlanText } from '../../src/plan/render-text.js';
import { agpmPlan, mixedPlan } from './fixtures.js';
import stringWidth from 'string-width';
import { at, dword, key, sz } from '../builders.js';

const ANSI = /\x1b\[[0-9;]*m/g;

describe('renderPlanText', () => {
  // exact widths, as the library and the CLI (measuredText) render them
  beforeAll(loadTextWidth);

  test('the AGPM plan, grouped by key, each change with its file:line', () => {
    expect(renderPlanText(agpmPlan(), { color: false })).toMatchInlineSnapshot(`
"regstate will perform the following actions:

  ~ HKLM\\SOFTWARE\\Microsoft\\AGPM
      ~ EncryptSmtp  REG_DWORD  0 (0x00000000) → 1 (0x00000001)  # configs/agpm-email-security.yaml:12
      + SmtpPort     REG_DWORD  587 (0x0000024b)                 # configs/agpm-email-security.yaml:16

Plan: 1 to create, 1 to update, 0 to delete. 3 unchanged.
"
`);
  });

  test('every kind of change: retype, delete, key create/delete, 32-bit view, default value, long binary', () => {
    expect(renderPlanText(mixedPlan(), { color: false })).toMatchInlineSnapshot(`
"regstate will perform the following actions:

  ~ HKLM\\SOFTWARE\\Contoso\\App (32-bit view)
      ~ (Default)  REG_SZ         "Contoso" → "Contoso App"  # test.yaml:3
      ~ Enabled    REG_SZ "1" → REG_DWORD 1 (0x00000001)     # test.yaml:4
      ~ Path       REG_EXPAND_SZ  "C:\\\\Program Files\\\\Contoso\\\\" → "%ProgramFiles%\\\\Contoso\\\\"  # test.yaml:5
      ~ Servers    REG_MULTI_SZ   ["b.example", "a.example"] → ["a.example", "b.example"]  # test.yaml:6
      ~ Limit      REG_QWORD      9007199254740992 (0x0020000000000000) → 9007199254740993 (0x0020000000000001)  # test.yaml:7
      - Trailing   REG_SZ         "x  \\n"                    # test.yaml:8

  + HKCU\\Software\\Contoso  # test.yaml:10
      + Blob  REG_BINARY  00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f … (40 bytes)  # test.yaml:11

  - HKCU\\Software\\Contoso\\Cache (3 values, 1 subkey)  # test.yaml:13

Plan: 2 to create, 5 to update, 2 to delete. 0 unchanged.
"
`);
  });

  test('no changes', () => {
    expect(renderPlanText({ changes: [], unchanged: 4 }, { color: false })).toMatchInlineSnapshot(`
"No changes. The registry matches the desired state (4 declared items checked).
"
`);
    expect(renderPlanText({ changes: [], unchanged: 1 }, { color: false })).toContain('(1 declared item checked)');
  });

  test('colour on paints create green, update yellow, delete red; the text is the same', () => {
    const plain = renderPlanText(mixedPlan(), { color: false });
    const colored = renderPlanText(mixedPlan(), { color: true });
    expect(plain).not.toMatch(ANSI);
    expect(colored.replace(ANSI, '')).toBe(plain);
    expect(colored).toContain('\x1b[32m+ Blob');
    expect(colored).toContain('\x1b[33m~ Enabled');
    expect(colored).toContain('\x1b[31m- Trailing');
    expect(colored).toContain('\x1b[31m-\x1b[39m');
  });

  test('the same key in another case and the other view are separate groups, keys in first-seen order', () => {
    const k = key('HKCU\\A');
    const text = renderPlanText({
      changes: [
        { action: 'create', key: k, name: 'x', before: null, after: dword(1), source: at(1) },
        { action: 'create', key: key('HKCU\\A', 32), name: 'y', before: null, after: dword(1), source: at(2) },
        { action: 'update', key: key('hkcu\\a'), name: 'z', before: sz('a'), after: sz('b'), source: at(3) },
      ],
      unchanged: 0,
    }, { color: false });
    expect(text.match(/^ {2}~ .*$/gm)).toEqual(['  ~ HKCU\\A', '  ~ HKCU\\A (32-bit view)']);
  });

  test('columns line up on screen with wide and combining characters in names and data', () => {
    const k = key('HKCU\\Wide');
    const names = ['Port', '名前', 'e\u0301x', '한국어값', 'plain'];
    const text = renderPlanText({
      changes: names.map((name, i) => ({ action: 'create' as const, key: k, name, before: null, after: i === 1 ? sz('値段') : dword(i), source: at(i + 1) })),
      unchanged: 0,
    }, { color: false });
    const rows = text.split('\n').filter((l) => l.startsWith('      + '));
    expect(rows).toHaveLength(names.length);
    // the type column and the source comments start at the same screen cell on every row
    expect(new Set(rows.map((r) => stringWidth(r.slice(0, r.indexOf('REG_')))))).toEqual(new Set([stringWidth('      + 한국어값  ')]));
    expect(new Set(rows.map((r) => stringWidth(r.slice(0, r.indexOf('#')))))).toHaveProperty('size', 1);
  });

  test('a key with 200,000 changes renders (no list spread into one call)', () => {
    const k = key('HKCU\\Big');
    const changes = Array.from({ length: 200_000 }, (_, i) => ({ action: 'create' as const, key: k, name: `v${i}`, before: null, after: dword(i), source: at(i + 1) }));
    const text = renderPlanText({ changes, unchanged: 0 }, { color: false });
    expect(text).toContain('Plan: 200000 to create');
  });
});
