import type { Diagnostic } from '../errors.js';
import type { DesiredKey } from '../model/desired-state.js';
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
