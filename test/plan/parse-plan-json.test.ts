import { parsePlanJson } from '../../src/plan/parse-plan-json.js';
import { renderPlanJson } from '../../src/plan/render-json.js';
import { parseSavedPlan, renderSavedPlan } from '../../src/plan/saved-plan.js';
import { mixedPlan } from './fixtures.js';

// The mixed plan as JSON: changes[0..4] update HKLM\SOFTWARE\Contoso\App (32-bit), [5] deletes a value
// there, [6] creates HKCU\Software\Contoso, [7] creates a value in it, [8] deletes ...\Contoso\Cache.
const valid = () => JSON.parse(renderPlanJson(mixedPlan())) as Record<string, any>;

function refusal(text: string, file = 'edited.json'): { code: string; message: string; diagnostics: { code: string; source?: { line: number; column: number } }[] } {
  try {
    parsePlanJson(text, file);
  } catch (e) {
    return e as ReturnType<typeof refusal>;
  }
  throw new Error('the plan was accepted');
}

const edited = (edit: (d: Record<string, any>) => unknown) => {
  const doc = valid();
  edit(doc);
  return JSON.stringify(doc, null, 2);
};

describe('a hand-edited plan is validated like a config', () => {
  test.each<[string, (d: Record<string, any>) => unknown, string, string]>([
    ['a write to a hive root', (d) => (d.changes[7].key = 'HKCU'), 'KEY_PATH', 'changes[7].key: key path "HKCU" is a hive root'],
    ['a delete of a hive root', (d) => (d.changes[8].key = 'HKLM'), 'KEY_PATH', 'changes[8].key: key path "HKLM" is a hive root'],
    ['a key name longer than 255', (d) => (d.changes[6].key = `HKCU\\${'k'.repeat(256)}`), 'KEY_PATH', 'changes[6].key: key name'],
    ['a control character in a key path', (d) => (d.changes[6].key = 'HKCU\\a\u0007b'), 'KEY_PATH', 'control character (U+0007)'],
    ['a value name longer than 16383', (d) => (d.changes[7].name = 'n'.repeat(16384)), 'VALUE_NAME', 'changes[7].name: value name is 16384 characters long'],
    ['an empty REG_MULTI_SZ entry to write', (d) => (d.changes[3].after = { type: 'REG_MULTI_SZ', data: ['a', ''] }), 'SCHEMA', 'changes[3].after.data[1]: REG_MULTI_SZ entries must not be empty'],
    ['a REG_OTHER to write', (d) => (d.changes[1].after = { type: 'REG_OTHER', kind: 6, data: '00' }), 'SCHEMA', 'changes[1].after.type: must be a type regstate writes'],
    ['bad hex to write', (d) => (d.changes[7].after.data = '0g'), 'HEX_SYNTAX', 'changes[7].after.data: REG_BINARY data is not valid hex'],
    ['a field a change does not have', (d) => (d.changes[0].extra = 1), 'PLAN_FILE', 'changes[0].extra: is not a field of a change'],
    ['contents that do not match the recorded subtree', (d) => (d.changes[8].contents = { values: 0, subkeys: 0 }), 'PLAN_FILE', 'changes[8].contents.values: is 0 but the recorded subtree holds 3'],
    ['a delete-key without its subtree', (d) => delete d.changes[8].subtree, 'PLAN_FILE', 'changes[8].subtree: must be the list of keys'],
    ['a subtree key before its parent', (d) => d.changes[8].subtree.reverse(), 'PLAN_FILE', 'changes[8].subtree'],
  ])('refuses %s (%s), naming the path', (_name, edit, code, message) => {
    const error = refusal(edited(edit));
    expect(error.code).toBe(code);
    expect(error.message).toContain(message);
    expect(error.message).toMatch(/^edited\.json:\d+:\d+: /);
  });

  test.each<[string, (d: Record<string, any>) => unknown, string, string]>([
    ['an update and a delete of one value', (d) => d.changes.push({ ...d.changes[1], action: 'delete', after: null }), 'CONFLICT', 'changes[9]: delete of value "Enabled" of key HKLM\\SOFTWARE\\Contoso\\App (32-bit view) contradicts changes[1] (update'],
    ['the same create twice', (d) => d.changes.push(d.changes[7]), 'DUPLICATE', 'changes[9]: create of value "Blob" of key HKCU\\Software\\Contoso repeats changes[7]'],
    ['the same value under another spelling', (d) => d.changes.push({ ...d.changes[7], key: 'HKEY_CURRENT_USER\\SOFTWARE\\contoso', name: 'BLOB' }), 'DUPLICATE', 'changes[9]'],
    ['a value written under a key the plan deletes', (d) => d.changes.push({ ...d.changes[7], key: 'HKCU\\Software\\Contoso\\Cache\\Old' }), 'CONFLICT', 'changes[9]: create of value "Blob" of key HKCU\\Software\\Contoso\\Cache\\Old lies at or under the key that changes[8] deletes'],
    ['a key created and deleted', (d) => d.changes.push({ ...d.changes[6], key: 'HKCU\\Software\\Contoso\\Cache' }), 'CONFLICT', 'changes[9]: create-key of key HKCU\\Software\\Contoso\\Cache contradicts changes[8]'],
    ['an update in a key the plan creates', (d) => d.changes.push({ ...d.changes[1], key: 'HKCU\\Software\\Contoso', view: 64 }), 'CONFLICT', 'needs the value to exist, but changes[6] creates its key'],
  ])('refuses contradictory changes: %s', (_name, edit, code, message) => {
    const doc = valid();
    edit(doc);
    doc.summary = undefined;
    const error = refusal(JSON.stringify(doc));
    expect(error.code).toBe(code);
    expect(error.message).toContain(message);
  });

  test('every problem is reported at once, each at its line and column', () => {
    const text = edited((d) => {
      d.changes[6].key = 'HKCU';
      d.changes[7].name = 7;
    });
    const error = refusal(text);
    const lines = text.split('\n');
    const at = (needle: string) => ({ line: lines.findIndex((l) => l.includes(needle)) + 1, column: (lines.find((l) => l.includes(needle)) ?? '').indexOf(needle.split(': ')[1] ?? '') + 1 });
    expect(error.diagnostics.map((d) => [d.code, d.source?.line, d.source?.column])).toEqual([
      ['KEY_PATH', at('"key": "HKCU"').line, at('"key": "HKCU"').column],
      ['PLAN_FILE', at('"name": 7').line, at('"name": 7').column],
    ]);
  });

  test.each([
    ['{\n  "formatVersion": 2,\n  "changes" []\n}', 'edited.json:3:13: not valid JSON'],
    ['{\n  "formatVersion": 2,\n  "changes": [,]\n}', 'edited.json:3:15: not valid JSON'],
  ])('a JSON syntax error names its line and column: %j', (text, message) => {
    const error = refusal(text);
    expect(error).toMatchObject({ code: 'PLAN_FILE' });
    expect(error.message.startsWith(message)).toBe(true);
  });

  test.each(['__proto__', 'constructor', 'prototype'])('a %s field is refused with its path, and no object gets a prototype from the document', (field) => {
    const text = edited((d) => (d.changes[0].source = JSON.parse(`{"file": "x", "line": 1, "column": 1, "${field}": {"polluted": true}}`)));
    const error = refusal(text);
    expect(error.code).toBe('PLAN_FILE');
    expect(error.message).toContain(`changes[0].source.${field}: the field name "${field}" is not allowed`);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('a saved plan\'s own fields are checked with their paths', () => {
    const text = renderSavedPlan(mixedPlan(), { createdAt: 'now', target: { backend: 'memory', name: 'm' }, configs: [{ path: 'a.yaml', sha256: 'x' }] });
    expect(() => parseSavedPlan(text, 'saved.json')).toThrow(expect.objectContaining({ code: 'PLAN_FILE', message: expect.stringMatching(/^saved\.json:\d+:\d+: configs\[0\]\.sha256: must be 64 lowercase hex digits/) }));
    const target = JSON.parse(text);
    target.target = { backend: 'regfile' };
    target.configs[0].sha256 = 'a'.repeat(64);
    expect(() => parseSavedPlan(JSON.stringify(target), 'saved.json')).toThrow(expect.objectContaining({ message: expect.stringContaining('target: must name a valid target') }));
  });

  test('a key written twice in one object is refused at the second, not silently the last one kept', () => {
    const text = renderSavedPlan(mixedPlan(), { createdAt: 'now', target: { backend: 'memory', name: 'm' }, configs: [] });
    // the first change's action, given again: JSON.parse would take "delete" and never say so
    const twice = text.replace(/("action": "[a-z-]+",)/, '$1\n      "action": "delete",');
    const line = twice.slice(0, twice.indexOf('"action": "delete"')).split('\n').length;
    expect(() => parseSavedPlan(twice, 'saved.json')).toThrow(expect.objectContaining({ code: 'PLAN_FILE', source: { file: 'saved.json', line, column: 7 }, message: expect.stringMatching(/^saved\.json:\d+:7: the key "action" appears twice in one object/) }));
    // the same key in two different objects is no duplicate
    expect(parseSavedPlan(text, 'saved.json').plan.changes).toHaveLength(mixedPlan().changes.length);
  });
});

