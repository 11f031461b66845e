import { foldName } from '../../model/fold-name.js';
import { MAX_DWORD, MAX_QWORD, type RegistryValue, valuesEqual } from '../../model/registry-value.js';
import type { WriteOutcome } from '../backend.js';
import { renderValueEntry } from './format-reg-value.js';
import type { RegFile, RegSection, RegValueEntry } from './reg-file-model.js';
import { renderKeyLine } from './render-reg-file.js';
import type { PhysicalKey } from './reg-tree.js';

/** A write op on physical keys (views already resolved). */
export type RegFileOp =
  | { op: 'create-key'; key: PhysicalKey }
  | { op: 'set-value'; key: PhysicalKey; name: string; value: RegistryValue }
  | { op: 'delete-value'; key: PhysicalKey; name: string }
  | { op: 'delete-key'; key: PhysicalKey };

// Folded paths of keys and sections, computed once: every op compares its key with every section.
const folded = new WeakMap<PhysicalKey, string>();
function foldedPath(key: PhysicalKey): string {
  let f = folded.get(key);
  if (f === undefined) folded.set(key, (f = foldName(key.path)));
  return f;
}

const keyIndexId = (hive: string, foldedKeyPath: string): string => `${hive}\\${foldedKeyPath}`;

function sameKey(a: PhysicalKey, b: PhysicalKey): boolean {
  // foldName keeps the length, so paths of different lengths differ without folding them
  return a.hive === b.hive && a.path.length === b.path.length && foldedPath(a) === foldedPath(b);
}

function isWithin(inner: PhysicalKey, outer: PhysicalKey): boolean {
  if (inner.hive !== outer.hive) return false;
  if (outer.path === '') return true;
  if (inner.path.length < outer.path.length) return false;
  const a = foldedPath(inner);
  const b = foldedPath(outer);
  return a === b || a.startsWith(`${b}\\`);
}

function findLastIndex<T>(items: T[], test: (item: T, index: number) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (test(items[i] as T, i)) return i;
  return -1;
}

/** Why a value cannot be stored, or undefined when it can. */
function checkValue(value: RegistryValue): string | undefined {
  if (value.type === 'REG_DWORD' && !(Number.isInteger(value.data) && value.data >= 0 && value.data <= MAX_DWORD)) return `REG_DWORD out of range: ${value.data}`;
  if (value.type === 'REG_QWORD' && (value.data < 0n || value.data > MAX_QWORD)) return `REG_QWORD out of range: ${value.data}`;
  if (value.type === 'REG_OTHER' && !(Number.isInteger(value.kind) && value.kind >= 0 && value.kind <= MAX_DWORD)) return `bad value kind number: ${value.kind}`;
  return undefined;
}

/** Why a value name cannot be written to a .reg file: regedit's quoted names cannot hold a line break. */
function checkName(name: string): string | undefined {
  return /[\r\n]/.test(name) ? `a .reg file cannot hold a value name with a line break: ${JSON.stringify(name)}` : undefined;
}

function parentOf(key: PhysicalKey): PhysicalKey | undefined {
  if (key.path === '') return undefined;
  const cut = key.path.lastIndexOf('\\');
  return { hive: key.hive, path: cut < 0 ? '' : key.path.slice(0, cut) };
}

/**
 * Applies write ops to a parsed .reg file in place, touching only what they change: a value is
 * replaced where its entry stands, a new value is appended to its key's section, a new key gets a
 * section after its parent's subtree (or at the end), a deleted key's sections are dropped. Dropped
 * entries and sections are kept as removed so that writing their old data back restores their exact
 * text and place: an apply followed by its rollback gives the same bytes.
 */
export class RegFileEditor {
  constructor(
    readonly reg: RegFile,
    private readonly newline: string,
  ) {
    if (reg.partial) throw new Error('a .reg file read for some keys only cannot be edited');
  }

