import type { Diagnostic } from '../errors.js';
import type { DesiredKey, DesiredValue } from '../model/desired-state.js';
import { foldName } from '../model/fold-name.js';
import { type KeyRef, describeKey, parentKey } from '../model/key-ref.js';
import { physicalKeyId } from '../registry/physical-key.js';
import { formatSourcePos } from '../model/source-pos.js';
import { describeDifferentUsers, differentUsers, mergeKeyOptions } from './merge-key-options.js';

function describeName(name: string): string {
  return name === '' ? 'the default value' : `value ${JSON.stringify(name)}`;
}

/** Whether `id` has a proper or equal prefix, ending at a backslash, that is in `ids`. */
function hasPrefixIn(id: string, ids: ReadonlyMap<string, unknown>): boolean {
  if (ids.has(id)) return true;
  for (let cut = id.lastIndexOf('\\'); cut > 0; cut = id.lastIndexOf('\\', cut - 1)) if (ids.has(id.slice(0, cut))) return true;
  return false;
}

function declaredTwice(first: DesiredValue, value: DesiredValue, decl: DesiredKey): Diagnostic {
  return {
    code: 'DUPLICATE',
    message: `${describeName(value.name)} of key ${describeKey(decl.key)} is declared twice: at ${formatSourcePos(first.source)} and at ${formatSourcePos(value.source)}`,
    source: value.source,
  };
}

// A key's first declaration with this many values or fewer is checked for duplicate names pairwise:
// most keys are declared once, with a few values, and a map per key cost more than the comparisons.
const FEW_VALUES = 16;

/** The values of a key's first declaration, each name once: the second of a name is a DUPLICATE. */
function addFirstValues(target: DesiredKey, decl: DesiredKey, diagnostics: Diagnostic[]): void {
  const folded: string[] = [];
  for (const value of decl.values) {
    const vid = foldName(value.name);
    const at = folded.indexOf(vid);
    if (at >= 0) {
      diagnostics.push(declaredTwice(target.values[at] as DesiredValue, value, decl));
      continue;
    }
    folded.push(vid);
    target.values.push(value);
  }
}

/** Keys declared under a key declared absent: each conflicts with that deletion. `merged` is by physical key id. */
function findUnderAbsent(merged: ReadonlyMap<string, DesiredKey>): Diagnostic[] {
  const absent = new Map<string, DesiredKey>();
  for (const [id, k] of merged) if (k.ensure === 'absent') absent.set(id, k);
  if (absent.size === 0) return [];
  const diagnostics: Diagnostic[] = [];
  for (const [id, k] of merged) {
    // every ancestor's physical id is its own id or a prefix of it: most keys have none declared absent
    if (!hasPrefixIn(id, absent)) continue;
    for (let up: KeyRef | undefined = parentKey(k.key); up && up.path !== ''; up = parentKey(up)) {
      const outer = absent.get(physicalKeyId(up));
      if (!outer) continue;
      diagnostics.push({
        code: 'CONFLICT',
        message: `key ${describeKey(k.key)} is declared here, but it lies under key ${describeKey(outer.key)}, which is declared absent at ${formatSourcePos(outer.source)}`,
        source: k.source,
      });
      break;
    }
  }
  return diagnostics;
}

/**
 * Merges the keys declared across files into one list, unique by physical key in first-declaration order,
 * each with the values of all its declarations. A value declared twice is a DUPLICATE; a key declared
 * present in one place and absent in another, or anything declared under an absent key, a CONFLICT.
 */
export function mergeDeclarations(declared: readonly DesiredKey[]): { keys: DesiredKey[]; diagnostics: Diagnostic[] } {
  const merged = new Map<string, DesiredKey>();
  // the values of a key declared more than once, by folded name (built at its second declaration)
  const seenValues = new Map<DesiredKey, Map<string, DesiredValue>>();
  const diagnostics: Diagnostic[] = [];
  for (const decl of declared) {
    // One identity per registry key: the two views of an unredirected key are the same key.
    const id = physicalKeyId(decl.key);
    let target = merged.get(id);
    if (!target) {
      target = { key: decl.key, ensure: decl.ensure, values: [], source: decl.source };
      if (decl.undeclared) target.undeclared = decl.undeclared;
      if (decl.exclusive) target.exclusive = decl.exclusive;
      if (decl.users) target.users = decl.users;
      merged.set(id, target);
      if (decl.values.length <= FEW_VALUES) {
        addFirstValues(target, decl, diagnostics);
        continue;
      }
    } else if (differentUsers(target, decl)) {
      diagnostics.push(describeDifferentUsers(target, decl));
      continue;
    } else if (target.ensure !== decl.ensure) {
      diagnostics.push({
        code: 'CONFLICT',
        message: `key ${describeKey(decl.key)} is declared ${decl.ensure} at ${formatSourcePos(decl.source)} and ${target.ensure} at ${formatSourcePos(target.source)}`,
        source: decl.source,
      });
      continue;
    } else if (decl.ensure === 'absent') {
      diagnostics.push({
        code: 'DUPLICATE',
        message: `key ${describeKey(decl.key)} is declared absent twice: at ${formatSourcePos(target.source)} and at ${formatSourcePos(decl.source)}`,
        source: decl.source,
      });
      continue;
    } else {
      const problem = mergeKeyOptions(target, decl);
      if (problem) diagnostics.push(problem);
    }
    let seen = seenValues.get(target);
    if (!seen) {
      // the values kept so far have one folded name each: the first declared of that name
      seen = new Map();
      for (const value of target.values) seen.set(foldName(value.name), value);
      seenValues.set(target, seen);
    }
    for (const value of decl.values) {
      // the same identity as valueId(): the key's physical id (above), then the folded name
      const vid = foldName(value.name);
      const first = seen.get(vid);
      if (first) {
        diagnostics.push(declaredTwice(first, value, decl));
        continue;
      }
      seen.set(vid, value);
      target.values.push(value);
    }
  }
  const keys = [...merged.values()];
  return { keys, diagnostics: [...diagnostics, ...findUnderAbsent(merged)] };
}
