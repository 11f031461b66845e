import { escapeControl } from '../model/display-text.js';
import { type KeyRef, keyId } from '../model/key-ref.js';
import type { SourcePos } from '../model/source-pos.js';
import type { Change, KeyContents, PlanSummary } from './plan.js';

export type KeyChange = Extract<Change, { action: 'create-key' | 'delete-key' }>;
export type ValueChange = Extract<Change, { action: 'create' | 'update' | 'delete' }>;

/** The changes of one key, as the renderers show them: the key's own change, then its values'. */
export interface KeyGroup {
  key: KeyRef;
  keyChange?: KeyChange;
  values: ValueChange[];
}

/** Groups changes by key (case-insensitive, per view), keys in order of first appearance. */
export function groupChangesByKey(changes: readonly Change[]): KeyGroup[] {
  const groups = new Map<string, KeyGroup>();
  for (const change of changes) {
    const id = keyId(change.key);
    let group = groups.get(id);
    if (!group) {
      group = { key: change.key, values: [] };
      groups.set(id, group);
    }
    if (change.action === 'create-key' || change.action === 'delete-key') group.keyChange = change;
    else group.values.push(change);
  }
  return [...groups.values()];
}

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** `1 to create, 1 to update, 0 to delete. 3 unchanged.` */
export function formatPlanSummary(summary: PlanSummary): string {
  return `${summary.create} to create, ${summary.update} to update, ${summary.delete} to delete. ${summary.unchanged} unchanged.`;
}

/** The sentence for a plan without changes. */
export function formatNoChanges(unchanged: number): string {
  return `No changes. The registry matches the desired state (${count(unchanged, 'declared item', 'declared items')} checked).`;
}

/** `3 values, 1 subkey`. */
export function formatKeyContents(contents: KeyContents): string {
  return `${count(contents.values, 'value', 'values')}, ${count(contents.subkeys, 'subkey', 'subkeys')}`;
}

/** `file:line`, the short form people click on in an editor or a review. */
export function formatSourceLine(source: SourcePos): string {
  return escapeControl(`${source.file}:${source.line}`);
}
