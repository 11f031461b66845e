import { formatKey } from '../model/key-ref.js';
import type { SourcePos } from '../model/source-pos.js';
import { type ValueJson, valueToJson } from '../model/value-json.js';
import { undeclaredToJson } from './undeclared-json.js';
import { usersToJson } from './users-json.js';
import { type Change, type ChangeAction, type KeyContents, type Plan, type PlanSummary, summarizePlan } from './plan.js';

/** The version of the plan JSON format; bumped on any change a reader must know about. */
export const PLAN_FORMAT_VERSION = 2;

/**
 * The version of a plan that carries `undeclared` or `exclusiveKeys`: a regstate reading only
 * version 2 would apply it without re-checking its exclusive keys, so it must refuse it instead.
 */
export const PLAN_FORMAT_VERSION_UNDECLARED = 3;

/** 3 exactly when the plan carries undeclared values or exclusive keys, else 2 (what older regstate reads). */
export function planFormatVersion(plan: Plan): PlanFormatVersion {
  return plan.undeclared?.length || plan.exclusive?.length ? PLAN_FORMAT_VERSION_UNDECLARED : PLAN_FORMAT_VERSION;
}

export type PlanFormatVersion = typeof PLAN_FORMAT_VERSION | typeof PLAN_FORMAT_VERSION_UNDECLARED;

/**
 * One change in the plan JSON. `key` is `HKLM\SOFTWARE\...` (short hive name), `view` 64 or 32,
 * `name` the value name ('' is the default value; null for key actions), `before`/`after` the
 * value JSON (model/value-json.ts) or null. `source` is an object, not a `file:line:column`
 * string, because file names may hold colons (`C:\configs\x.yaml`) and tools should not have to
 * split them. `contents` and `subtree` only on delete-key: `subtree` is every key the deletion
 * removes (`path` below the deleted key, '' for the key itself) with its values, as planned.
 */
export interface ChangeJson {
  action: ChangeAction;
  key: string;
  view: 32 | 64;
  name: string | null;
  before: ValueJson | null;
  after: ValueJson | null;
  source: SourcePos;
  contents?: KeyContents;
  subtree?: SubtreeKeyJson[];
}

export interface SubtreeKeyJson {
  path: string;
  values: { name: string; value: ValueJson }[];
}

/**
 * The whole document: `formatVersion` (planFormatVersion), `changes`, `summary`, `undeclared` and
 * `exclusiveKeys` (only when the plan has any: see undeclared-json.ts), `users` (only with per-user
 * keys: see users-json.ts), then any extra top-level fields.
 */
export interface PlanJson {
  formatVersion: PlanFormatVersion;
  changes: ChangeJson[];
  summary: PlanSummary;
  [extra: string]: unknown;
}

const CORE_FIELDS = new Set(['formatVersion', 'changes', 'summary', 'undeclared', 'exclusiveKeys', 'users']);

function changeToJson(change: Change): ChangeJson {
  const json: ChangeJson = {
    action: change.action,
    key: formatKey(change.key),
    view: change.key.view,
    name: 'name' in change ? change.name : null,
    before: change.before ? valueToJson(change.before) : null,
    after: change.after ? valueToJson(change.after) : null,
    source: { file: change.source.file, line: change.source.line, column: change.source.column },
  };
  if (change.action === 'delete-key') {
    json.contents = { values: change.contents.values, subkeys: change.contents.subkeys };
    json.subtree = change.subtree.map((k) => ({ path: k.path, values: k.values.map((v) => ({ name: v.name, value: valueToJson(v.value) })) }));
  }
  return json;
}

/** The plan as a JSON object; `extra` adds top-level fields (it may not replace the core ones). */
export function planToJson(plan: Plan, extra: object = {}): PlanJson {
  const doc: PlanJson = { formatVersion: planFormatVersion(plan), changes: plan.changes.map(changeToJson), summary: summarizePlan(plan), ...undeclaredToJson(plan), ...usersToJson(plan) };
  for (const [field, value] of Object.entries(extra)) {
    if (CORE_FIELDS.has(field)) throw new Error(`extra plan field would replace a core field: ${field}`);
    doc[field] = value;
  }
  return doc;
}

/** The plan JSON text (two-space indented, trailing newline), for tools and saved plans. */
export function renderPlanJson(plan: Plan, extra?: object): string {
  return `${JSON.stringify(planToJson(plan, extra), null, 2)}\n`;
}
