import { readFileSync } from 'node:fs';
import { looksLikeDesiredState } from '../../src/cli/file-kind.js';
import { agpmConfig } from './cli-harness.js';

describe('looksLikeDesiredState', () => {
  test('a config reads as one; a saved plan, a journal or half a config does not', () => {
    expect(looksLikeDesiredState(readFileSync(agpmConfig, 'utf8'))).toBe(true);
    expect(looksLikeDesiredState('\uFEFFversion: 1\nkeys: []\n')).toBe(true);
    expect(looksLikeDesiredState('{\n  "formatVersion": 3,\n  "kind": "regstate-plan"\n}\n')).toBe(false);
    expect(looksLikeDesiredState('version: 1\n')).toBe(false);
    expect(looksLikeDesiredState('version: 12\nkeys:\n')).toBe(false);
    expect(looksLikeDesiredState('  version: 1\n  keys:\n')).toBe(false);
  });
});
