import { planToJson, renderPlanJson } from '../../src/plan/render-json.js';
import { parsePlanJson, parsePlanJsonDocument } from '../../src/plan/parse-plan-json.js';
import type { Plan } from '../../src/plan/plan.js';
import { agpmPlan, mixedPlan } from './fixtures.js';
import { at, binary, key, none, qword } from '../builders.js';

describe('renderPlanJson', () => {
  test('the AGPM plan in the documented shape', () => {
    expect(renderPlanJson(agpmPlan())).toMatchInlineSnapshot(`
"{
  "formatVersion": 2,
  "changes": [
    {
      "action": "update",
      "key": "HKLM\\\\SOFTWARE\\\\Microsoft\\\\AGPM",
      "view": 64,
      "name": "EncryptSmtp",
      "before": {
        "type": "REG_DWORD",
        "data": 0
      },
      "after": {
        "type": "REG_DWORD",
        "data": 1
      },
      "source": {
        "file": "configs/agpm-email-security.yaml",
        "line": 12,
        "column": 9
      }
    },
    {
      "action": "create",
      "key": "HKLM\\\\SOFTWARE\\\\Microsoft\\\\AGPM",
      "view": 64,
      "name": "SmtpPort",
      "before": null,
      "after": {
        "type": "REG_DWORD",
        "data": 587
      },
      "source": {
        "file": "configs/agpm-email-security.yaml",
        "line": 16,
        "column": 9
      }
    }
  ],
  "summary": {
    "create": 1,
    "update": 1,
    "delete": 0,
    "unchanged": 3
  }
}
"
`);
  });

  test('key actions have a null name, delete-key carries its contents, 32-bit view and QWORD as text', () => {
    const doc = planToJson(mixedPlan());
    expect(doc.changes.find((c) => c.name === 'Limit')).toMatchObject({ key: 'HKLM\\SOFTWARE\\Contoso\\App', view: 32, after: { type: 'REG_QWORD', data: '9007199254740993' } });
    expect(doc.changes.filter((c) => c.action === 'create-key' || c.action === 'delete-key')).toEqual([
      { action: 'create-key', key: 'HKCU\\Software\\Contoso', view: 64, name: null, before: null, after: null, source: { file: 'test.yaml', line: 10, column: 5 } },
      { action: 'delete-key', key: 'HKCU\\Software\\Contoso\\Cache', view: 64, name: null, before: null, after: null, source: { file: 'test.yaml', line: 13, column: 5 }, contents: { values: 3, subkeys: 1 },
        subtree: [
          { path: '', values: [{ name: 'A', value: { type: 'REG_DWORD', data: 1 } }, { name: 'B', value: { type: 'REG_DWORD', data: 2 } }] },
          { path: 'Old', values: [{ name: 'C', value: { type: 'REG_DWORD', data: 3 } }] },
        ],
      },
    ]);
    expect(doc.summary).toEqual({ create: 2, update: 5, delete: 2, unchanged: 0 });
  });

  test('extra fields join the top level after the core ones, and may not replace them', () => {
    const text = renderPlanJson(agpmPlan(), { stats: { processes: 1, roundTrips: 2 } });
    expect(Object.keys(JSON.parse(text) as object)).toEqual(['formatVersion', 'changes', 'summary', 'stats']);
    expect(parsePlanJsonDocument(text, 'saved.json').extra).toEqual({ stats: { processes: 1, roundTrips: 2 } });
    expect(() => renderPlanJson(agpmPlan(), { summary: {} })).toThrow(/summary/);
  });
});

