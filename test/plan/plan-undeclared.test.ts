import type { DesiredKey, ExclusiveOption } from '../../src/model/desired-state.js';
import { LiveState, type LiveKey } from '../../src/model/live-state.js';
import { planChanges, readRequestsFor, readRequestsForPlan } from '../../src/plan/plan-changes.js';
import { summarizePlan } from '../../src/plan/plan.js';
import { absent, absentKey, at, desiredState, dword, key, liveKey, liveState, missingKey, present, presentKey, sz } from '../builders.js';

const K = 'HKLM\\SOFTWARE\\Contoso\\App';
const exclusiveAt = at(4, 16);

function exclusiveKey(mode: ExclusiveOption['mode'], values = [present('Keep', dword(1), at(6))], options: Partial<ExclusiveOption> = {}): DesiredKey {
  return { ...presentKey(K, values, at(3, 11)), undeclared: 'show', exclusive: { mode, maxUndeclared: 50, force: false, source: exclusiveAt, ...options } };
}

const shown = (k: DesiredKey): DesiredKey => ({ ...k, undeclared: 'show' });

function unreadableKey(k: string, values: Record<string, ReturnType<typeof sz>>, unreadable: string[], subkeys: string[] = []): LiveKey {
  return { ...liveKey(k, values, subkeys), unreadable: unreadable.map((name) => ({ name, code: 'UNSUPPORTED_KIND', message: 'kind 6 cannot be read' })) };
}

describe('undeclared values are listed, never changes', () => {
  test('a managed key lists the values no config declares, in the order read; the plan has no changes', () => {
    const desired = desiredState(shown(presentKey(K, [present('Keep', dword(1))])));
    const plan = planChanges(desired, liveState(liveKey(K, { Keep: dword(1), Extra: sz('x'), other: dword(7) })));
    expect(plan.changes).toEqual([]);
    expect(summarizePlan(plan)).toEqual({ create: 0, update: 0, delete: 0, unchanged: 1 });
    expect(plan.undeclared).toEqual([{ key: key(K), values: [{ name: 'Extra', value: sz('x') }, { name: 'other', value: dword(7) }], subkeys: [], source: at(1) }]);
  });

  test('names compare case-insensitively; a value declared absent is declared', () => {
    const desired = desiredState(shown(presentKey(K, [present('KEEP', dword(1)), absent('gone')])));
    const plan = planChanges(desired, liveState(liveKey(K, { keep: dword(1), GONE: sz('x') })));
    expect(plan.changes.map((c) => c.action)).toEqual(['delete']);
    expect(plan.undeclared).toBeUndefined();
  });

  test('unreadable undeclared values are listed with why they cannot be read', () => {
    const plan = planChanges(desiredState(shown(presentKey(K))), liveState(unreadableKey(K, { A: sz('a') }, ['Link'])));
    expect(plan.undeclared?.[0]?.values).toEqual([{ name: 'A', value: sz('a') }, { name: 'Link', unreadable: { code: 'UNSUPPORTED_KIND', message: 'kind 6 cannot be read' } }]);
  });

  test.each([
    ['undeclared: ignore', { ...presentKey(K), undeclared: 'ignore' as const }],
    ['a state not from a config (rollback)', presentKey(K)],
  ])('%s lists nothing', (_, k) => {
    expect(planChanges(desiredState(k), liveState(liveKey(K, { Extra: sz('x') }))).undeclared).toBeUndefined();
  });

  test('a key that does not exist, or is declared absent, lists nothing', () => {
    expect(planChanges(desiredState(shown(presentKey(K))), liveState(missingKey(K))).undeclared).toBeUndefined();
    const deleted = planChanges(desiredState(absentKey(K)), liveState(liveKey(K, { Extra: sz('x') })));
    expect(deleted.undeclared).toBeUndefined();
  });
});

