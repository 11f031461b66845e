import type { KeyRef } from '../model/key-ref.js';
import { type LiveKey, type LiveValue, withValueIndex } from '../model/live-state.js';
import type { RegistryValue } from '../model/registry-value.js';

/** A key in an in-process registry tree (the memory backend's, or a parsed .reg file's). */
export interface TreeNode {
  name: string;
  values: Map<string, LiveValue>;
  children: Map<string, TreeNode>;
}

/** A deep copy, so callers can never alias a backend's stored data. */
export function cloneValue(value: RegistryValue): RegistryValue {
  if (value.type === 'REG_MULTI_SZ') return { type: value.type, data: [...value.data] };
  if (value.type === 'REG_BINARY' || value.type === 'REG_NONE') return { type: value.type, data: new Uint8Array(value.data) };
  if (value.type === 'REG_OTHER') return { type: value.type, kind: value.kind, data: new Uint8Array(value.data) };
  return { ...value };
}

/**
 * Appends what `node` holds as LiveKeys: the key itself, and with `recursive` every key below it.
 * Values are deep copies unless `share` is set: then the LiveKeys hold the tree's own LiveValue
 * objects, for a tree built for this one read (no one else can reach them) whose values no one ever
 * changes in place (see RegTree). `indexed` (with `share`) says the tree keys each value by foldName of
 * its name, as RegTree does: the LiveKeys then carry the tree's maps as their LiveState index (withValueIndex).
 */
export function snapshotTree(key: KeyRef, node: TreeNode | undefined, out: LiveKey[], recursive: boolean, share = false, indexed = false): void {
  if (!node) {
    out.push({ key, exists: false, values: [], subkeys: [] });
    return;
  }
  const live: LiveKey = {
    key,
    exists: true,
    values: share ? [...node.values.values()] : [...node.values.values()].map((v) => ({ name: v.name, value: cloneValue(v.value) })),
    subkeys: [...node.children.values()].map((c) => c.name),
  };
  // shared values are the tree's own, each under its folded name: the tree's map is the LiveState index
  out.push(share && indexed ? withValueIndex(live, node.values) : live);
  if (!recursive) return;
  for (const child of node.children.values()) {
    snapshotTree({ ...key, path: key.path === '' ? child.name : `${key.path}\\${child.name}` }, child, out, true, share, indexed);
  }
}
