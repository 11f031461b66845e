import { chmod, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RegstateError } from '../errors.js';
import { describeFsError } from '../fs/describe-fs-error.js';

/** The folders regstate keeps below its state directory (locks live with their targets: see locateLock). */
export const STATE_SUBDIRS = ['journals', 'reports'] as const;

export interface StateDirOptions {
  /** `--state-dir`, when given; relative paths are taken from `cwd`. */
  stateDir?: string;
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** The user id off Windows (0: root gets the machine's /var/lib/regstate). */
  uid?: number;
}

// Windows environment names are case-insensitive; a plain env object (as in tests) is not.
function readEnv(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(env)) if (k.toLowerCase() === wanted && v) return v;
  return undefined;
}

/**
 * Where regstate keeps journals and reports: `--state-dir` when given, else `%ProgramData%\regstate`
 * on Windows (`C:\ProgramData` when unset); elsewhere never relative to the current directory:
 * `/var/lib/regstate` for root, else `$XDG_STATE_HOME/regstate` (an absolute one) or `~/.local/state/regstate`.
 */
export function resolveStateDir(options: StateDirOptions): string {
  const paths = options.platform === 'win32' ? path.win32 : path.posix;
  if (options.stateDir !== undefined && options.stateDir !== '') return paths.resolve(options.cwd, options.stateDir);
  if (options.platform === 'win32') return paths.join(readEnv(options.env, 'ProgramData') ?? 'C:\\ProgramData', 'regstate');
  if (options.uid === 0) return '/var/lib/regstate';
  // The XDG spec ignores a relative XDG_STATE_HOME.
  const xdg = options.env.XDG_STATE_HOME;
  if (xdg && paths.isAbsolute(xdg)) return paths.join(xdg, 'regstate');
  const home = options.env.HOME || os.homedir();
  return paths.join(home, '.local', 'state', 'regstate');
}

/**
 * icacls arguments that make a new state directory readable and writable only by SYSTEM,
 * Administrators and its owner (OWNER RIGHTS), replacing what it inherits from ProgramData,
 * where every user may read and create files.
 */
export function stateDirAclArgs(dir: string): string[] {
  return [dir, '/inheritance:r', '/grant:r', '*S-1-5-18:(OI)(CI)F', '*S-1-5-32-544:(OI)(CI)F', '*S-1-3-4:(OI)(CI)F', '/Q'];
}

/**
 * Creates the state directory and its `journals`, `reports`, `locks` folders. On POSIX the
 * directories get mode 0700; on Windows a directory regstate creates gets an ACL limited to
 * SYSTEM, Administrators and its owner (an existing one keeps the ACL an administrator gave it).
 */
export async function ensureStateDir(dir: string, platform: NodeJS.Platform = process.platform): Promise<void> {
  const created = await makeDir(dir, platform);
  // Restrict before creating the subfolders, so they inherit the restricted ACL.
  if (platform === 'win32' && created) {
    // execa loads only here, on Windows, when the folder is new
    const { execa } = await import('execa');
    const result = await execa('icacls', stateDirAclArgs(dir), { reject: false, windowsHide: true });
    if (result.exitCode !== 0) {
      throw new RegstateError('STATE_DIR', `cannot restrict permissions of state directory ${dir}: ${String(result.stderr || result.stdout).trim()}`);
    }
  }
  for (const sub of STATE_SUBDIRS) await makeDir(path.join(dir, sub), platform);
}

/** mkdir -p with mode 0700 (enforced on POSIX even when it already existed); true when it was created. */
async function makeDir(dir: string, platform: NodeJS.Platform): Promise<boolean> {
  try {
    const created = await mkdir(dir, { recursive: true, mode: 0o700 });
    if (platform !== 'win32') await chmod(dir, 0o700);
    return created !== undefined;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason = code === 'EEXIST' || code === 'ENOTDIR' ? 'it, or a folder on its path, is a file, not a directory' : describeFsError(e);
    throw new RegstateError('STATE_DIR', `cannot create state directory ${dir}: ${reason}`, { cause: e });
  }
}