describe('exclusive: true', () => {
  test('deletes each undeclared value after the declared changes, at the config line of exclusive; records what the key held', () => {
    const plan = planChanges(desiredState(exclusiveKey('values')), liveState(liveKey(K, { Keep: dword(0), Extra: sz('x') }, ['Sub'])));
    expect(plan.changes).toEqual([
      { action: 'update', key: key(K), name: 'Keep', before: dword(0), after: dword(1), source: at(6) },
      { action: 'delete', key: key(K), name: 'Extra', before: sz('x'), after: null, source: exclusiveAt },
    ]);
    expect(plan.undeclared).toBeUndefined();
    expect(plan.exclusive).toEqual([{ key: key(K), mode: 'values', values: ['Keep', 'Extra'], subkeys: [], source: exclusiveAt }]);
  });

  test('a key to create has nothing undeclared', () => {
    const plan = planChanges(desiredState(exclusiveKey('values')), liveState(missingKey(K)));
    expect(plan.changes.map((c) => c.action)).toEqual(['create-key', 'create']);
    expect(plan.exclusive).toBeUndefined();
  });

  test('the deletions count as changes (toward --max-changes)', () => {
    const plan = planChanges(desiredState(exclusiveKey('values')), liveState(liveKey(K, { Keep: dword(1), A: sz('a'), B: sz('b') })));
    expect(summarizePlan(plan)).toEqual({ create: 0, update: 0, delete: 2, unchanged: 1 });
  });

  test('more undeclared values than maxUndeclared: refused at the line of exclusive, naming the key and the count', () => {
    const values = Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`V${i}`, dword(i)]));
    const desired = desiredState(exclusiveKey('values', [], { maxUndeclared: 3 }));
    expect(() => planChanges(desired, liveState(liveKey(K, values)))).toThrow(expect.objectContaining({ code: 'UNDECLARED_LIMIT', source: exclusiveAt }));
    expect(() => planChanges(desired, liveState(liveKey(K, values)))).toThrow(/HKLM\\SOFTWARE\\Contoso\\App .*holds 4 undeclared values to delete, more than maxUndeclared 3/);
    expect(planChanges(desired, liveState(liveKey(K, { V0: dword(0), V1: dword(1), V2: dword(2) }))).changes).toHaveLength(3);
  });

  test('the default limit is 50', () => {
    const values = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`V${i}`, dword(i)]));
    const desired = desiredState({ ...exclusiveKey('values', []) });
    expect(() => planChanges(desired, liveState(liveKey(K, values)))).toThrow(expect.objectContaining({ code: 'UNDECLARED_LIMIT' }));
  });

  test('force lifts the limit', () => {
    const values = Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`V${i}`, dword(i)]));
    const plan = planChanges(desiredState(exclusiveKey('values', [], { maxUndeclared: 3, force: true })), liveState(liveKey(K, values)));
    expect(plan.changes).toHaveLength(4);
  });

  test('unreadable undeclared values: refused at the line of exclusive (nothing could restore them)', () => {
    const live = liveState(unreadableKey(K, { A: sz('a') }, ['Link']));
    expect(() => planChanges(desiredState(exclusiveKey('values', [])), live)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_KIND', source: exclusiveAt }));
  });

  test('forced, unreadable values stay in place and are listed; readable ones are deleted', () => {
    const plan = planChanges(desiredState(exclusiveKey('values', [], { force: true })), liveState(unreadableKey(K, { A: sz('a') }, ['Link'])));
    expect(plan.changes.map((c) => c.action)).toEqual(['delete']);
    expect(plan.undeclared?.[0]?.values.map((v) => v.name)).toEqual(['Link']);
    expect(plan.exclusive?.[0]?.values).toEqual(['A', 'Link']);
  });

  test('a declared unreadable value is refused as before', () => {
    const live = liveState(unreadableKey(K, {}, ['Keep']));
    expect(() => planChanges(desiredState(exclusiveKey('values')), live)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_KIND' }));
  });
});

