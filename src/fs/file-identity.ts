import { realpathSync, statSync } from 'node:fs';

/**
 * Which file a path names now, following links, as one string: its device and file number where the
 * file system gives them (so hard links and symbolic links to one file are one), else its real path
 * (without case on Windows). Undefined when nothing is there or it cannot be looked at: whoever reads
 * or writes the path then says why.
 */
export function fileIdentity(path: string, platform: NodeJS.Platform = process.platform): string | undefined {
  try {
    const stats = statSync(path, { bigint: true, throwIfNoEntry: false });
    if (stats === undefined) return undefined;
    if (stats.ino !== 0n) return `${stats.dev}:${stats.ino}`;
    return realPathKey(path, platform);
  } catch {
    return undefined;
  }
}

/** The real path of what is there now (links followed; lower case on Windows, whose names have no case), or undefined. */
export function realPathKey(path: string, platform: NodeJS.Platform = process.platform): string | undefined {
  try {
    const real = realpathSync.native(path);
    return platform === 'win32' ? real.toLowerCase() : real;
  } catch {
    return undefined;
  }
}
