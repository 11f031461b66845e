import { foldName } from './fold-name.js';
import { type Hive, parseHive } from './hive.js';

/** Registry view: 64 is the native view, 32 is WOW6432Node on 64-bit Windows. */
export type View = 32 | 64;

/** A registry key: its hive, the path below the hive (components joined by `\`, '' for the hive root), and the view. */
export interface KeyRef {
  hive: Hive;
  path: string;
  view: View;
}

/** Splits `HKLM\SOFTWARE\X` into hive and subpath; undefined when the first component is no hive. */
export function splitKeyPath(text: string): { hive: Hive; path: string } | undefined {
  const cut = text.indexOf('\\');
  const head = cut < 0 ? text : text.slice(0, cut);
  const hive = parseHive(head);
  if (!hive) return undefined;
  return { hive, path: cut < 0 ? '' : text.slice(cut + 1) };
}

/** `HKLM\SOFTWARE\X`, with the short hive name. */
export function formatKey(key: Pick<KeyRef, 'hive' | 'path'>): string {
  return key.path === '' ? key.hive : `${key.hive}\\${key.path}`;
}

/** `HKLM\SOFTWARE\X` for the 64-bit view, `HKLM\SOFTWARE\X (32-bit)` otherwise. */
export function describeKey(key: KeyRef): string {
  return key.view === 32 ? `${formatKey(key)} (32-bit view)` : formatKey(key);
}

/** Case-insensitive identity of a key in a view, usable as a map key. */
export function keyId(key: KeyRef): string {
  return `${key.view}:${key.hive}\\${foldName(key.path)}`;
}

/** Identity of a value inside a key. */
export function valueId(key: KeyRef, name: string): string {
  return `${keyId(key)}\u0000${foldName(name)}`;
}

export function sameKey(a: KeyRef, b: KeyRef): boolean {
  return keyId(a) === keyId(b);
}

/** True when `inner` is `outer` or lies below it (same hive and view). */
export function isWithinKey(inner: KeyRef, outer: KeyRef): boolean {
  if (inner.hive !== outer.hive || inner.view !== outer.view) return false;
  if (outer.path === '') return true;
  const a = foldName(inner.path);
  const b = foldName(outer.path);
  return a === b || a.startsWith(`${b}\\`);
}

export function parentKey(key: KeyRef): KeyRef | undefined {
  if (key.path === '') return undefined;
  const cut = key.path.lastIndexOf('\\');
  return { ...key, path: cut < 0 ? '' : key.path.slice(0, cut) };
}
