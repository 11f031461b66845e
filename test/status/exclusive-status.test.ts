import type { DesiredKey } from '../../src/model/desired-state.js';
import { planChanges } from '../../src/plan/plan-changes.js';
import { describeStatus } from '../../src/status/describe-status.js';
import { renderStatusJson, renderStatusText } from '../../src/status/render-status.js';
import { at, desiredState, dword, liveKey, liveState, missingKey, present, presentKey, sz } from '../builders.js';

const K = 'HKLM\\SOFTWARE\\Contoso\\App';
const exclusive = (mode: 'values' | 'subkeys'): DesiredKey => ({
  ...presentKey(K, [present('Keep', dword(1), at(6))], at(3, 11)),
  undeclared: 'show',
  exclusive: { mode, maxUndeclared: 50, force: false, source: at(4, 16) },
});

describe('status of an exclusive key', () => {
  test.each([
    ['values', liveState(liveKey(K, { Keep: dword(1) }, ['Sub'])), true],
    ['values', liveState(liveKey(K, { Keep: dword(1), Extra: sz('x') })), false],
    ['subkeys', liveState(liveKey(K, { Keep: dword(1) }, ['Sub']), liveKey(`${K}\\Sub`)), false],
  ] as const)('exclusive %s: in the desired state exactly when a plan has no changes (%#)', (mode, live, expected) => {
    const desired = desiredState(exclusive(mode));
    expect(describeStatus(desired, live).inDesiredState).toBe(expected);
    expect(planChanges(desired, live).changes.length === 0).toBe(expected);
  });

  test('an item of its own naming what is undeclared, in text and JSON', () => {
    const status = describeStatus(desiredState(exclusive('subkeys')), liveState(liveKey(K, { Keep: dword(1), Extra: sz('x') }, ['Sub']), liveKey(`${K}\\Sub`)));
    expect(status.items.at(-1)).toEqual({ kind: 'exclusive', key: expect.objectContaining({ path: 'SOFTWARE\\Contoso\\App' }), mode: 'subkeys', undeclared: ['Extra', 'Sub\\'], inDesiredState: false, source: at(4, 16) });
    expect(renderStatusText(status, { color: false })).toContain('  HKLM\\SOFTWARE\\Contoso\\App  (undeclared)  2 undeclared: Extra, Sub\\  none                      drift');
    expect(JSON.parse(renderStatusJson(status)).items[1]).toMatchObject({ name: null, inDesiredState: false, exclusive: { mode: 'subkeys', undeclared: ['Extra', 'Sub\\'] } });
  });

  test('a missing exclusive key has no such item (the key item says it is missing)', () => {
    const status = describeStatus(desiredState(exclusive('values')), liveState(missingKey(K)));
    expect(status.items.map((i) => i.kind)).toEqual(['key', 'value']);
  });
});
