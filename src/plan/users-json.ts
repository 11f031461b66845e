import { DEFAULT_PROFILE_SID, isSid } from '../model/user-profile.js';
import type { Plan, PlanUser } from './plan.js';
import type { PlanProblem } from './plan-json-tree.js';

/**
 * One user of the plan JSON (`users`, only when a config has per-user keys): the changes of its
 * per-user keys are those whose key is `HKU\<sid>\...`. `account` is null when unknown; `unavailable`
 * says why its hive could not be read (then nothing is planned for it).
 */
export interface UserJson {
  sid: string;
  account: string | null;
  loaded: boolean;
  kind: PlanUser['kind'];
  unavailable?: { code: string; message: string };
}

const KINDS: readonly PlanUser['kind'][] = ['user', 'service', 'default'];

// A SID as the targets list profiles (isSid: S-1-5-18 and longer, no `.bak` left-over), or the
// default profile's name: a single key name below HKU. A plan never holds anything else.
const isUserName = (name: string): boolean => isSid(name) || name.toUpperCase() === DEFAULT_PROFILE_SID.toUpperCase();

export function usersToJson(plan: Pick<Plan, 'users'>): { users?: UserJson[] } {
  if (!plan.users) return {};
  return {
    users: plan.users.map((u) => {
      const json: UserJson = { sid: u.sid, account: u.account ?? null, loaded: u.loaded, kind: u.kind };
      if (u.unavailable) json.unavailable = { code: u.unavailable.code, message: u.unavailable.message };
      return json;
    }),
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseUser(item: unknown, at: string[], problems: PlanProblem[]): PlanUser | undefined {
  const bad = (path: string[], message: string): undefined => {
    problems.push({ code: 'PLAN_FILE', path, message });
    return undefined;
  };
  if (!isObject(item)) return bad(at, 'must be an object {sid, account, loaded, kind}');
  const extra = Object.keys(item).find((f) => !['sid', 'account', 'loaded', 'kind', 'unavailable'].includes(f));
  if (extra !== undefined) return bad([...at, extra], 'is not a field here');
  if (typeof item.sid !== 'string' || !isUserName(item.sid)) return bad([...at, 'sid'], 'must be a SID (S-1-...) or "<Default>"');
  if (item.account !== null && typeof item.account !== 'string') return bad([...at, 'account'], 'must be a string or null');
  if (typeof item.loaded !== 'boolean') return bad([...at, 'loaded'], 'must be true or false');
  if (!KINDS.includes(item.kind as PlanUser['kind'])) return bad([...at, 'kind'], `must be one of ${KINDS.join(', ')}`);
  const user: PlanUser = { sid: item.sid, loaded: item.loaded, kind: item.kind as PlanUser['kind'] };
  if (typeof item.account === 'string') user.account = item.account;
  if (item.unavailable !== undefined) {
    const u = item.unavailable;
    if (!isObject(u) || typeof u.code !== 'string' || typeof u.message !== 'string' || Object.keys(u).length !== 2) return bad([...at, 'unavailable'], 'must be an object {code, message}');
    user.unavailable = { code: u.code, message: u.message };
  }
  return user;
}

/** Reads `users` of a plan JSON document back, as strictly as its changes, adding every problem to `problems`. */
export function parseUsersJson(json: unknown, problems: PlanProblem[]): Pick<Plan, 'users'> {
  if (json === undefined) return {};
  if (!Array.isArray(json)) {
    problems.push({ code: 'PLAN_FILE', path: ['users'], message: 'must be a list' });
    return {};
  }
  const users = json.map((item, i) => parseUser(item, ['users', String(i)], problems)).filter((u): u is PlanUser => u !== undefined);
  return { users };
}
