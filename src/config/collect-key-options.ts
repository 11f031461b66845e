import type { Diagnostic } from '../errors.js';
import { DEFAULT_MAX_UNDECLARED, type DesiredKey, type ExclusiveMode } from '../model/desired-state.js';
import { foldName } from '../model/fold-name.js';
import { formatKey, splitKeyPath } from '../model/key-ref.js';
import type { Hive } from '../model/hive.js';
import { formatDataPath } from './data-path.js';
import { collectUserSelection } from './collect-user-selection.js';
import { type SourceNode, type YamlSource, childNode, nodePos } from './yaml-nodes.js';

/** What a key says about its undeclared contents (`undeclared`, `exclusive`, `maxUndeclared`, `force`) and whom it is for (`users`). */
export type KeyOptions = Pick<DesiredKey, 'undeclared' | 'exclusive' | 'users'>;

// Roots of a hive below the top level: the 32-bit view of HKLM\SOFTWARE, and the user's classes hive.
const NESTED_ROOTS = new Set(['HKLM\\SOFTWARE\\WOW6432NODE', 'HKCU\\SOFTWARE\\CLASSES']);

// A hive (`HKLM`, `HKLM\`), or HKLM\SOFTWARE, HKLM\SYSTEM, HKU\<SID>, ...: each the root of a hive file loaded there.
function hiveRootOf(text: unknown): { hive: Hive; path: string } | undefined {
  const split = typeof text === 'string' ? splitKeyPath(text.replace(/\\+$/, '')) : undefined;
  if (!split) return undefined;
  const isRoot = split.path === '' || ((split.hive === 'HKLM' || split.hive === 'HKU') && !split.path.includes('\\')) || NESTED_ROOTS.has(foldName(formatKey(split)));
  return isRoot ? split : undefined;
}

function modeOf(value: unknown): ExclusiveMode | undefined {
  if (value === true) return 'values';
  if (value === 'subkeys') return 'subkeys';
  return undefined;
}

/**
 * The undeclared-contents options of one key as written (the schema has checked their types), with
 * the semantic checks the schema cannot make, each at its own line:column: no `exclusive` on a hive
 * root (EXCLUSIVE), no `undeclared: ignore` on an exclusive key (CONFLICT), `users` only under HKCU
 * (USERS, see collectUserSelection). A key declared absent gets only `users` (the schema refuses the others there).
 */
export function collectKeyOptions(
  source: YamlSource,
  diagnostics: Diagnostic[],
  k: Record<string, unknown>,
  node: SourceNode | null,
  path: string[],
  /** The key's path after `${name}` substitution (a variable must not hide a hive root). */
  pathText: unknown = k.path,
): KeyOptions {
  const users = collectUserSelection(source, diagnostics, k, node, path, pathText);
  const forUsers = users ? { users } : {};
  if (k.ensure === 'absent') return forUsers;
  const where = (field: string) => nodePos(source, childNode(source, node, field) ?? { node });
  const options: KeyOptions = { undeclared: k.undeclared === 'ignore' ? 'ignore' : 'show', ...forUsers };
  const mode = modeOf(k.exclusive);
  if (!mode) return options;
  const exclusiveAt = where('exclusive');
  const root = hiveRootOf(pathText);
  if (root) {
    diagnostics.push({
      code: 'EXCLUSIVE',
      message: `${formatDataPath([...path, 'exclusive'])}: ${formatKey(root)} is the root of a hive; exclusive there would delete what Windows and every program keep in it, so it is refused (declare an exclusive key further down)`,
      source: exclusiveAt,
    });
  }
  if (k.undeclared === 'ignore') {
    diagnostics.push({
      code: 'CONFLICT',
      message: `${formatDataPath([...path, 'undeclared'])}: an exclusive key deletes its undeclared values, so they cannot be ignored; remove undeclared: ignore or exclusive`,
      source: where('undeclared'),
    });
  }
  const max = typeof k.maxUndeclared === 'number' && Number.isSafeInteger(k.maxUndeclared) && k.maxUndeclared >= 0 ? k.maxUndeclared : DEFAULT_MAX_UNDECLARED;
  return { undeclared: 'show', exclusive: { mode, maxUndeclared: max, force: k.force === true, source: exclusiveAt }, ...forUsers };
}
