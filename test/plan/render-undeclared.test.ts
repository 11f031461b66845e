import { parsePlanJson } from '../../src/plan/parse-plan-json.js';
import { planChanges } from '../../src/plan/plan-changes.js';
import type { Plan } from '../../src/plan/plan.js';
import { renderPlanJson } from '../../src/plan/render-json.js';
import { renderPlanMarkdown } from '../../src/plan/render-markdown.js';
import { renderPlanText } from '../../src/plan/render-text.js';
import { agpmPlan } from './fixtures.js';
import { at, desiredState, dword, key, liveKey, liveState, multiSz, present, presentKey, sz } from '../builders.js';

const FILE = 'configs/agpm.yaml';
const AGPM = 'HKLM\\SOFTWARE\\Microsoft\\AGPM';

/** A drift plus two undeclared values at AGPM, one of them unreadable. */
function listedPlan(changes = true): Plan {
  const desired = desiredState({ ...presentKey(AGPM, [present('EncryptSmtp', dword(1), at(13, 9, FILE))], at(10, 11, FILE)), undeclared: 'show' });
  const live = liveState({
    ...liveKey(AGPM, { EncryptSmtp: dword(changes ? 0 : 1), Servers: multiSz('a', 'b'), 'Log\u001b[31m': sz('x') }),
    unreadable: [{ name: 'Link', code: 'UNSUPPORTED_KIND', message: 'kind 6' }],
  });
  return planChanges(desired, live);
}

/** An exclusive key that deletes one value. */
function exclusivePlan(): Plan {
  const desired = desiredState({
    ...presentKey(AGPM, [present('EncryptSmtp', dword(1), at(13, 9, FILE))], at(10, 11, FILE)),
    undeclared: 'show',
    exclusive: { mode: 'subkeys', maxUndeclared: 50, force: false, source: at(11, 16, FILE) },
  });
  return planChanges(desired, liveState(liveKey(AGPM, { EncryptSmtp: dword(1), Old: sz('o') })));
}

describe('undeclared values in the text plan', () => {
  test('a section after the summary, each value marked ?, control characters escaped, unreadable ones with why', () => {
    expect(renderPlanText(listedPlan(), { color: false })).toMatchInlineSnapshot(`
"regstate will perform the following actions:

  ~ HKLM\\SOFTWARE\\Microsoft\\AGPM
      ~ EncryptSmtp  REG_DWORD  0 (0x00000000) → 1 (0x00000001)  # configs/agpm.yaml:13

Plan: 0 to create, 1 to update, 0 to delete. 0 unchanged.

Undeclared values (?): on the target, declared by no config, left as they are (not changes):

  ? HKLM\\SOFTWARE\\Microsoft\\AGPM  # configs/agpm.yaml:10
      ? Servers          REG_MULTI_SZ  ["a", "b"]
      ? "Log\\u001b[31m"  REG_SZ        "x"
      ? Link             unreadable    UNSUPPORTED_KIND: kind 6

3 undeclared values at 1 key; exclusive: true on a key deletes them, undeclared: ignore stops listing them.
"
`);
  });

  test('with no changes the plan still says so first', () => {
    expect(renderPlanText(listedPlan(false), { color: false })).toMatch(/^No changes\. The registry matches the desired state \(1 declared item checked\)\.\n\nUndeclared values/);
  });

  test('a plan without undeclared values reads exactly as before', () => {
    const plan = agpmPlan();
    expect(plan.undeclared).toBeUndefined();
    expect(renderPlanText(plan, { color: false })).toMatch(/unchanged\.\n$/);
  });

  test('the deletions of an exclusive key are ordinary changes at the line of exclusive', () => {
    expect(renderPlanText(exclusivePlan(), { color: false })).toContain('      - Old  REG_SZ  "o"  # configs/agpm.yaml:11\n');
  });
});

describe('undeclared values in Markdown', () => {
  test('a section of its own, one table per key', () => {
    expect(renderPlanMarkdown(listedPlan(false))).toMatchInlineSnapshot(`
"## regstate plan

No changes. The registry matches the desired state (1 declared item checked).

### Undeclared values

3 undeclared values at 1 key: on the target, declared by no config, left as they are (not changes).

#### \`HKLM\\SOFTWARE\\Microsoft\\AGPM\`

Declared at \`configs/agpm.yaml:10\`.

| Value | Type | Data |
| --- | --- | --- |
| \`Servers\` | REG_MULTI_SZ | \`["a", "b"]\` |
| \`"Log\\u001b[31m"\` | REG_SZ | \`"x"\` |
| \`Link\` | unreadable | \`UNSUPPORTED_KIND: kind 6\` |
"
`);
  });
});

