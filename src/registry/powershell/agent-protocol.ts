import { type ErrorCode, type Diagnostic, RegstateError } from '../../errors.js';
import { MAX_VALUE_BYTES, describeTooLarge, valueByteLength } from '../../model/check-value.js';
import { truncateEcho } from '../../model/display-text.js';
import { type KeyRef, describeKey } from '../../model/key-ref.js';
import type { LiveKey, LiveValue, UnreadableValue } from '../../model/live-state.js';
import type { RegistryValue } from '../../model/registry-value.js';
import { DEFAULT_PROFILE_SID, type UserProfile, isSid } from '../../model/user-profile.js';
import { valueFromJson, valueToJson } from '../../model/value-json.js';
import type { ReadRequest, WriteOp, WriteOutcome } from '../backend.js';
import type { AgentAnswer, AgentError } from './answer-line.js';

// The request side of agent.ps1's protocol: every free-text string travels as base64 of UTF-8.
const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** Codes the agent may report; anything else means the agent is not the one we loaded. */
const AGENT_CODES = new Set<string>(['ACCESS_DENIED', 'UNSUPPORTED_KIND', 'WRITE_FAILED', 'KEY_PATH', 'KEY_NOT_FOUND', 'NO_REGISTRY', 'FILE_UNREADABLE', 'PROFILE_UNAVAILABLE', 'TARGET_CHANGED', 'INTERNAL']);

function agentCode(code: unknown): ErrorCode {
  return typeof code === 'string' && AGENT_CODES.has(code) ? (code as ErrorCode) : 'POWERSHELL_PROTOCOL';
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when the text holds an unpaired UTF-16 surrogate, which UTF-8 (and so the protocol) cannot carry. */
export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

function keyFields(key: KeyRef): Record<string, unknown> {
  return { hive: key.hive, path: b64(key.path), view: key.view };
}

function encodeValue(value: RegistryValue): Record<string, unknown> {
  const json = valueToJson(value);
  if (json.type === 'REG_SZ' || json.type === 'REG_EXPAND_SZ') return { type: json.type, data: b64(json.data) };
  if (json.type === 'REG_MULTI_SZ') return { type: json.type, data: json.data.map(b64) };
  return { ...json };
}

export function encodeReadRequest(requests: ReadRequest[], simulatedHive: string | undefined): Record<string, unknown> {
  return {
    op: 'read',
    simulatedHive: simulatedHive === undefined ? null : b64(simulatedHive),
    keys: requests.map((r) => ({ ...keyFields(r.key), recursive: r.recursive === true })),
  };
}

export function encodeProfilesRequest(simulatedHive: string | undefined): Record<string, unknown> {
  return { op: 'profiles', simulatedHive: simulatedHive === undefined ? null : b64(simulatedHive) };
}

export function encodeWriteRequest(ops: WriteOp[], simulatedHive: string | undefined): Record<string, unknown> {
  return {
    op: 'write',
    simulatedHive: simulatedHive === undefined ? null : b64(simulatedHive),
    ops: ops.map((op) => {
      const fields: Record<string, unknown> = { op: op.op, ...keyFields(op.key) };
      if (op.op === 'set-value' || op.op === 'delete-value') fields.name = b64(op.name);
      if (op.op === 'set-value') fields.value = encodeValue(op.value);
      return fields;
    }),
  };
}

/** Strings of a write op that cannot cross to PowerShell intact, or undefined when all can. */
export function unsendableText(op: WriteOp): string | undefined {
  const texts = [op.key.path];
  if (op.op === 'set-value' || op.op === 'delete-value') texts.push(op.name);
  if (op.op === 'set-value' && (op.value.type === 'REG_SZ' || op.value.type === 'REG_EXPAND_SZ')) texts.push(op.value.data);
  // a REG_MULTI_SZ may have hundreds of thousands of entries: searched, not spread into push
  return texts.find(hasLoneSurrogate) ?? (op.op === 'set-value' && op.value.type === 'REG_MULTI_SZ' ? op.value.data.find(hasLoneSurrogate) : undefined);
}

function protocol(message: string): never {
  throw new RegstateError('POWERSHELL_PROTOCOL', `unexpected answer from the agent: ${message}`);
}

/** Throws the failure of a request as a whole (ok false). */
export function throwIfFailed(answer: AgentAnswer): void {
  if (answer.ok) return;
  const diagnostics: Diagnostic[] = answer.errors.map((e) => ({ code: agentCode(e.code), message: String(e.message) }));
  if (diagnostics.length === 0) protocol('ok false without errors');
  throw RegstateError.fromDiagnostics(diagnostics);
}

function subKey(key: KeyRef, sub: unknown): KeyRef {
  if (!Array.isArray(sub) || !sub.every((s) => typeof s === 'string')) protocol('sub is not a list of names');
  if (sub.length === 0) return key;
  const rest = (sub as string[]).join('\\');
  return { ...key, path: key.path === '' ? rest : `${key.path}\\${rest}` };
}

function requestKey(requests: ReadRequest[], index: unknown): KeyRef {
  const r = typeof index === 'number' ? requests[index] : undefined;
  if (!r) return protocol(`request index ${String(index)} out of range`);
  return r.key;
}

function decodeValue(json: unknown, key: KeyRef): LiveValue {
  const { name, ...rest } = (json ?? {}) as { name?: unknown };
  if (typeof name !== 'string') protocol('a value without a name');
  let value: RegistryValue;
  try {
    value = valueFromJson(rest);
  } catch (error) {
    return protocol(error instanceof Error ? error.message : String(error));
  }
  // The same bound as a .reg file's values: far above any real setting.
  const size = valueByteLength(value);
  if (size > MAX_VALUE_BYTES) throw new RegstateError('VALUE_TOO_LARGE', `cannot read ${describeKey(key)}, value ${JSON.stringify(truncateEcho(name as string))}: ${value.type} ${describeTooLarge(size)}`);
  return { name: name as string, value };
}

function decodeUnreadable(list: unknown): UnreadableValue[] {
  // Agents before the per-value slot put these in errors; an absent field is an empty list.
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) protocol('unreadable is not a list');
  return (list as unknown[]).map((item) => {
    const u = (item ?? {}) as { name?: unknown; code?: unknown; message?: unknown };
    if (typeof u.name !== 'string') protocol('an unreadable value without a name');
    return { name: u.name as string, code: agentCode(u.code), message: String(u.message) };
  });
}