  apply(op: RegFileOp): WriteOutcome {
    switch (op.op) {
      case 'create-key':
        if (!this.exists(op.key)) this.createSections(op.key);
        return { ok: true };
      case 'set-value': {
        const badName = checkName(op.name);
        if (badName) return { ok: false, code: 'WRITE_FAILED', message: badName };
        const problem = checkValue(op.value);
        if (problem) return { ok: false, code: 'VALUE_RANGE', message: problem };
        this.setValue(op.key, op.name, op.value);
        return { ok: true };
      }
      case 'delete-value':
        // no such value can be in the file, so there is nothing to delete
        if (checkName(op.name)) return { ok: true };
        this.deleteValue(op.key, op.name);
        return { ok: true };
      case 'delete-key':
        if (op.key.path === '') return { ok: false, code: 'WRITE_FAILED', message: `cannot delete the hive root ${op.key.hive}` };
        this.deleteKey(op.key);
        return { ok: true };
    }
  }

  /** Shows the sections added to keep a parent alive only while nothing else makes it exist. */
  settle(): void {
    for (const s of this.reg.sections) {
      if (!s.synthetic) continue;
      if (s.entries.some((e) => e.type === 'value' && !e.removed)) {
        s.removed = false;
        continue;
      }
      s.removed = true;
      if (!this.exists(s)) s.removed = false;
    }
  }

  /** Whether the key exists once the file is imported: a section at or below it comes after the last one deleting it. */
  private exists(key: PhysicalKey): boolean {
    const kill = this.lastKill(key);
    const creators = this.indexed().within.get(keyIndexId(key.hive, foldedPath(key))) ?? [];
    for (let j = creators.length - 1; j >= 0 && (creators[j] as number) > kill; j--) if (!this.reg.sections[creators[j] as number]?.removed) return true;
    return false;
  }

  /**
   * Section indexes by key, by every key at or above theirs, and those of the sections that delete
   * a key; rebuilt after sections are added or dropped.
   */
  private index: { byKey: Map<string, number[]>; within: Map<string, number[]>; kills: number[] } | undefined;

  private indexed(): { byKey: Map<string, number[]>; within: Map<string, number[]>; kills: number[] } {
    if (this.index) return this.index;
    const byKey = new Map<string, number[]>();
    const within = new Map<string, number[]>();
    const kills: number[] = [];
    const add = (map: Map<string, number[]>, id: string, i: number) => {
      const list = map.get(id);
      if (list) list.push(i);
      else map.set(id, [i]);
    };
    this.reg.sections.forEach((s, i) => {
      if (s.delete) return void kills.push(i);
      const path = foldedPath(s);
      const id = keyIndexId(s.hive, path);
      add(byKey, id, i);
      add(within, keyIndexId(s.hive, ''), i);
      // the ids of the key's ancestors are the beginnings of its own
      const at = s.hive.length + 1;
      for (let cut = path.indexOf('\\'); cut >= 0; cut = path.indexOf('\\', cut + 1)) add(within, id.slice(0, at + cut), i);
      if (path !== '') add(within, id, i);
    });
    return (this.index = { byKey, within, kills });
  }

  /** Index of the last section that deletes the key (or an ancestor); sections before it no longer count. */
  private lastKill(key: PhysicalKey): number {
    let last = -1;
    for (const i of this.indexed().kills) {
      const s = this.reg.sections[i] as RegSection;
      if (!s.removed && isWithin(key, s)) last = i;
    }
    return last;
  }

  /** The key's sections that still count, in file order. */
  private liveSections(key: PhysicalKey): RegSection[] {
    const kill = this.lastKill(key);
    const found = this.indexed().byKey.get(keyIndexId(key.hive, foldedPath(key))) ?? [];
    return found.filter((i) => i > kill && !this.reg.sections[i]?.removed).map((i) => this.reg.sections[i] as RegSection);
  }

  private entriesNamed(sections: RegSection[], name: string): RegValueEntry[] {
    const id = this.foldedName(name);
    // foldName keeps the length: names of another length are not folded at all
    return sections.flatMap((s) => s.entries.filter((e): e is RegValueEntry => e.type === 'value' && e.name.length === id.length && this.foldedName(e.name) === id));
  }

  // Value names folded once each: every op on a key compares its name with all of that key's names.
  private readonly foldedNames = new Map<string, string>();

  private foldedName(name: string): string {
    let id = this.foldedNames.get(name);
    if (id === undefined) this.foldedNames.set(name, (id = foldName(name)));
    return id;
  }

