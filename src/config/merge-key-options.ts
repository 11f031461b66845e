import type { Diagnostic } from '../errors.js';
import type { DesiredKey, UserSelection } from '../model/desired-state.js';
import { describeKey } from '../model/key-ref.js';
import { formatSourcePos } from '../model/source-pos.js';

/**
 * Folds the options of another declaration of the same key into the merged key: `exclusive` may be
 * written by one declaration only (a second is a DUPLICATE naming both), `undeclared: ignore` from any
 * declaration hides the undeclared values, except on an exclusive key (a CONFLICT: they are deleted).
 */
export function mergeKeyOptions(target: DesiredKey, decl: DesiredKey): Diagnostic | undefined {
  if (decl.exclusive && target.exclusive) {
    return {
      code: 'DUPLICATE',
      message: `key ${describeKey(decl.key)} is declared exclusive twice: at ${formatSourcePos(target.exclusive.source)} and at ${formatSourcePos(decl.exclusive.source)}`,
      source: decl.exclusive.source,
    };
  }
  const exclusive = target.exclusive ?? decl.exclusive;
  const ignored = target.undeclared === 'ignore' ? target : decl.undeclared === 'ignore' ? decl : undefined;
  if (exclusive && ignored) {
    return {
      code: 'CONFLICT',
      message: `key ${describeKey(decl.key)} is declared exclusive at ${formatSourcePos(exclusive.source)}, but its undeclared values are ignored at ${formatSourcePos(ignored.source)}`,
      source: decl.source,
    };
  }
  if (exclusive) target.exclusive = exclusive;
  if (ignored) target.undeclared = 'ignore';
  else if (decl.undeclared === 'show' || target.undeclared === 'show') target.undeclared = 'show';
  return undefined;
}

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.length === b.length && a.every((p, i) => p === b[i]));
}

function sameUsers(a: UserSelection, b: UserSelection): boolean {
  return sameList(a.include, b.include) && sameList(a.exclude, b.exclude) && a.defaultProfile === b.defaultProfile;
}

/**
 * Whether two declarations of one HKCU key are for different users: one per user profile and one for the
 * user regstate runs as, or two per-user declarations selecting differently. They are different keys,
 * so their values cannot be merged.
 */
export function differentUsers(target: DesiredKey, decl: DesiredKey): boolean {
  if (!target.users || !decl.users) return target.users !== decl.users;
  return !sameUsers(target.users, decl.users);
}

/** The CONFLICT of two declarations of one key for different users (see differentUsers). */
export function describeDifferentUsers(target: DesiredKey, decl: DesiredKey): Diagnostic {
  const where = (k: DesiredKey) => (k.users ? `for the users selected at ${formatSourcePos(k.users.source)}` : `without users (for the user regstate runs as) at ${formatSourcePos(k.source)}`);
  return {
    code: 'CONFLICT',
    message: `key ${describeKey(decl.key)} is declared ${where(decl)} and ${where(target)}; declare it with the same users everywhere`,
    source: decl.users?.source ?? decl.source,
  };
}
