import type { UserSelection } from '../model/desired-state.js';
import { foldName } from '../model/fold-name.js';
import type { UserProfile } from '../model/user-profile.js';

// A user pattern as a regular expression: `*` any characters, `?` one, everything else literal.
// Written here rather than taken from a glob library: those read `\` as an escape or a path
// separator, and here it is the literal between DOMAIN and name (`CONTOSO\*`).
function patternRegExp(pattern: string): RegExp {
  let source = '';
  for (const ch of foldName(pattern)) source += ch === '*' ? '[\\s\\S]*' : ch === '?' ? '[\\s\\S]' : ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  return new RegExp(`^${source}$`, 'u');
}

/** Whether a glob user pattern matches `text`, case-insensitively as Windows compares names. */
export function matchesUserPattern(pattern: string, text: string): boolean {
  return patternRegExp(pattern).test(foldName(text));
}

function matchesProfile(pattern: string, profile: UserProfile): boolean {
  return matchesUserPattern(pattern, profile.sid) || (profile.account !== undefined && matchesUserPattern(pattern, profile.account));
}

/**
 * Whether a per-user key applies to `profile`. A user profile: taken by every include pattern (none:
 * all users) matching its SID or account name, unless an exclude pattern matches. A service profile:
 * only by an include pattern that is exactly its SID (never by `all` or `*`), unless excluded. The
 * default profile: only with defaultProfile (patterns do not reach it).
 */
export function selectsProfile(selection: Pick<UserSelection, 'include' | 'exclude' | 'defaultProfile'>, profile: UserProfile): boolean {
  if (profile.kind === 'default') return selection.defaultProfile;
  const included =
    profile.kind === 'service'
      ? (selection.include ?? []).some((p) => foldName(p) === foldName(profile.sid))
      : selection.include === undefined || selection.include.some((p) => matchesProfile(p, profile));
  return included && !selection.exclude.some((p) => matchesProfile(p, profile));
}
