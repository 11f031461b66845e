// @ts-check
// A throwaway WINEPREFIX for scripts: a copy of the provisioned template with its own persistent
// wineserver (the same copy as test/wine-prefix.ts makes for the tests).
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './bench-measure.js';

export const WINE_PREFIX_TEMPLATE = join(repoRoot, '.tools', 'wine-prefix-template');
export const WINDOWS_PWSH = join(repoRoot, '.tools', 'windows-pwsh', 'pwsh-wine');
// Files wine may rewrite in place: the copy gets its own, the rest are hard links to the template.
const OWN_FILES = ['system.reg', 'user.reg', 'userdef.reg', 'drive_c/windows/win.ini', 'drive_c/windows/system.ini'];
const WINE_CALL_MS = 60_000;

/**
 * Copies the template into a new temporary directory and starts its wineserver and services.
 * @returns {{ prefix: string, env: Record<string, string>, dispose: () => void }}
 */
export function createWinePrefix() {
  if (!existsSync(join(WINE_PREFIX_TEMPLATE, '.regstate-ready'))) throw new Error(`no wine prefix template in ${WINE_PREFIX_TEMPLATE}: run bash scripts/provision-test-tools.sh`);
  const parent = mkdtempSync(join(os.tmpdir(), 'regstate-bench-wineprefix-'));
  const prefix = join(parent, 'prefix');
  const env = { WINEPREFIX: prefix, WINEDEBUG: '-all' };
  const dispose = () => {
    execFileSync('wineserver', ['-k'], { env: { ...process.env, ...env }, stdio: 'ignore', timeout: WINE_CALL_MS });
    rmSync(parent, { recursive: true, force: true });
  };
  try {
    execFileSync('cp', ['-al', WINE_PREFIX_TEMPLATE, prefix], { timeout: WINE_CALL_MS });
    for (const file of OWN_FILES) {
      const from = join(WINE_PREFIX_TEMPLATE, file);
      if (!existsSync(from)) continue;
      unlinkSync(join(prefix, file));
      copyFileSync(from, join(prefix, file));
    }
    // Services started by a first process without stdio hold no later call's pipes open.
    execFileSync('wineserver', ['-p'], { env: { ...process.env, ...env }, stdio: 'ignore', timeout: WINE_CALL_MS });
    execFileSync('wine', ['cmd', '/c', 'exit'], { env: { ...process.env, ...env }, stdio: 'ignore', timeout: WINE_CALL_MS });
  } catch (error) {
    try {
      dispose();
    } catch {
      rmSync(parent, { recursive: true, force: true });
    }
    throw error;
  }
  return { prefix, env, dispose };
}
