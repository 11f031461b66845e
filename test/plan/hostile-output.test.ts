import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { escapeControl } from '../../src/model/display-text.js';
import type { Plan } from '../../src/plan/plan.js';
import { renderPlanMarkdown } from '../../src/plan/render-markdown.js';
import { renderPlanText } from '../../src/plan/render-text.js';
import { loadTextWidth } from '../../src/model/text-width.js';
import { renderSavedPlan } from '../../src/plan/saved-plan.js';
import { runInProcess } from '../fuzz/run-in-process.js';
import { at, dword, key, multiSz, sz } from '../builders.js';

/** What a terminal may act on: C0 except the line break, DEL, C1, bidi controls. */
export const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

const ESC = '\u001b]0;owned\u0007\u001b[2J';
const hostilePlan = (): Plan => ({
  unchanged: 0,
  changes: [
    { action: 'create-key', key: key(`HKLM\\SOFTWARE\\E${ESC}`), before: null, after: null, source: at(2, 5, `pr${ESC}.yaml`) },
    { action: 'create', key: key(`HKLM\\SOFTWARE\\E${ESC}`), name: `n\u202eame\u009b`, before: null, after: sz(`data${ESC}`), source: at(3, 5, `pr${ESC}.yaml`) },
    { action: 'update', key: key('HKLM\\SOFTWARE\\F\u2066'), name: 'm', before: multiSz('a'), after: multiSz(`b${ESC}`, 'c\u202e'), source: at(4, 5, 'x\u0085.yaml') },
  ],
});

describe('escape sequences in a plan never reach the terminal raw', () => {
  test('escapeControl writes C0, DEL, C1 and bidi controls as escapes and leaves other text alone', () => {
    expect(escapeControl('a\u001b[31mb\u007f\u009b\u202e\u2067c\n\tü한')).toBe('a\\u001b[31mb\\u007f\\u009b\\u202e\\u2067c\\n\\tü한');
  });

  test('text plan', () => {
    const text = renderPlanText(hostilePlan(), { color: false });
    expect(text).not.toMatch(UNSAFE);
    expect(text).toContain('pr\\u001b]0;owned\\u0007\\u001b[2J.yaml:3');
  });

  test('markdown plan', () => {
    expect(renderPlanMarkdown(hostilePlan())).not.toMatch(UNSAFE);
  });

  test('show prints a hostile saved plan escaped in text and markdown, and exact in JSON', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'regstate-hostile-'));
    try {
      const saved = renderSavedPlan(hostilePlan(), { createdAt: 'now', target: { backend: 'regfile', file: `/t${ESC}.reg` }, configs: [] });
      await writeFile(join(dir, 'plan.json'), saved);
      // Key paths with control characters are refused when the plan is read; the refusal is printed escaped.
      const refused = await runInProcess(['show', 'plan.json'], dir);
      expect(refused.exitCode).toBe(1);
      expect(refused.stderr).toContain('E\\u001b]0;owned');
      expect(refused.stderr).not.toMatch(UNSAFE);
      // Names and data may hold them: shown escaped.
      const plan = hostilePlan();
      plan.changes = plan.changes.map((c, i) => ({ ...c, key: key(i < 2 ? 'HKLM\\SOFTWARE\\E' : 'HKLM\\SOFTWARE\\F') }));
      await writeFile(join(dir, 'plan.json'), renderSavedPlan(plan, { createdAt: 'now', target: { backend: 'regfile', file: `/t${ESC}.reg` }, configs: [] }));
      for (const format of ['text', 'markdown']) {
        const shown = await runInProcess(['show', 'plan.json', '--format', format], dir);
        expect(shown).toMatchObject({ exitCode: 0, stderr: '' });
        expect(shown.stdout).not.toMatch(UNSAFE);
      }
      const json = await runInProcess(['show', 'plan.json', '--format', 'json'], dir);
      expect(JSON.parse(json.stdout).changes[1].name).toBe('n\u202eame\u009b');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('an error naming a file with escape sequences in its name is printed escaped', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'regstate-hostile-'));
    try {
      const name = `c${ESC}.yaml`;
      await writeFile(join(dir, name), `version: 1\nkeys:\n  - path: "HKLM\\\\X\\u001b"\n    values: [{name: "v\\u009b", type: REG_DWORD, data: "0x${ESC}"}]\n`);
      const result = await runInProcess(['validate', name], dir);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toContain('c\\u001b]0;owned');
      expect(result.stderr).not.toMatch(UNSAFE);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('columns line up by display width', () => {
  // exact widths, as the library and the CLI (measuredText) render them
  beforeAll(loadTextWidth);

  test('a Korean value name takes two cells a character', () => {
    const plan: Plan = {
      unchanged: 0,
      changes: [
        { action: 'create', key: key('HKLM\\SOFTWARE\\AGPM'), name: '암호화', before: null, after: dword(1), source: at(3) },
        { action: 'create', key: key('HKLM\\SOFTWARE\\AGPM'), name: 'Port', before: null, after: dword(587), source: at(4) },
      ],
    };
    const rows = renderPlanText(plan, { color: false }).split('\n').filter((l) => l.includes('REG_DWORD'));
    expect(rows).toEqual([
      '      + 암호화  REG_DWORD  1 (0x00000001)    # test.yaml:3',
      '      + Port    REG_DWORD  587 (0x0000024b)  # test.yaml:4',
    ]);
  });
});
