import { mkdtempSync } from 'node:fs';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPowerShell } from '../../../src/registry/powershell/find-powershell.js';

describe('findPowerShell', () => {
  // Created at collection time: the test tables below name paths inside it.
  const dir = mkdtempSync(join(tmpdir(), 'regstate-find-'));
  const binA = join(dir, 'a');
  const binB = join(dir, 'b');

  async function executable(path: string): Promise<string> {
    await writeFile(path, '#!/bin/sh\n');
    await chmod(path, 0o755);
    return path;
  }

  beforeAll(async () => {
    await mkdir(binA);
    await mkdir(binB);
    await executable(join(binB, 'pwsh'));
    await executable(join(dir, 'custom-pwsh'));
    await writeFile(join(binA, 'pwsh'), 'not executable');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const linux = (env: NodeJS.ProcessEnv, explicit?: string): string => findPowerShell({ explicit, env, platform: 'linux' });

  test('an explicit path wins over the environment and PATH', () => {
    expect(linux({ PATH: binB, REGSTATE_POWERSHELL: join(binB, 'pwsh') }, join(dir, 'custom-pwsh'))).toBe(join(dir, 'custom-pwsh'));
  });

  test('REGSTATE_POWERSHELL wins over PATH', () => {
    expect(linux({ PATH: binB, REGSTATE_POWERSHELL: join(dir, 'custom-pwsh') })).toBe(join(dir, 'custom-pwsh'));
  });

  test('otherwise the first executable pwsh on PATH (a non-executable one is skipped)', () => {
    expect(linux({ PATH: `${binA}:${binB}` })).toBe(join(binB, 'pwsh'));
  });

  test('an explicit command name is looked up on PATH', () => {
    expect(linux({ PATH: binB }, 'pwsh')).toBe(join(binB, 'pwsh'));
  });

  test.each([
    ['an explicit path that does not exist', { PATH: binB }, join(dir, 'missing'), '--powershell'],
    ['a REGSTATE_POWERSHELL that does not exist (no fallback to PATH)', { PATH: binB, REGSTATE_POWERSHELL: join(dir, 'missing') }, undefined, 'REGSTATE_POWERSHELL='],
    ['no pwsh on PATH', { PATH: binA }, undefined, 'pwsh on PATH'],
  ])('%s is POWERSHELL_NOT_FOUND naming what was tried', (_label, env, explicit, tried) => {
    expect(() => linux(env, explicit)).toThrow(expect.objectContaining({ code: 'POWERSHELL_NOT_FOUND', message: expect.stringContaining(tried) }));
  });

  test('on Windows, powershell.exe is the last resort and every place tried is listed', () => {
    expect(() => findPowerShell({ env: { Path: binA, SystemRoot: join(dir, 'no-windows') }, platform: 'win32' })).toThrow(
      expect.objectContaining({ code: 'POWERSHELL_NOT_FOUND', message: expect.stringMatching(/pwsh on PATH, powershell\.exe on PATH, .*powershell\.exe/) }),
    );
  });
});