/**
 * Turns a read answer into LiveKeys. Keys the agent could not read fail the read, each named;
 * values it could not read are reported on their key (LiveKey.unreadable).
 */
export function decodeReadAnswer(requests: ReadRequest[], answer: AgentAnswer): LiveKey[] {
  throwIfFailed(answer);
  if (!Array.isArray(answer.results)) protocol('read results are not a list');
  const problems: Diagnostic[] = (answer.errors as AgentError[]).map((e) => {
    const key = subKey(requestKey(requests, e.request), e.sub ?? []);
    const what = typeof e.name === 'string' ? `${describeKey(key)}, value ${JSON.stringify(e.name)}` : describeKey(key);
    return { code: agentCode(e.code), message: `cannot read ${what}: ${String(e.message)}`, key };
  });
  if (problems.length > 0) throw RegstateError.fromDiagnostics(problems);
  return (answer.results as unknown[]).map((item) => {
    const r = (item ?? {}) as { request?: unknown; sub?: unknown; exists?: unknown; values?: unknown; subkeys?: unknown; unreadable?: unknown };
    if (typeof r.exists !== 'boolean' || !Array.isArray(r.values) || !Array.isArray(r.subkeys)) protocol('a read result is not { exists, values, subkeys }');
    if (!(r.subkeys as unknown[]).every((s) => typeof s === 'string')) protocol('subkey names are not strings');
    const unreadable = decodeUnreadable(r.unreadable);
    const key = subKey(requestKey(requests, r.request), r.sub);
    return {
      key,
      exists: r.exists as boolean,
      values: (r.values as unknown[]).map((v) => decodeValue(v, key)),
      subkeys: [...(r.subkeys as string[])],
      ...(unreadable.length > 0 ? { unreadable } : {}),
    };
  });
}

/** Turns a write answer into one outcome per sent op. */
export function decodeWriteAnswer(sent: number, answer: AgentAnswer): WriteOutcome[] {
  throwIfFailed(answer);
  if (!Array.isArray(answer.results) || answer.results.length !== sent) protocol(`expected ${sent} write outcomes`);
  return (answer.results as unknown[]).map((item) => {
    const r = (item ?? {}) as { ok?: unknown; code?: unknown; message?: unknown };
    if (r.ok === true) return { ok: true };
    if (r.ok !== false) protocol('a write outcome without ok');
    return { ok: false, code: agentCode(r.code), message: String(r.message) };
  });
}

const PROFILE_KINDS = new Set(['user', 'service', 'default']);
const PROFILE_FIELDS = new Set(['sid', 'account', 'profilePath', 'loaded', 'kind']);

// A base64 field of the profiles answer: null, or base64 of UTF-8 text without NULs or lone surrogates.
function decodeText(value: unknown, field: string): string | undefined {
  if (value === null) return undefined;
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) protocol(`profile ${field} is not base64 or null`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(Buffer.from(value as string, 'base64'));
  } catch {
    return protocol(`profile ${field} is not UTF-8`);
  }
  if (text === '' || text.includes('\0')) protocol(`profile ${field} is empty or holds a NUL`);
  return text;
}

/**
 * Turns a profiles answer into UserProfiles, checked strictly: SIDs as ProfileList names them (each once,
 * ignoring case), the default profile once as DEFAULT_PROFILE_SID, and no field the protocol does not have.
 */
export function decodeProfilesAnswer(answer: AgentAnswer): UserProfile[] {
  throwIfFailed(answer);
  if (!Array.isArray(answer.results)) protocol('profiles results are not a list');
  const seen = new Set<string>();
  return (answer.results as unknown[]).map((item): UserProfile => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) protocol('a profile is not an object');
    const p = item as Record<string, unknown>;
    const extra = Object.keys(p).find((k) => !PROFILE_FIELDS.has(k));
    if (extra !== undefined) protocol(`a profile has an unknown field ${JSON.stringify(extra)}`);
    const { sid, loaded, kind } = p;
    if (typeof kind !== 'string' || !PROFILE_KINDS.has(kind)) protocol(`profile kind ${JSON.stringify(kind)} is not user, service or default`);
    if (typeof loaded !== 'boolean') protocol('profile loaded is not a boolean');
    if (typeof sid !== 'string') protocol('a profile without a SID');
    const isDefault = kind === 'default';
    if (isDefault ? sid !== DEFAULT_PROFILE_SID || loaded : !isSid(sid as string)) protocol(`profile ${JSON.stringify(sid)} is not a ${isDefault ? 'default profile that is not loaded' : 'SID'}`);
    const id = (sid as string).toUpperCase();
    if (seen.has(id)) protocol(`profile ${sid as string} is listed twice`);
    seen.add(id);
    const account = decodeText(p.account, 'account');
    const profilePath = decodeText(p.profilePath, 'profilePath');
    return {
      sid: sid as string,
      ...(account === undefined ? {} : { account }),
      ...(profilePath === undefined ? {} : { profilePath }),
      loaded: loaded as boolean,
      kind: kind as UserProfile['kind'],
    };
  });
}