  private setValue(key: PhysicalKey, name: string, value: RegistryValue): void {
    let sections = this.liveSections(key);
    if (sections.length === 0) {
      this.createSections(key);
      sections = this.liveSections(key);
    }
    // The entry that counts, else one removed earlier (restored in place).
    const named = this.entriesNamed(sections, name);
    const entry = named.filter((e) => !e.removed).pop() ?? named.pop();
    if (entry) {
      const keepName = !entry.removed && entry.value !== null ? entry.name : name;
      this.rewrite(entry, keepName, value);
      return;
    }
    const section = sections[sections.length - 1] as RegSection;
    let at = section.entries.length;
    while (at > 0 && section.entries[at - 1]?.type === 'trivia' && section.entries[at - 1]?.raw.trim() === '') at--;
    const raw = renderValueEntry(name, value, this.newline);
    section.entries.splice(at, 0, { type: 'value', name, value, raw, line: 0, original: { value: null, raw } });
  }

  private rewrite(entry: RegValueEntry, name: string, value: RegistryValue): void {
    entry.original ??= { value: entry.removed ? null : entry.value, raw: entry.raw };
    const { original } = entry;
    const same = original.value !== null && valuesEqual(original.value, value) && foldName(entry.name) === foldName(name) && entry.name === name;
    entry.raw = same ? original.raw : renderValueEntry(name, value, this.newline);
    entry.name = name;
    // another object, never a change to the old one: reads handed out the parsed value objects themselves
    entry.value = value;
    entry.removed = false;
  }

  private deleteValue(key: PhysicalKey, name: string): void {
    const named = this.entriesNamed(this.liveSections(key), name).filter((e) => !e.removed);
    const effective = named[named.length - 1];
    if (!effective || effective.value === null) return;
    for (const e of named) {
      e.original ??= { value: e.value, raw: e.raw };
      e.removed = true;
    }
  }

  private deleteKey(key: PhysicalKey): void {
    const parent = parentOf(key);
    const parentExisted = parent !== undefined && parent.path !== '' && this.exists(parent);
    // the sections at or below the key, from the index: scanning every section per deleted key is quadratic
    const { within, kills } = this.indexed();
    const inside = [...(within.get(keyIndexId(key.hive, foldedPath(key))) ?? []), ...kills.filter((i) => isWithin(this.reg.sections[i] as RegSection, key))];
    inside.sort((a, b) => a - b);
    let dropsSynthetic = false;
    for (const i of inside) {
      const s = this.reg.sections[i] as RegSection;
      if (s.synthetic) {
        dropsSynthetic = true;
        continue;
      }
      s.removed = true;
      for (const e of s.entries) {
        if (e.type !== 'value' || e.removed) continue;
        e.original ??= { value: e.value, raw: e.raw };
        e.removed = true;
      }
    }
    const first = inside[0] ?? -1;
    if (dropsSynthetic) {
      this.reg.sections = this.reg.sections.filter((s) => !(s.synthetic && isWithin(s, key)));
      this.index = undefined;
    }
    if (parent && parentExisted && !this.exists(parent)) {
      this.reg.sections.splice(first, 0, { ...this.newSection(parent), synthetic: true });
      this.index = undefined;
    }
  }

  private newSection(key: PhysicalKey): RegSection {
    return { hive: key.hive, path: key.path, delete: false, raw: renderKeyLine(key.hive, key.path, this.newline), line: 0, entries: [{ type: 'trivia', raw: this.newline, line: 0 }] };
  }

  /** Makes the key exist with a section of its own, adding sections for missing ancestors as a registry export shows them. */
  private createSections(key: PhysicalKey): void {
    const parent = parentOf(key);
    if (parent && parent.path !== '' && !this.exists(parent)) this.createSections(parent);
    const kill = this.lastKill(key);
    const revived = findLastIndex(this.reg.sections, (s, i) => i > kill && s.removed === true && !s.delete && sameKey(s, key));
    if (revived >= 0) {
      (this.reg.sections[revived] as RegSection).removed = false;
      return;
    }
    this.reg.sections.splice(this.placeFor(key, kill), 0, this.newSection(key));
    this.index = undefined;
  }

  /** After the subtree of the nearest ancestor that has sections, or at the end; never before a section that deletes it. */
  private placeFor(key: PhysicalKey, kill: number): number {
    for (let a = parentOf(key); a; a = parentOf(a)) {
      const anchor = a;
      const last = findLastIndex(this.reg.sections, (s) => s.removed !== true && isWithin(s, anchor));
      if (last >= 0) return Math.max(last, kill) + 1;
    }
    return this.reg.sections.length;
  }
}
