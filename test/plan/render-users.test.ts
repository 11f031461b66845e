import { parsePlanJson } from '../../src/plan/parse-plan-json.js';
import type { Plan } from '../../src/plan/plan.js';
import { renderPlanJson } from '../../src/plan/render-json.js';
import { renderPlanMarkdown } from '../../src/plan/render-markdown.js';
import { renderPlanText } from '../../src/plan/render-text.js';
import { ALICE, BOB, CAROL, perUserPlan, planUsers } from './fixtures.js';

const users = planUsers;
const plan = perUserPlan;

describe('per-user keys in the rendered plan', () => {
  test('text: each user first, then each key with its user; a key of no user is shown as before', () => {
    expect(renderPlanText(plan(), { color: false })).toMatchInlineSnapshot(`
"Per-user keys apply to 4 users (1 not reached: its hive could not be read, nothing is planned for it):
  ✓ S-1-5-21-7-1001  CONTOSO\\alice
  ✓ S-1-5-21-7-1002  unknown account, not logged on
  ✗ S-1-5-21-7-1003  CONTOSO\\carol, not logged on: not reached, PROFILE_UNAVAILABLE: C:\\Users\\carol\\NTUSER.DAT is in use by another process
  ✓ <Default>        default profile

regstate will perform the following actions:

  ~ HKU\\S-1-5-21-7-1001\\Software\\X [CONTOSO\\alice]
      ~ Mode  REG_DWORD  0 (0x00000000) → 1 (0x00000001)  # test.yaml:6

  + HKU\\S-1-5-21-7-1002\\Software\\X [unknown account, not logged on]  # test.yaml:3
      + Mode  REG_DWORD  1 (0x00000001)  # test.yaml:6

  ~ HKLM\\SOFTWARE\\Y
      + Mode  REG_DWORD  1 (0x00000001)  # test.yaml:9

Plan: 3 to create, 1 to update, 0 to delete. 1 unchanged.
"
`);
  });

  test('text without changes still lists the users; no profile selected says so', () => {
    expect(renderPlanText({ changes: [], unchanged: 2, users: users().slice(0, 1) }, { color: false })).toMatch(/^Per-user keys apply to 1 user:\n {2}✓ S-1-5-21-7-1001 {2}CONTOSO\\alice\n\nNo changes\./);
    expect(renderPlanText({ changes: [], unchanged: 0, users: [] }, { color: false })).toMatch(/^Per-user keys: no user profile of the target is selected, so they apply to no one\.\n\nNo changes\./);
  });

  test('Markdown: a Users table, and each key heading names its user', () => {
    const md = renderPlanMarkdown(plan());
    expect(md).toContain('| `S-1-5-21-7-1002` | `unknown account, not logged on` | planned |');
    expect(md).toContain('| `S-1-5-21-7-1003` | `CONTOSO\\carol, not logged on` | not reached: `PROFILE_UNAVAILABLE: C:\\Users\\carol\\NTUSER.DAT is in use by another process` |');
    expect(md).toContain('### `HKU\\S-1-5-21-7-1001\\Software\\X` for `CONTOSO\\alice`');
    expect(md).toContain('### Create key `HKU\\S-1-5-21-7-1002\\Software\\X` for `unknown account, not logged on`');
  });

  test('an account name from the target cannot reach the terminal as control characters', () => {
    const hostile: Plan = { changes: [], unchanged: 0, users: [{ sid: ALICE, account: 'EVIL\\\u001b]0;pwned\u0007x', loaded: true, kind: 'user' }] };
    const text = renderPlanText(hostile, { color: false });
    expect(text).not.toMatch(/[\u001b\u0007]/);
    expect(text).toContain('EVIL\\\\u001b]0;pwned\\u0007x');
    expect(renderPlanMarkdown(hostile)).not.toMatch(/[\u001b\u0007]/);
  });

  test('JSON: a users list read back exactly by the saved-plan reader', () => {
    const text = renderPlanJson(plan());
    const doc = JSON.parse(text);
    expect(doc.users).toEqual([
      { sid: ALICE, account: 'CONTOSO\\alice', loaded: true, kind: 'user' },
      { sid: BOB, account: null, loaded: false, kind: 'user' },
      { sid: CAROL, account: 'CONTOSO\\carol', loaded: false, kind: 'user', unavailable: users()[2]?.unavailable },
      { sid: '<Default>', account: null, loaded: false, kind: 'default' },
    ]);
    expect(parsePlanJson(text, 'plan.json').users).toEqual(users());
    expect(JSON.parse(renderPlanJson({ changes: [], unchanged: 0 }))).not.toHaveProperty('users');
  });

  test('JSON: SYSTEM and a default profile written in another case are read back', () => {
    const doc = JSON.parse(renderPlanJson(plan()));
    doc.users[0].sid = 'S-1-5-18';
    doc.users[3].sid = '<default>';
    const read = parsePlanJson(JSON.stringify(doc), 'plan.json').users;
    expect(read?.map((u) => u.sid)).toEqual(['S-1-5-18', BOB, CAROL, '<default>']);
  });

  test.each<[string, (u: Record<string, unknown>[]) => unknown, string]>([
    ['a SID that is no SID', (u) => (u[0]!.sid = '..\\x'), 'users[0].sid'],
    ['a SID without a sub-authority, as no profile is named', (u) => (u[0]!.sid = 'S-1-5'), 'users[0].sid'],
    ['a profile left-over, which the targets never list', (u) => (u[1]!.sid = 'S-1-5-21-1-2-3-1001.bak'), 'users[1].sid'],
    ['an unknown field', (u) => (u[1]!.__proto__x = 1), 'users[1].__proto__x'],
    ['a kind not known', (u) => (u[2]!.kind = 'admin'), 'users[2].kind'],
    ['loaded not a boolean', (u) => (u[3]!.loaded = 'yes'), 'users[3].loaded'],
    ['an unavailable reason with extra fields', (u) => (u[2]!.unavailable = { code: 'X', message: 'm', extra: 1 }), 'users[2].unavailable'],
  ])('a hand-edited users list is refused: %s', (_, edit, path) => {
    const doc = JSON.parse(renderPlanJson(plan()));
    edit(doc.users);
    expect(() => parsePlanJson(JSON.stringify(doc, null, 2), 'edited.json')).toThrow(expect.objectContaining({ code: 'PLAN_FILE', message: expect.stringContaining(path) }));
  });
});
