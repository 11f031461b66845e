import { codeSpan, renderPlanMarkdown } from '../../src/plan/render-markdown.js';
import { formatValueData, formatValueName } from '../../src/plan/format-data.js';
import type { Plan } from '../../src/plan/plan.js';
import { agpmPlan, mixedPlan } from './fixtures.js';
import { at, key, multiSz, sz } from '../builders.js';

/** The cells of a GFM table row, as GitHub and markdown-it split them: on pipes not right after a backslash, then `\|` becomes `|`. */
function cells(row: string): string[] {
  const parts = row.split(/(?<!\\)\|/);
  expect(parts.shift()).toBe('');
  expect(parts.pop()).toBe('');
  return parts.map((cell) => cell.trim().replace(/\\\|/g, '|'));
}

/** The text of a code span as CommonMark reads it. */
function codeText(span: string): string {
  const fence = /^`+/.exec(span)?.[0] ?? '';
  expect(span.endsWith(fence) && fence.length > 0).toBe(true);
  const inner = span.slice(fence.length, span.length - fence.length);
  return inner.startsWith(' ') && inner.endsWith(' ') && inner.trim() !== '' ? inner.slice(1, -1) : inner;
}

describe('renderPlanMarkdown', () => {
  test('the AGPM plan as a pull-request summary', () => {
    expect(renderPlanMarkdown(agpmPlan())).toMatchInlineSnapshot(`
"## regstate plan

**Plan:** 1 to create, 1 to update, 0 to delete. 3 unchanged.

### \`HKLM\\SOFTWARE\\Microsoft\\AGPM\`

| Action | Value | Type | Before | After | Source |
| --- | --- | --- | --- | --- | --- |
| update | \`EncryptSmtp\` | REG_DWORD | \`0 (0x00000000)\` | \`1 (0x00000001)\` | \`configs/agpm-email-security.yaml:12\` |
| create | \`SmtpPort\` | REG_DWORD | — | \`587 (0x0000024b)\` | \`configs/agpm-email-security.yaml:16\` |
"
`);
  });

  test('every kind of change, with a title', () => {
    expect(renderPlanMarkdown(mixedPlan(), { title: 'Registry changes for srv01' })).toMatchInlineSnapshot(`
"## Registry changes for srv01

**Plan:** 2 to create, 5 to update, 2 to delete. 0 unchanged.

### \`HKLM\\SOFTWARE\\Contoso\\App\` (32-bit view)

| Action | Value | Type | Before | After | Source |
| --- | --- | --- | --- | --- | --- |
| update | \`(Default)\` | REG_SZ | \`"Contoso"\` | \`"Contoso App"\` | \`test.yaml:3\` |
| update | \`Enabled\` | REG_SZ → REG_DWORD | \`"1"\` | \`1 (0x00000001)\` | \`test.yaml:4\` |
| update | \`Path\` | REG_EXPAND_SZ | \`"C:\\\\Program Files\\\\Contoso\\\\"\` | \`"%ProgramFiles%\\\\Contoso\\\\"\` | \`test.yaml:5\` |
| update | \`Servers\` | REG_MULTI_SZ | \`["b.example", "a.example"]\` | \`["a.example", "b.example"]\` | \`test.yaml:6\` |
| update | \`Limit\` | REG_QWORD | \`9007199254740992 (0x0020000000000000)\` | \`9007199254740993 (0x0020000000000001)\` | \`test.yaml:7\` |
| delete | \`Trailing\` | REG_SZ | \`"x  \\n"\` | — | \`test.yaml:8\` |

### Create key \`HKCU\\Software\\Contoso\`

Declared at \`test.yaml:10\`.

| Action | Value | Type | Before | After | Source |
| --- | --- | --- | --- | --- | --- |
| create | \`Blob\` | REG_BINARY | — | \`00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f … (40 bytes)\` | \`test.yaml:11\` |

### Delete key \`HKCU\\Software\\Contoso\\Cache\`

Deletes the key with everything under it (3 values, 1 subkey). Declared at \`test.yaml:13\`.
"
`);
  });

  test('no changes', () => {
    expect(renderPlanMarkdown({ changes: [], unchanged: 2 })).toMatchInlineSnapshot(`
"## regstate plan

No changes. The registry matches the desired state (2 declared items checked).
"
`);
  });

  test('pipes, backticks and line breaks in names and data stay inside their cells', () => {
    const nasty = ['a|b', 'back\\|slash\\', 'tick`s', '``double', 'line\nbreak\r\n', ' spaced ', 'end`'];
    const plan: Plan = {
      changes: nasty.map((name, i) => ({ action: 'update' as const, key: key('HKCU\\X'), name, before: sz(name), after: multiSz(name, '|'), source: at(i + 1, 1, 'dir|x/`f`.yaml') })),
      unchanged: 0,
    };
    const rows = renderPlanMarkdown(plan).split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| Action') && !line.startsWith('| ---'));
    expect(rows).toHaveLength(nasty.length);
    rows.forEach((row, i) => {
      const name = nasty[i] ?? '';
      const [action, value, type, before, after, source] = cells(row);
      expect(cells(row)).toHaveLength(6);
      expect(action).toBe('update');
      expect(codeText(value ?? '')).toBe(formatValueName(name));
      expect(type).toBe('REG_SZ → REG_MULTI_SZ');
      expect(codeText(before ?? '')).toBe(formatValueData(sz(name)));
      expect(codeText(after ?? '')).toBe(formatValueData(multiSz(name, '|')));
      expect(codeText(source ?? '')).toBe(`dir|x/\`f\`.yaml:${i + 1}`);
    });
  });

  test('codeSpan of data with 200,000 backtick runs: a fence one longer than the longest run', () => {
    const text = `${'a`'.repeat(200_000)}b\`\`\`c`;
    const span = codeSpan(text, false);
    expect(span.slice(0, 5)).toBe('````a');
    expect(codeText(span)).toBe(text);
  });

  test.each(['plain', 'a`b', '`lead', 'trail`', '``x```y', ' both ', ' lead'])('codeSpan %j reads back as the same text', (text) => {
    expect(codeText(codeSpan(text, false))).toBe(text);
  });
});
