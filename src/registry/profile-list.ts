import type { Diagnostic } from '../errors.js';
import { foldName } from '../model/fold-name.js';
import type { Hive } from '../model/hive.js';
import { type KeyRef, describeKey } from '../model/key-ref.js';
import { DEFAULT_PROFILE_SID, type UserProfile, isSid } from '../model/user-profile.js';
import type { TreeNode } from './snapshot-tree.js';

/** Where Windows lists the profiles of a machine: one subkey a SID, with ProfileImagePath. */
export const PROFILE_LIST_PATH = 'SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList';

type FindNode = (key: { hive: Hive; path: string }) => TreeNode | undefined;

/** `user` for accounts of people (S-1-5-21-*, Azure AD S-1-12-1-*), `service` for the rest (S-1-5-18, ...). */
export function profileKind(sid: string): 'user' | 'service' {
  return /^S-1-5-21-|^S-1-12-1-/i.test(sid) ? 'user' : 'service';
}

function stringValue(node: TreeNode | undefined, name: string): string | undefined {
  const value = node?.values.get(foldName(name))?.value;
  return value && (value.type === 'REG_SZ' || value.type === 'REG_EXPAND_SZ') ? value.data : undefined;
}

/**
 * The profiles of a registry held in one tree (a .reg file, the memory backend): each subkey of
 * ProfileList named by a SID (as the agent lists them: a `.bak` left-over is no profile), loaded when
 * HKU\<sid> is in the tree too; then the default profile, only when
 * HKU\<Default> is in the tree. Account names are not known there (absent); ProfileImagePath is kept
 * as written (nothing expands environment variables offline).
 */
export function profilesInTree(find: FindNode): UserProfile[] {
  const list = find({ hive: 'HKLM', path: PROFILE_LIST_PATH });
  const profiles: UserProfile[] = [];
  for (const child of list?.children.values() ?? []) {
    if (!isSid(child.name)) continue;
    const profile: UserProfile = { sid: child.name, loaded: find({ hive: 'HKU', path: child.name }) !== undefined, kind: profileKind(child.name) };
    const path = stringValue(child, 'ProfileImagePath');
    if (path !== undefined) profile.profilePath = path;
    profiles.push(profile);
  }
  if (find({ hive: 'HKU', path: DEFAULT_PROFILE_SID })) {
    const directory = stringValue(list, 'ProfilesDirectory');
    const path = stringValue(list, 'Default') ?? (directory === undefined ? undefined : `${directory}\\Default`);
    profiles.push({ sid: DEFAULT_PROFILE_SID, loaded: true, kind: 'default', ...(path === undefined ? {} : { profilePath: path }) });
  }
  return profiles;
}

/** The first component of an HKU key (the SID of a user hive), or undefined for any other key. */
function hiveSid(key: Pick<KeyRef, 'hive' | 'path'>): string | undefined {
  if (key.hive !== 'HKU' || key.path === '') return undefined;
  const cut = key.path.indexOf('\\');
  return cut < 0 ? key.path : key.path.slice(0, cut);
}

/**
 * Keys under HKU\<sid> of profiles whose hive the tree does not hold, as the agent reports a profile
 * whose NTUSER.DAT it cannot load: offline, nothing can load it. `where` names the registry (a file).
 */
export class UnloadedProfiles {
  private readonly unloaded: Set<string>;

  constructor(
    profiles: readonly UserProfile[],
    private readonly where: string,
  ) {
    this.unloaded = new Set(profiles.filter((p) => !p.loaded).map((p) => foldName(p.sid)));
  }

  /** Why `key` cannot be read or written, or undefined when it can. */
  reasonFor(key: KeyRef): string | undefined {
    const sid = hiveSid(key);
    if (sid === undefined || !this.unloaded.has(foldName(sid))) return undefined;
    return `its hive is not in ${this.where}: ProfileList lists ${sid}, but there is no HKU\\${sid} (the user was not logged on when it was exported)`;
  }

  /** A PROFILE_UNAVAILABLE diagnostic per key that cannot be read, worded as the agent words them. */
  readProblems(keys: readonly KeyRef[]): Diagnostic[] {
    if (this.unloaded.size === 0) return [];
    const problems: Diagnostic[] = [];
    for (const key of keys) {
      const reason = this.reasonFor(key);
      if (reason !== undefined) problems.push({ code: 'PROFILE_UNAVAILABLE', message: `cannot read ${describeKey(key)}: ${reason}`, key });
    }
    return problems;
  }
}
