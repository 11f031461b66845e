import type { Diagnostic } from '../errors.js';
import type { UserSelection } from '../model/desired-state.js';
import { splitKeyPath } from '../model/key-ref.js';
import { formatDataPath } from './data-path.js';
import { type SourceNode, type YamlSource, childNode, nodePos } from './yaml-nodes.js';

// Characters no SID and no account name holds (besides the one `\` between domain and name); `[` and `]`
// are refused so that nobody expects a character class: only `*` and `?` are wildcards.
const FORBIDDEN = /[/[\]:;|=,+"<>\u0000-\u001f\u007f]/;

/** Why a user pattern cannot match any SID or account name, or undefined when it can. */
export function checkUserPattern(pattern: string): string | undefined {
  // '' is the schema's to refuse (minLength)
  if (pattern !== '' && pattern.trim() === '') return 'a user pattern must not be only white space';
  const bad = FORBIDDEN.exec(pattern)?.[0];
  if (bad !== undefined) {
    const shown = JSON.stringify(bad);
    return bad === '[' || bad === ']'
      ? `${JSON.stringify(pattern)} has ${shown}: only * (any characters) and ? (one character) are wildcards in a user pattern`
      : `${JSON.stringify(pattern)} has ${shown}, which no SID or account name holds`;
  }
  if (pattern.split('\\').length > 2) return `${JSON.stringify(pattern)} has more than one backslash; an account name is DOMAIN\\name`;
  return undefined;
}

function patternsOf(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((p) => typeof p === 'string') ? (value as string[]) : undefined;
}

/**
 * `users` of one key as written (the schema has checked its shape), with the checks the schema cannot
 * make, each at its own line:column: only on a key under HKCU (after variable substitution), and
 * patterns that can match a SID or an account name (USERS).
 */
export function collectUserSelection(
  source: YamlSource,
  diagnostics: Diagnostic[],
  k: Record<string, unknown>,
  node: SourceNode | null,
  path: string[],
  pathText: unknown,
): UserSelection | undefined {
  if (k.users === undefined) return undefined;
  const usersFound = childNode(source, node, 'users') ?? { node };
  const at = nodePos(source, usersFound);
  const split = typeof pathText === 'string' ? splitKeyPath(pathText) : undefined;
  let ok = true;
  if (split && split.hive !== 'HKCU') {
    ok = false;
    diagnostics.push({
      code: 'USERS',
      message: `${formatDataPath([...path, 'users'])}: users applies a key under HKCU to every user profile, but this key is under ${split.hive}; write the key as HKCU\\... (or, for one profile, as HKU\\<SID>\\... without users)`,
      source: at,
    });
  }
  // HKCU\Software\Classes is another hive (UsrClass.dat), which loading a user's NTUSER.DAT does not bring
  if (split && split.hive === 'HKCU' && /^software\\classes(?:\\|$)/i.test(split.path)) {
    ok = false;
    diagnostics.push({
      code: 'USERS',
      message: `${formatDataPath([...path, 'users'])}: HKCU\\Software\\Classes is each user's classes hive (UsrClass.dat), which is not loaded with the user's NTUSER.DAT, so users cannot apply a key there`,
      source: at,
    });
  }
  if (k.users === 'all') return ok ? { exclude: [], defaultProfile: false, source: at } : undefined;
  const spec = k.users as Record<string, unknown>;
  if (typeof spec !== 'object' || spec === null) return undefined;
  const lists: Record<'include' | 'exclude', string[] | undefined> = { include: patternsOf(spec.include), exclude: patternsOf(spec.exclude) };
  for (const field of ['include', 'exclude'] as const) {
    const list = lists[field] ?? [];
    const listNode = childNode(source, usersFound.node, field)?.node ?? null;
    list.forEach((pattern, i) => {
      const problem = checkUserPattern(pattern);
      if (problem === undefined) return;
      ok = false;
      const found = childNode(source, listNode, String(i)) ?? { node: listNode };
      diagnostics.push({ code: 'USERS', message: `${formatDataPath([...path, 'users', field, String(i)])}: ${problem}`, source: nodePos(source, found) });
    });
  }
  if (!ok || (spec.include !== undefined && !lists.include) || (spec.exclude !== undefined && !lists.exclude)) return undefined;
  const selection: UserSelection = { exclude: lists.exclude ?? [], defaultProfile: spec.defaultProfile === true, source: at };
  if (lists.include) selection.include = lists.include;
  return selection;
}
