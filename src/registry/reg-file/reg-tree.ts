import { foldName } from '../../model/fold-name.js';
import type { Hive } from '../../model/hive.js';
import type { LiveValue } from '../../model/live-state.js';
import type { RegFile } from './reg-file-model.js';

/**
 * A key of the registry a .reg file describes. Its values hold the parsed file's value objects
 * themselves: nothing changes those in place (an editor gives an entry a new value object).
 */
export interface RegTreeNode {
  name: string;
  values: Map<string, LiveValue>;
  children: Map<string, RegTreeNode>;
}

function newNode(name: string): RegTreeNode {
  return { name, values: new Map(), children: new Map() };
}

/** A key below a hive: its hive and path (components joined by `\`, '' for the hive root). */
export interface PhysicalKey {
  hive: Hive;
  path: string;
}

function parts(key: PhysicalKey): string[] {
  return [key.hive, ...(key.path === '' ? [] : key.path.split('\\'))];
}

/**
 * The registry a .reg file describes, as if it were imported into an empty registry: sections in
 * file order, `[KEY]` creates the key and its ancestors, `[-KEY]` removes the key and its subtree,
 * `"name"=-` removes the value. A value set again keeps the case of its first name, as Windows does.
 */
export class RegTree {
  private readonly roots = new Map<string, RegTreeNode>();

  static fromRegFile(reg: RegFile): RegTree {
    const tree = new RegTree();
    // value names folded once each (a registry repeats its names from key to key)
    const ids = new Map<string, string>();
    // the nodes of the parents of keys with sections so far, by hive and path as written (until a key is deleted)
    const parents = new Map<string, RegTreeNode>();
    for (const s of reg.sections) {
      if (s.removed) continue;
      const key = { hive: s.hive, path: s.path };
      if (s.delete) {
        tree.deleteKey(key);
        parents.clear();
        continue;
      }
      const node = tree.ensureBelow(key, parents);
      for (const e of s.entries) {
        if (e.type !== 'value' || e.removed) continue;
        let id = ids.get(e.name);
        if (id === undefined) ids.set(e.name, (id = foldName(e.name)));
        if (e.value === null) node.values.delete(id);
        else node.values.set(id, { name: node.values.get(id)?.name ?? e.name, value: e.value });
      }
    }
    return tree;
  }

  find(key: PhysicalKey): RegTreeNode | undefined {
    let node: RegTreeNode | undefined;
    let level = this.roots;
    for (const part of parts(key)) {
      node = level.get(foldName(part));
      if (!node) return undefined;
      level = node.children;
    }
    return node;
  }

  private ensure(key: PhysicalKey): RegTreeNode {
    let node: RegTreeNode | undefined;
    let level = this.roots;
    for (const part of parts(key)) {
      const id = foldName(part);
      node = level.get(id);
      if (!node) level.set(id, (node = newNode(part)));
      level = node.children;
    }
    return node as RegTreeNode;
  }

  /** ensure(key), its parent found in `parents` (by hive and path as written) when a sibling's section had it. */
  private ensureBelow(key: PhysicalKey, parents: Map<string, RegTreeNode>): RegTreeNode {
    const cut = key.path.lastIndexOf('\\');
    if (cut < 0) return this.ensure(key);
    const parentPath = key.path.slice(0, cut);
    const parentId = `${key.hive}\\${parentPath}`;
    let parent = parents.get(parentId);
    if (!parent) parents.set(parentId, (parent = this.ensure({ hive: key.hive, path: parentPath })));
    const name = key.path.slice(cut + 1);
    const id = foldName(name);
    let node = parent.children.get(id);
    if (!node) parent.children.set(id, (node = newNode(name)));
    return node;
  }

  private deleteKey(key: PhysicalKey): void {
    const all = parts(key);
    const last = all.pop() as string;
    let level = this.roots;
    for (const part of all) {
      const n = level.get(foldName(part));
      if (!n) return;
      level = n.children;
    }
    level.delete(foldName(last));
  }
}
