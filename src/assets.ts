import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Every file regstate reads from its own package, by path from the package root. */
export const ASSET_NAMES = ['package.json', 'configs/regstate.schema.json', 'configs/regstate-inventory.schema.json', 'src/registry/powershell/agent.ps1', 'src/registry/powershell/simulated-hive.ps1', 'src/registry/powershell/agent.cs', 'src/registry/powershell/simulated-hive.cs', 'src/registry/powershell/user-hives.cs', 'src/fleet/remoting.ps1'] as const;

export type AssetName = (typeof ASSET_NAMES)[number];

// The single-executable build (scripts/build-exe.js) swaps this module for one holding the files' text,
// since a CommonJS bundle has no import.meta.url and no package directory beside it.

/** Absolute path of a package file: src/assets.ts and dist/assets.js both sit one level below the root. */
export function assetPath(name: AssetName): string {
  return fileURLToPath(new URL(`../${name}`, import.meta.url));
}

/** The text (UTF-8) of a package file. */
export function readAsset(name: AssetName): string {
  return readFileSync(assetPath(name), 'utf8');
}
