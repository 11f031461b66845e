import { findStaleExclusiveKeys } from '../../src/apply/find-stale-exclusive.js';
import type { Plan } from '../../src/plan/plan.js';
import { at, key, liveKey, liveState, missingKey, sz } from '../builders.js';

const K = 'HKLM\\SOFTWARE\\Contoso\\App';

function plan(mode: 'values' | 'subkeys', changes: Plan['changes'] = []): Plan {
  return { changes, unchanged: 0, exclusive: [{ key: key(K), mode, values: ['Keep', 'Old'], subkeys: ['Sub'], source: at(4, 16) }] };
}

describe('findStaleExclusiveKeys', () => {
  test('nothing new at the key: not stale (values the plan deletes may be gone already; their own checks see that)', () => {
    expect(findStaleExclusiveKeys(plan('subkeys'), liveState(liveKey(K, { keep: sz('1') }, ['SUB'])))).toEqual([]);
  });

  test('a value that appeared since is stale, whatever its case; one the plan creates is not', () => {
    const creates: Plan['changes'] = [{ action: 'create', key: key(K), name: 'Made', before: null, after: sz('m'), source: at(6) }];
    const live = liveState(liveKey(K, { Keep: sz('1'), New: sz('n'), made: sz('m') }));
    expect(findStaleExclusiveKeys(plan('values', creates), live)).toEqual(['HKLM\\SOFTWARE\\Contoso\\App is exclusive and holds value "New", which was not there when planned']);
  });

  test('an unreadable value that appeared is stale too', () => {
    const live = liveState({ ...liveKey(K, {}), unreadable: [{ name: '', code: 'UNSUPPORTED_KIND', message: 'kind 6' }] });
    expect(findStaleExclusiveKeys(plan('values'), live)).toEqual(['HKLM\\SOFTWARE\\Contoso\\App is exclusive and holds value (Default), which was not there when planned']);
  });

  test('a new subkey is stale for exclusive: subkeys only; one the plan creates is not', () => {
    const live = () => liveState(liveKey(K, {}, ['Sub', 'Extra', 'Made']));
    const creates: Plan['changes'] = [{ action: 'create-key', key: key(`${K}\\made`), before: null, after: null, source: at(8) }];
    expect(findStaleExclusiveKeys(plan('values', creates), live())).toEqual([]);
    expect(findStaleExclusiveKeys(plan('subkeys', creates), live())).toEqual(['HKLM\\SOFTWARE\\Contoso\\App is exclusive and holds subkey "Extra", which was not there when planned']);
  });

  test('a key deleted since has nothing new (its changes go stale on their own)', () => {
    expect(findStaleExclusiveKeys(plan('subkeys'), liveState(missingKey(K)))).toEqual([]);
  });
});
