import { createHash } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import type { Target } from '../registry/backend.js';

/** Where one target's run lock lives, and the stable id it is recorded under. */
export interface LockLocation {
  /** The folder holding the lock's generation files. */
  dir: string;
  /** `regfile:<canonical path>`, `simulated-hive:<canonical path>` or `registry:<host>`. */
  id: string;
}

export interface LockLocationOptions {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
}

/** The real path of a file, through links in it and in its folders; a missing file's folder is resolved. */
export async function canonicalPath(file: string): Promise<string> {
  const absolute = path.resolve(file);
  try {
    return await realpath(absolute);
  } catch {
    const folder = await realpath(path.dirname(absolute)).catch(() => path.dirname(absolute));
    return path.join(folder, path.basename(absolute));
  }
}

/**
 * The machine-wide folder of the live registries' locks: `%ProgramData%\regstate\locks` on
 * Windows, `/var/lock/regstate` elsewhere. It does not depend on `--state-dir`.
 */
export function machineLockRoot(options: LockLocationOptions): string {
  if (options.platform !== 'win32') return '/var/lock/regstate';
  const programData = Object.entries(options.env).find(([k, v]) => k.toLowerCase() === 'programdata' && v)?.[1] ?? 'C:\\ProgramData';
  return path.win32.join(programData, 'regstate', 'locks');
}

/**
 * Where the lock of a target lives. A file (a .reg, a simulated hive) is locked beside itself, as
 * `.<name>.regstate-lock`, under its canonical path: every route to one file (links, `..`, two
 * state directories) meets the same lock, and whoever may write the file may take it. A live
 * registry is locked machine-wide, per host name.
 */
export async function locateLock(target: Target, options: LockLocationOptions): Promise<LockLocation> {
  const file = target.backend === 'regfile' ? target.file : target.backend === 'powershell' ? target.simulatedHive : undefined;
  if (file !== undefined) {
    const canonical = await canonicalPath(file);
    const kind = target.backend === 'regfile' ? 'regfile' : 'simulated-hive';
    return { dir: path.join(path.dirname(canonical), `.${path.basename(canonical)}.regstate-lock`), id: `${kind}:${canonical}` };
  }
  const id = target.backend === 'powershell' ? `registry:${target.host.toLowerCase()}` : target.backend === 'memory' ? `memory:${target.name}` : `regfile:${target.file}`;
  const hash = createHash('sha256').update(id, 'utf8').digest('hex').slice(0, 32);
  return { dir: path.join(machineLockRoot(options), hash), id };
}
