import fc from 'fast-check';
import { RegstateError } from '../../src/errors.js';
import { parsePlanJson } from '../../src/plan/parse-plan-json.js';
import { renderPlanJson } from '../../src/plan/render-json.js';
import { mixedPlan, perUserPlan } from '../plan/fixtures.js';
import { runs } from './arbitraries.js';

// A saved plan is input like a config: whatever a hand edit or an attacker does to its JSON, reading
// it either gives a plan that is consistent (it renders and reads back the same) or refuses it with
// RegstateError diagnostics that name the file; never a crash, never a polluted prototype.

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

// one of every kind of change, and a per-user plan (its users: logged on, not, not reached, the default profile)
const PLANS = { mixed: mixedPlan, 'per-user': perUserPlan };

/** Every path to a node of the document (object keys and array indexes), the root excluded. */
function paths(node: Json, prefix: (string | number)[] = []): (string | number)[][] {
  if (node === null || typeof node !== 'object') return [];
  const entries: [string | number, Json][] = Array.isArray(node) ? node.map((v, i) => [i, v]) : Object.entries(node);
  return entries.flatMap(([k, v]) => [[...prefix, k], ...paths(v, [...prefix, k])]);
}

const hostileKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty');
const hostileString = fc.oneof(
  fc.string(),
  fc.constantFrom('HKLM', 'HKLM\\SOFTWARE', 'HKCU\\a\u0000b', 'HKLM\\SOFTWARE\\\u001b[2J', 'REG_OTHER', 'REG_DWORD', 'delete-key', 'create', '0g', '', '18446744073709551616'),
);
const replacement: fc.Arbitrary<Json> = fc.oneof(
  { weight: 3, arbitrary: hostileString },
  { weight: 2, arbitrary: fc.jsonValue() as fc.Arbitrary<Json> },
  { weight: 1, arbitrary: fc.constantFrom<Json>(null, -1, 4294967296, 1.5, [], {}, { type: 'REG_DWORD', data: 1 }) },
  { weight: 1, arbitrary: fc.tuple(hostileKey, fc.jsonValue()).map(([k, v]) => ({ [k]: v }) as Json) },
);

type Edit = { kind: 'replace' | 'delete' | 'duplicate' | 'add-key'; pick: number; value: Json; key: string };
const edit: fc.Arbitrary<Edit> = fc.record({
  kind: fc.constantFrom('replace', 'delete', 'duplicate', 'add-key'),
  pick: fc.nat(),
  value: replacement,
  key: fc.oneof(hostileKey, fc.string({ maxLength: 8 })),
});

function applyEdit(doc: Json, edit: Edit): Json {
  // A copy of the value for each edit: constantFrom hands out the same object every time, and a
  // later edit inside it would change every document it was put in (a cycle once it is put in itself).
  const e = { ...edit, value: JSON.parse(JSON.stringify(edit.value)) as Json };
  const all = paths(doc);
  const path = all[e.pick % all.length] as (string | number)[];
  const parent = path.slice(0, -1).reduce<Json>((node, k) => (node as Record<string, Json>)[k as string] as Json, doc) as Record<string, Json> | Json[];
  const last = path[path.length - 1] as string | number;
  if (e.kind === 'replace') (parent as Record<string, Json>)[last as string] = e.value;
  else if (e.kind === 'delete') Array.isArray(parent) ? parent.splice(last as number, 1) : delete parent[last as string];
  else if (e.kind === 'duplicate' && Array.isArray(parent)) parent.push(JSON.parse(JSON.stringify(parent[last as number])) as Json);
  else if (e.kind === 'add-key' && !Array.isArray(parent)) {
    const target = parent[last as string];
    if (target !== null && typeof target === 'object' && !Array.isArray(target)) Object.defineProperty(target, e.key, { value: e.value, enumerable: true, writable: true, configurable: true });
  }
  return doc;
}

describe('saved plans under mutation', () => {
  test.each(Object.keys(PLANS) as (keyof typeof PLANS)[])('%s: any edit is either a consistent plan or a RegstateError naming the file; nothing reaches a prototype', (name) => {
    const validDoc = (): Json => JSON.parse(renderPlanJson(PLANS[name]())) as Json;
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 3 }), (edits) => {
        const doc = edits.reduce(applyEdit, validDoc());
        const text = JSON.stringify(doc, null, 2);
        try {
          const plan = parsePlanJson(text, 'edited.json');
          accepted++;
          // accepted: the plan reads back as itself (nothing in it only half-understood)
          expect(parsePlanJson(renderPlanJson(plan), 'again.json')).toEqual(plan);
        } catch (error) {
          if (!(error instanceof RegstateError)) throw error;
          refused++;
          expect(error.diagnostics.length).toBeGreaterThan(0);
          for (const d of error.diagnostics) expect(`${d.source?.file ?? error.message}`).toMatch(/edited\.json/);
        }
        expect(Object.getPrototypeOf({})).toBe(Object.prototype);
        expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
        expect(Object.keys(Object.prototype)).toEqual([]);
      }),
      { numRuns: runs(300) },
    );
    // the edits reach both outcomes (a generator that only ever broke the JSON would prove little)
    expect(accepted).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(accepted / 10);
  });
});
