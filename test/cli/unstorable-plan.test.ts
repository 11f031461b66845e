import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderSavedPlan } from '../../src/plan/saved-plan.js';
import { runInProcess } from '../fuzz/run-in-process.js';
import { at, key } from '../builders.js';

const EMPTY_REG = '\uFEFFWindows Registry Editor Version 5.00\r\n\r\n';

describe('data a .reg file cannot hold exactly is never reported verified', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'regstate-unstorable-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('a config with a NUL inside a REG_MULTI_SZ entry is refused before anything is written', async () => {
    const registry = join(dir, 'target.reg');
    await writeFile(registry, Buffer.from(EMPTY_REG, 'utf16le'));
    await writeFile(join(dir, 'c.yaml'), 'version: 1\nkeys:\n  - path: HKLM\\SOFTWARE\\T\n    values:\n      - {name: m, type: REG_MULTI_SZ, data: ["a\\0b"]}\n');
    const result = await runInProcess(['apply', 'c.yaml', '--registry', registry, '--auto-approve', '--state-dir', join(dir, 'state')], dir);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/c\.yaml:5:46: keys\[0\]\.values\[0\]\.data\[0\]: REG_MULTI_SZ entry contains a NUL character/);
    expect(await readFile(registry)).toEqual(Buffer.from(EMPTY_REG, 'utf16le'));
  });

  test('a saved plan carrying such an entry is refused or fails its read-back, never "verified"', async () => {
    const registry = join(dir, 'target.reg');
    await writeFile(registry, Buffer.from(EMPTY_REG, 'utf16le'));
    const k = key('HKLM\\SOFTWARE\\T');
    const plan = {
      unchanged: 0,
      changes: [
        { action: 'create-key' as const, key: k, before: null, after: null, source: at(3) },
        { action: 'create' as const, key: k, name: 'm', before: null, after: { type: 'REG_MULTI_SZ' as const, data: ['a\0b'] }, source: at(5) },
      ],
    };
    await writeFile(join(dir, 'plan.json'), renderSavedPlan(plan, { createdAt: new Date().toISOString(), target: { backend: 'regfile', file: registry }, configs: [] }));
    const result = await runInProcess(['apply', 'plan.json', '--state-dir', join(dir, 'state')], dir);
    expect(result.exitCode).not.toBe(0);
    expect(result.stdout).not.toMatch(/read back and verified/);
  });
});
