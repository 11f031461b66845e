import fc from 'fast-check';
import { RegstateError } from '../../src/errors.js';
import { parsePlanJson } from '../../src/plan/parse-plan-json.js';
import { renderPlanJson } from '../../src/plan/render-json.js';
import { mixedPlan, perUserPlan } from '../plan/fixtures.js';
import { runs } from './arbitraries.js';
import { type Json, applyJsonEdit, jsonEdit } from './json-mutation.js';

// A saved plan is input like a config: whatever a hand edit or an attacker does to its JSON, reading
// it either gives a plan that is consistent (it renders and reads back the same) or refuses it with
// RegstateError diagnostics that name the file; never a crash, never a polluted prototype.

// one of every kind of change, and a per-user plan (its users: logged on, not, not reached, the default profile)
const PLANS = { mixed: mixedPlan, 'per-user': perUserPlan };

// the plan format's own words and their near misses, and values of its fields' types
const edit = jsonEdit(
  ['HKLM', 'HKLM\\SOFTWARE', 'HKCU\\a\u0000b', 'HKLM\\SOFTWARE\\\u001b[2J', 'REG_OTHER', 'REG_DWORD', 'delete-key', 'create', '0g', '', '18446744073709551616'],
  [null, -1, 4294967296, 1.5, [], {}, { type: 'REG_DWORD', data: 1 }],
);

describe('saved plans under mutation', () => {
  test.each(Object.keys(PLANS) as (keyof typeof PLANS)[])('%s: any edit is either a consistent plan or a RegstateError naming the file; nothing reaches a prototype', (name) => {
    const validDoc = (): Json => JSON.parse(renderPlanJson(PLANS[name]())) as Json;
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 3 }), (edits) => {
        const doc = edits.reduce(applyJsonEdit, validDoc());
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
