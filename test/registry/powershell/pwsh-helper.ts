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
 * describe() for suites that need real pwsh. They never skip: without pwsh they fail in beforeAll
 * with the command that installs it (npm test runs it first).
 */
export function describeWithPwsh(name: string, body: (pwsh: () => string) => void): void {
  describe(name, () => {
    beforeAll(() => {
      if (pwshPath === undefined) throw new Error('PowerShell 7 (pwsh) is missing: run `bash scripts/provision-test-tools.sh` (npm test runs it), which installs it to .tools/pwsh');
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