describe('undeclared values and exclusive keys in JSON', () => {
  test('separate lists, not changes; the summary does not count them', () => {
    const doc = JSON.parse(renderPlanJson(listedPlan()));
    expect(doc.summary).toEqual({ create: 0, update: 1, delete: 0, unchanged: 0 });
    expect(doc.undeclared).toEqual([
      {
        key: AGPM,
        view: 64,
        values: [
          { name: 'Servers', value: { type: 'REG_MULTI_SZ', data: ['a', 'b'] } },
          { name: 'Log\u001b[31m', value: { type: 'REG_SZ', data: 'x' } },
          { name: 'Link', unreadable: { code: 'UNSUPPORTED_KIND', message: 'kind 6' } },
        ],
        subkeys: [],
        source: { file: FILE, line: 10, column: 11 },
      },
    ]);
    expect(doc.exclusiveKeys).toBeUndefined();
  });

  test('a plan without them has neither field and is formatVersion 2, as older regstate reads it', () => {
    expect(Object.keys(JSON.parse(renderPlanJson(agpmPlan())))).toEqual(['formatVersion', 'changes', 'summary']);
    expect(JSON.parse(renderPlanJson(agpmPlan())).formatVersion).toBe(2);
  });

  test('a plan carrying undeclared values or exclusive keys is formatVersion 3, so a regstate reading only 2 refuses it', () => {
    expect(JSON.parse(renderPlanJson(listedPlan())).formatVersion).toBe(3);
    // no drift, only undeclared values listed: still 3
    expect(JSON.parse(renderPlanJson(listedPlan(false))).formatVersion).toBe(3);
    // an exclusive key and nothing undeclared left
    expect(exclusivePlan().undeclared).toBeUndefined();
    expect(JSON.parse(renderPlanJson(exclusivePlan())).formatVersion).toBe(3);
  });

  test.each([
    ['undeclared values', () => listedPlan(), 'undeclared'],
    ['an exclusive key', () => exclusivePlan(), 'exclusiveKeys'],
  ])('a formatVersion 2 plan carrying %s is refused at that field', (_, plan, field) => {
    const doc = JSON.parse(renderPlanJson(plan())) as Record<string, any>;
    doc.formatVersion = 2;
    expect(() => parsePlanJson(JSON.stringify(doc, null, 2), 'old.json')).toThrow(
      expect.objectContaining({ code: 'PLAN_FILE', message: expect.stringMatching(new RegExp(`^old\\.json:\\d+:\\d+: ${field}: a plan of formatVersion 2 cannot carry ${field}: .* as formatVersion 3 \\(plan again\\)`)) }),
    );
  });

  test('formatVersion 3 without either field reads as the plan it is; 2 without them reads as before', () => {
    const doc = JSON.parse(renderPlanJson(agpmPlan())) as Record<string, any>;
    expect(parsePlanJson(JSON.stringify(doc), 'two.json')).toEqual(agpmPlan());
    doc.formatVersion = 3;
    expect(parsePlanJson(JSON.stringify(doc), 'three.json')).toEqual(agpmPlan());
  });

  test('a plan read back keeps both lists exactly', () => {
    for (const plan of [listedPlan(), exclusivePlan()]) {
      const back = parsePlanJson(renderPlanJson(plan), 'plan.json');
      expect(back.undeclared).toEqual(plan.undeclared);
      expect(back.exclusive).toEqual(plan.exclusive);
      expect(renderPlanJson(back)).toBe(renderPlanJson(plan));
    }
    expect(exclusivePlan().exclusive).toEqual([{ key: key(AGPM), mode: 'subkeys', values: ['EncryptSmtp', 'Old'], subkeys: [], source: at(11, 16, FILE) }]);
  });

  test.each<[string, (d: Record<string, any>) => unknown, string, string]>([
    ['an exclusive key on a hive root', (d) => (d.exclusiveKeys[0].key = 'HKLM'), 'KEY_PATH', 'exclusiveKeys[0].key: key path "HKLM" is a hive root'],
    ['an unknown mode', (d) => (d.exclusiveKeys[0].mode = 'all'), 'PLAN_FILE', 'exclusiveKeys[0].mode: must be "values" or "subkeys"'],
    ['a name that is not a string', (d) => (d.exclusiveKeys[0].values[1] = 7), 'PLAN_FILE', 'exclusiveKeys[0].values[1]: must be a string'],
    ['an unknown field', (d) => (d.exclusiveKeys[0].extra = 1), 'PLAN_FILE', 'exclusiveKeys[0].extra: is not a field here'],
    ['not a list', (d) => (d.exclusiveKeys = {}), 'PLAN_FILE', 'exclusiveKeys: must be a list'],
  ])('a hand-edited exclusiveKeys list is refused: %s', (_, edit, code, message) => {
    const doc = JSON.parse(renderPlanJson(exclusivePlan())) as Record<string, any>;
    edit(doc);
    expect(() => parsePlanJson(JSON.stringify(doc, null, 2), 'edited.json')).toThrow(expect.objectContaining({ code, message: expect.stringMatching(new RegExp(`^edited\\.json:\\d+:\\d+: ${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`)) }));
  });

  test('a hand-edited undeclared value is checked like a subtree value', () => {
    const doc = JSON.parse(renderPlanJson(listedPlan())) as Record<string, any>;
    doc.undeclared[0].values[0].value = { type: 'REG_DWORD', data: -1 };
    expect(() => parsePlanJson(JSON.stringify(doc, null, 2), 'edited.json')).toThrow(expect.objectContaining({ code: 'PLAN_FILE', message: expect.stringContaining('undeclared[0].values[0].value: is not a valid value') }));
  });
});
