import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { RegstateError } from '../../errors.js';

export interface FindPowerShellOptions {
  /** An explicit choice (CLI `--powershell`): a path, or a command name looked up on PATH. */
  explicit?: string;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
}

function isExecutableFile(file: string, platform: NodeJS.Platform): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    if (platform !== 'win32') accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

// Windows environment names are case-insensitive (Path vs PATH); a passed env object is not.
function envValue(env: NodeJS.ProcessEnv, name: string, platform: NodeJS.Platform): string | undefined {
  if (platform !== 'win32') return env[name];
  const found = Object.keys(env).find((k) => k.toUpperCase() === name);
  return found === undefined ? undefined : env[found];
}

function searchPath(command: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string | undefined {
  const p = platform === 'win32' ? path.win32 : path.posix;
  const dirs = (envValue(env, 'PATH', platform) ?? '').split(platform === 'win32' ? ';' : ':').filter((d) => d !== '');
  const extensions = platform === 'win32' && p.extname(command) === '' ? (envValue(env, 'PATHEXT', platform) ?? '.EXE').split(';').filter((e) => e !== '') : [''];
  for (const dir of dirs) {
    for (const ext of extensions) {
      const candidate = p.join(dir, command + ext.toLowerCase());
      if (isExecutableFile(candidate, platform)) return candidate;
    }
  }
  return undefined;
}

function resolveCommand(command: string, env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string | undefined {
  const hasDir = command.includes('/') || (platform === 'win32' && command.includes('\\'));
  if (!hasDir) return searchPath(command, env, platform);
  return isExecutableFile(command, platform) ? path.resolve(command) : undefined;
}

/**
 * Chooses the PowerShell executable: the explicit option, else `REGSTATE_POWERSHELL`, else `pwsh`
 * on PATH, else (Windows only) `powershell.exe`. An explicit or environment choice that does not
 * resolve is an error, not a reason to fall back. Throws POWERSHELL_NOT_FOUND listing what was tried.
 */
export function findPowerShell(options: FindPowerShellOptions = {}): string {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  const notFound = (tried: string[]): never => {
    throw new RegstateError('POWERSHELL_NOT_FOUND', `PowerShell not found; tried ${tried.join(', ')}. Install PowerShell 7 (pwsh), or choose one with --powershell PATH or the REGSTATE_POWERSHELL environment variable.`);
  };
  if (options.explicit !== undefined && options.explicit !== '') {
    return resolveCommand(options.explicit, env, platform) ?? notFound([`--powershell ${options.explicit}`]);
  }
  const fromEnv = envValue(env, 'REGSTATE_POWERSHELL', platform);
  if (fromEnv !== undefined && fromEnv !== '') {
    return resolveCommand(fromEnv, env, platform) ?? notFound([`REGSTATE_POWERSHELL=${fromEnv}`]);
  }
  const tried = ['pwsh on PATH'];
  const pwsh = searchPath('pwsh', env, platform);
  if (pwsh) return pwsh;
  if (platform === 'win32') {
    tried.push('powershell.exe on PATH');
    const onPath = searchPath('powershell.exe', env, platform);
    if (onPath) return onPath;
    const root = envValue(env, 'SYSTEMROOT', platform) ?? 'C:\\Windows';
    const builtIn = path.win32.join(root, 'System32', 'WindowsPowerShell', 'v1.0', 'powershell.exe');
    tried.push(builtIn);
    if (isExecutableFile(builtIn, platform)) return builtIn;
  }
  return notFound(tried);
}
