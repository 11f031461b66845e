import { RegstateError } from '../errors.js';
import type { ConfigFile } from '../model/desired-state.js';
import type { Target } from '../registry/backend.js';
import type { Plan } from './plan.js';
import { parsePlanJsonDocument } from './parse-plan-json.js';
import { renderPlanJson } from './render-json.js';

/** What a saved plan records besides its changes: where it applies and what it came from. */
export interface SavedPlanMeta {
  createdAt: string;
  target: Target;
  configs: Pick<ConfigFile, 'path' | 'sha256'>[];
}

export const SAVED_PLAN_KIND = 'regstate-plan';

/** A saved plan is the JSON plan format plus `kind`, `createdAt`, `target` and `configs`. */
export function renderSavedPlan(plan: Plan, meta: SavedPlanMeta): string {
  return renderPlanJson(plan, { kind: SAVED_PLAN_KIND, ...meta });
}

function isTarget(t: unknown): t is Target {
  const x = t as Record<string, unknown>;
  if (typeof x !== 'object' || x === null) return false;
  if (x.backend === 'regfile') return typeof x.file === 'string';
  if (x.backend === 'powershell') return typeof x.host === 'string' && (x.simulatedHive === undefined || typeof x.simulatedHive === 'string');
  if (x.backend === 'memory') return typeof x.name === 'string';
  return false;
}

/** True when the text looks like a saved plan rather than a desired-state file. */
export function looksLikeSavedPlan(text: string): boolean {
  return /^\s*\{/.test(text) && text.includes(`"${SAVED_PLAN_KIND}"`);
}

export function parseSavedPlan(text: string, file: string): { plan: Plan; meta: SavedPlanMeta } {
  const { plan, extra } = parsePlanJsonDocument(text, file);
  const json = extra as Record<string, unknown>;
  if (json.kind !== SAVED_PLAN_KIND) throw new RegstateError('PLAN_FILE', `${file}: not a saved plan (kind must be "${SAVED_PLAN_KIND}")`);
  if (!isTarget(json.target)) throw new RegstateError('PLAN_FILE', `${file}: the plan records no valid target`);
  const configs = json.configs;
  if (!Array.isArray(configs) || !configs.every((c) => typeof c?.path === 'string' && typeof c?.sha256 === 'string')) {
    throw new RegstateError('PLAN_FILE', `${file}: the plan records no valid configs`);
  }
  return { plan, meta: { createdAt: String(json.createdAt), target: json.target, configs } };
}
