import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPowerShell } from '../../../src/registry/powershell/find-powershell.js';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const fixturesDir = join(repoRoot, 'test', 'fixtures', 'fake-powershell');

function locatePwsh(): string | undefined {
  const pinned = join(repoRoot, '.tools', 'pwsh');
  try {
    accessSync(pinned, constants.X_OK);
    return pinned;
  } catch {
    try {
      return findPowerShell({ platform: 'linux' });
    } catch {
      return undefined;
    }
  }
}

/** The pinned PowerShell 7 (.tools/pwsh), else pwsh on PATH. */
export const pwshPath = locatePwsh();

/**
 * describe() for suites that need real pwsh: without it they are skipped on a developer machine,
 * but under CI (process.env.CI) they run and fail in beforeAll.
 */
export function describeWithPwsh(name: string, body: (pwsh: () => string) => void): void {
  const run = pwshPath !== undefined || process.env.CI ? describe : describe.skip;
  run(name, () => {
    beforeAll(() => {
      if (pwshPath === undefined) throw new Error('PowerShell (pwsh) is required under CI: run .ci/run or install it to .tools/pwsh');
    });
    body(() => {
      if (pwshPath === undefined) throw new Error('no pwsh');
      return pwshPath;
    });
  });
}

/** A fresh temporary directory, removed by the returned cleanup. */
export async function tempDir(prefix = 'regstate-ps-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
