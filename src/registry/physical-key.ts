import { foldName } from '../model/fold-name.js';
import type { KeyRef } from '../model/key-ref.js';

/**
 * The key a view resolves to in one flat namespace, the way a 64-bit regedit export shows it:
 * the 32-bit view of HKLM\SOFTWARE\X is HKLM\SOFTWARE\WOW6432Node\X. Other keys are not
 * redirected, so both views name the same key.
 */
export function physicalKeyPath(key: KeyRef): { hive: KeyRef['hive']; path: string } {
  if (key.view === 64 || key.hive !== 'HKLM') return { hive: key.hive, path: key.path };
  const parts = key.path === '' ? [] : key.path.split('\\');
  if (parts.length === 0 || foldName(parts[0] ?? '') !== 'SOFTWARE') return { hive: key.hive, path: key.path };
  if (parts.length > 1 && foldName(parts[1] ?? '') === 'WOW6432NODE') return { hive: key.hive, path: key.path };
  return { hive: key.hive, path: [parts[0], 'WOW6432Node', ...parts.slice(1)].join('\\') };
}

/**
 * Case-insensitive identity of the key a view resolves to: HKCU\X in both views, or
 * HKLM\SOFTWARE\X in view 32 and HKLM\SOFTWARE\WOW6432Node\X in view 64, are one key.
 */
export function physicalKeyId(key: KeyRef): string {
  const { hive, path } = physicalKeyPath(key);
  return `${hive}\\${foldName(path)}`;
}