describe('exclusive: subkeys', () => {
  const tree = () =>
    liveState(
      liveKey(K, { Keep: dword(1) }, ['Old', 'Kept', 'Path']),
      liveKey(`${K}\\Old`, { X: sz('x') }, ['Deep']),
      liveKey(`${K}\\Old\\Deep`, { Y: dword(2) }),
      liveKey(`${K}\\Kept`, { Z: sz('z') }),
      liveKey(`${K}\\Path`, {}, ['To']),
      liveKey(`${K}\\Path\\To`, {}),
    );

  test('is read recursively', () => {
    expect(readRequestsFor(desiredState(exclusiveKey('subkeys')))).toEqual([{ key: key(K), recursive: true }]);
    expect(readRequestsFor(desiredState(exclusiveKey('values')))).toEqual([{ key: key(K) }]);
  });

  test('deletes each undeclared subkey as a delete-key recording its subtree; declared subkeys and keys on the way to one stay', () => {
    const desired = desiredState(exclusiveKey('subkeys'), presentKey(`${K}\\Kept`), presentKey(`${K}\\path\\TO`));
    const plan = planChanges(desired, tree());
    expect(plan.changes).toEqual([
      {
        action: 'delete-key',
        key: key(`${K}\\Old`),
        before: null,
        after: null,
        contents: { values: 2, subkeys: 1 },
        subtree: [
          { path: '', values: [{ name: 'X', value: sz('x') }] },
          { path: 'Deep', values: [{ name: 'Y', value: dword(2) }] },
        ],
        source: exclusiveAt,
      },
    ]);
    expect(plan.exclusive?.[0]).toMatchObject({ mode: 'subkeys', subkeys: ['Old', 'Kept', 'Path'] });
    expect(readRequestsForPlan(plan)).toEqual([{ key: key(K) }, { key: key(`${K}\\Old`), recursive: true }]);
  });

  test('a subkey declared in the other view of an unredirected hive is declared', () => {
    const k = 'HKCU\\Software\\Contoso';
    const desired = desiredState({ ...presentKey(k), undeclared: 'show', exclusive: { mode: 'subkeys', maxUndeclared: 50, force: false, source: exclusiveAt } }, presentKey(key(`${k}\\Sub`, 32)));
    expect(planChanges(desired, liveState(liveKey(k, {}, ['Sub']), liveKey(key(`${k}\\Sub`, 32)))).changes).toEqual([]);
  });

  test('values and subkeys count together toward maxUndeclared', () => {
    const desired = desiredState(exclusiveKey('subkeys', [], { maxUndeclared: 2 }));
    expect(() => planChanges(desired, tree())).toThrow(expect.objectContaining({ code: 'UNDECLARED_LIMIT', source: exclusiveAt }));
  });

  test('an undeclared subkey holding unreadable values: refused, or left and listed when forced', () => {
    const live = () => liveState(liveKey(K, {}, ['Bad', 'Old']), unreadableKey(`${K}\\Bad`, {}, ['Link']), liveKey(`${K}\\Old`));
    expect(() => planChanges(desiredState(exclusiveKey('subkeys', [])), live())).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_KIND', source: exclusiveAt }));
    const plan = planChanges(desiredState(exclusiveKey('subkeys', [], { force: true })), live());
    expect(plan.changes.map((c) => [c.action, c.key.path])).toEqual([['delete-key', 'SOFTWARE\\Contoso\\App\\Old']]);
    expect(plan.undeclared).toEqual([{ key: key(K), values: [], subkeys: ['Bad'], source: at(3, 11) }]);
  });

  test('a key declared absent under an exclusive key is deleted once, by its declaration', () => {
    const desired = desiredState(exclusiveKey('subkeys'), absentKey(`${K}\\Old`));
    const plan = planChanges(desired, tree());
    expect(plan.changes.filter((c) => c.action === 'delete-key').map((c) => c.key.path)).toEqual(['SOFTWARE\\Contoso\\App\\Kept', 'SOFTWARE\\Contoso\\App\\Path', 'SOFTWARE\\Contoso\\App\\Old']);
    expect(new Set(plan.changes.map((c) => c.key.path)).size).toBe(3);
  });
});

test('the plan is a pure function: the same states give the same plan', () => {
  const live = new LiveState([liveKey(K, { A: sz('a') })]);
  const desired = desiredState(exclusiveKey('values', []));
  expect(planChanges(desired, live)).toEqual(planChanges(desired, live));
});