describe('parsePlanJson', () => {
  const exotic: Plan = {
    changes: [
      { action: 'create', key: key('HKLM\\SOFTWARE\\X', 32), name: '', before: null, after: qword(2n ** 64n - 1n), source: at(1, 1, 'C:\\configs\\x:y.yaml') },
      { action: 'update', key: key('HKCU\\X'), name: 'Bin', before: binary(0, 1, 255), after: none(), source: at(2) },
      { action: 'delete', key: key('HKCU\\X'), name: 'Link', before: { type: 'REG_OTHER', kind: 6, data: new Uint8Array([0x5c, 0]) }, after: null, source: at(3) },
      { action: 'update', key: key('HKCU\\X'), name: 'Big', before: qword(2n ** 53n), after: qword(2n ** 53n + 1n), source: at(4) },
    ],
    unchanged: 7,
  };

  test.each([
    ['AGPM', agpmPlan()],
    ['every action', mixedPlan()],
    ['bigint QWORD, binary, REG_OTHER, a Windows file name', exotic],
    ['no changes', { changes: [], unchanged: 3 }],
  ])('round-trips the %s plan exactly', (_name, plan) => {
    expect(parsePlanJson(renderPlanJson(plan), 'plan.json')).toStrictEqual(plan);
  });

  const valid = () => JSON.parse(renderPlanJson(mixedPlan(), { target: { backend: 'memory', name: 'm' } })) as Record<string, any>;
  test.each<[string, string | ((doc: Record<string, any>) => unknown), string, string?]>([
    ['not JSON', '{"formatVersion": 2,', 'not valid JSON'],
    ['not an object', '[]', 'JSON object'],
    ['an older format version', (d) => (d.formatVersion = 1), 'formatVersion: must be 2 or 3, found 1 (written by an older regstate; plan again)'],
    ['a newer format version', (d) => (d.formatVersion = 4), 'formatVersion: must be 2 or 3, found 4 (written by a newer regstate)'],
    ['no changes list', (d) => delete d.changes, 'changes'],
    ['unknown action', (d) => (d.changes[0].action = 'rename'), 'changes[0].action'],
    ['key without a hive', (d) => (d.changes[1].key = 'SOFTWARE\\X'), 'changes[1].key', 'KEY_PATH'],
    ['key with an empty component', (d) => (d.changes[1].key = 'HKLM\\SOFTWARE\\\\X'), 'changes[1].key', 'KEY_PATH'],
    ['bad view', (d) => (d.changes[2].view = 48), 'changes[2].view'],
    ['value change without a name', (d) => (d.changes[0].name = null), 'changes[0].name'],
    ['key change with a name', (d) => (d.changes[6].name = 'x'), 'changes[6].name'],
    ['create with a before', (d) => (d.changes[7].before = { type: 'REG_DWORD', data: 1 }), 'changes[7].before'],
    ['update without an after', (d) => delete d.changes[0].after, 'changes[0].after'],
    ['DWORD out of range', (d) => (d.changes[1].after.data = 2 ** 32), 'changes[1].after.data', 'VALUE_RANGE'],
    ['unknown value type', (d) => (d.changes[1].before.type = 'REG_FOO'), 'changes[1].before'],
    ['source as a string', (d) => (d.changes[0].source = 'test.yaml:3:5'), 'changes[0].source'],
    ['source line 0', (d) => (d.changes[0].source.line = 0), 'changes[0].source.line'],
    ['delete-key without contents', (d) => delete d.changes[8].contents, 'changes[8].contents'],
    ['negative contents', (d) => (d.changes[8].contents.values = -1), 'changes[8].contents.values'],
    ['summary that disagrees with the changes', (d) => (d.summary.create = 1), 'summary.create'],
    ['no unchanged count', (d) => delete d.summary.unchanged, 'summary.unchanged'],
  ])('rejects %s naming the file and the field', (_name, edit, field, code = 'PLAN_FILE') => {
    let text: string;
    if (typeof edit === 'string') text = edit;
    else {
      const doc = valid();
      edit(doc);
      text = JSON.stringify(doc);
    }
    let error: unknown;
    try {
      parsePlanJson(text, 'saved-plan.json');
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code });
    expect((error as Error).message).toContain('saved-plan.json');
    expect((error as Error).message).toContain(field);
  });

  test('the fixture has the change order the rejection table relies on', () => {
    expect(valid().changes.map((c: { action: string }) => c.action)).toEqual(['update', 'update', 'update', 'update', 'update', 'delete', 'create-key', 'create', 'delete-key']);
  });
});
