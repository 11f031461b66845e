import type { ConfigFile } from '../model/desired-state.js';
import type { Target } from '../registry/backend.js';
import type { Plan } from './plan.js';
import { parsePlanJsonDocument } from './parse-plan-json.js';
import type { PlanProblem } from './plan-json-tree.js';
import { renderPlanJson } from './render-json.js';

/** What a saved plan records besides its changes: where it applies and what it came from. */
export interface SavedPlanMeta {
  createdAt: string;
  target: Target;
  configs: Pick<ConfigFile, 'path' | 'sha256'>[];
}

import { SAVED_PLAN_KIND } from './saved-plan-kind.js';

export { SAVED_PLAN_KIND, looksLikeSavedPlan } from './saved-plan-kind.js';

/** A saved plan is the JSON plan format plus `kind`, `createdAt`, `target` and `configs`. */
export function renderSavedPlan(plan: Plan, meta: SavedPlanMeta): string {
  return renderPlanJson(plan, { kind: SAVED_PLAN_KIND, ...meta });
}

/** True when `t` is a target a saved plan may record. */
export function isTarget(t: unknown): t is Target {
  const x = t as Record<string, unknown>;
  if (typeof x !== 'object' || x === null) return false;
  if (x.backend === 'regfile') return typeof x.file === 'string';
  if (x.backend === 'powershell') return typeof x.host === 'string' && (x.simulatedHive === undefined || typeof x.simulatedHive === 'string');
  if (x.backend === 'memory') return typeof x.name === 'string';
  return false;
}


/** What is wrong with a recorded list of configs, `[{path, sha256}]` (a saved plan's, a journal's). */
export function configsProblems(configs: unknown): PlanProblem[] {
  if (!Array.isArray(configs)) return [{ code: 'PLAN_FILE', path: ['configs'], message: 'must be a list of {path, sha256}' }];
  const problems: PlanProblem[] = [];
  configs.forEach((c: unknown, i) => {
    const config = c as Record<string, unknown> | null;
    if (typeof config?.path !== 'string') problems.push({ code: 'PLAN_FILE', path: ['configs', String(i), 'path'], message: 'must be a string' });
    if (typeof config?.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(config.sha256)) problems.push({ code: 'PLAN_FILE', path: ['configs', String(i), 'sha256'], message: 'must be 64 lowercase hex digits' });
  });
  return problems;
}

function checkMeta(json: Record<string, unknown>, problems: PlanProblem[]): void {
  if (json.kind !== SAVED_PLAN_KIND) problems.push({ code: 'PLAN_FILE', path: ['kind'], message: `must be "${SAVED_PLAN_KIND}" (not a saved plan)` });
  if (typeof json.createdAt !== 'string') problems.push({ code: 'PLAN_FILE', path: ['createdAt'], message: 'must be a string' });
  if (!isTarget(json.target)) problems.push({ code: 'PLAN_FILE', path: ['target'], message: 'must name a valid target' });
  problems.push(...configsProblems(json.configs));
}

/** Reads a saved plan, as strictly as parsePlanJsonDocument, plus its kind, target and configs. */
export function parseSavedPlan(text: string, file: string): { plan: Plan; meta: SavedPlanMeta } {
  const { plan, extra } = parsePlanJsonDocument(text, file, checkMeta);
  const configs = (extra.configs as { path: string; sha256: string }[]).map(({ path, sha256 }) => ({ path, sha256 }));
  return { plan, meta: { createdAt: extra.createdAt as string, target: extra.target as Target, configs } };
}
