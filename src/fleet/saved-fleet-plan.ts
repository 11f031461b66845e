import { parseDocument } from 'yaml';
import { type Diagnostic, RegstateError } from '../errors.js';
import { escapeControl, truncateEcho } from '../model/display-text.js';
import { parsePlanJsonDocument } from '../plan/parse-plan-json.js';
import { type JsonObject, type PlanProblem, locateProblems, parseJsonTree } from '../plan/plan-json-tree.js';
import { planToJson } from '../plan/render-json.js';
import { isTarget } from '../plan/saved-plan.js';
import type { Plan } from '../plan/plan.js';
import type { Target } from '../registry/backend.js';
import type { HostProblem, HostRun } from './host-run.js';
import { FLEET_PLAN_KIND } from './fleet-plan-kind.js';

export { FLEET_PLAN_KIND, looksLikeFleetPlan } from './fleet-plan-kind.js';

/** The version of the saved fleet plan format; each host's plan is the single-host plan format inside it. */
export const FLEET_PLAN_FORMAT_VERSION = 1;

/** Longest host name a plan may hold (a DNS name is at most 253 characters). */
const MAX_HOST_NAME = 255;

export interface SavedFleetHost {
  host: string;
  /** Planned: where, and what. */
  target?: Target;
  plan?: Plan;
  /** Not planned (not reached, or its config failed for its variables): why. */
  notPlanned?: HostProblem[];
}

export interface SavedFleetPlan {
  createdAt: string;
  inventory: string | null;
  configs: { path: string; sha256: string }[];
  hosts: SavedFleetHost[];
}

/**
 * A fleet plan saved with `plan --inventory ... --out`: `kind`, `fleetFormatVersion`, `createdAt`,
 * `inventory`, `configs`, and `hosts`, one entry per host in inventory order: a planned host is
 * `{host, target}` plus the single-host plan JSON (`formatVersion`, `changes`, `summary`); a host that
 * could not be planned is `{host, notPlanned: [{code, message}]}`.
 */
export function renderSavedFleetPlan(runs: HostRun[], meta: Omit<SavedFleetPlan, 'hosts'>): string {
  const hosts = runs.map((run) =>
    run.plan && run.target
      ? { host: run.host, target: run.target, ...planToJson(run.plan) }
      : { host: run.host, notPlanned: (run.problems ?? [{ code: 'HOST_FAILED', message: `not planned (${run.status})` }]).map(({ code, message }) => ({ code, message })) },
  );
  const doc = { kind: FLEET_PLAN_KIND, fleetFormatVersion: FLEET_PLAN_FORMAT_VERSION, createdAt: meta.createdAt, inventory: meta.inventory, configs: meta.configs, hosts };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/** A saved fleet plan's hosts as a plan run shows them (for `show`). */
export function savedFleetPlanRuns(saved: SavedFleetPlan): HostRun[] {
  return saved.hosts.map((h): HostRun =>
    h.plan && h.target
      ? { host: h.host, status: h.plan.changes.length > 0 ? 'drift' : 'in-sync', target: h.target, plan: h.plan, durationMs: 0 }
      : { host: h.host, status: 'not-planned', problems: h.notPlanned ?? [], durationMs: 0 },
  );
}


const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const TOP_FIELDS = new Set(['kind', 'fleetFormatVersion', 'createdAt', 'inventory', 'configs', 'hosts']);

function checkTop(doc: JsonObject, problems: PlanProblem[]): void {
  const p = (path: string[], message: string) => problems.push({ code: 'PLAN_FILE', path, message });
  for (const field of Object.keys(doc)) if (!TOP_FIELDS.has(field)) p([field], 'is not a field of a fleet plan');
  if (doc.kind !== FLEET_PLAN_KIND) p(['kind'], `must be "${FLEET_PLAN_KIND}"`);
  if (doc.fleetFormatVersion !== FLEET_PLAN_FORMAT_VERSION) p(['fleetFormatVersion'], `must be ${FLEET_PLAN_FORMAT_VERSION}, found ${truncateEcho(JSON.stringify(doc.fleetFormatVersion) ?? 'nothing')}`);
  if (typeof doc.createdAt !== 'string') p(['createdAt'], 'must be a string');
  if (doc.inventory !== null && typeof doc.inventory !== 'string') p(['inventory'], 'must be a string or null');
  if (!Array.isArray(doc.configs)) p(['configs'], 'must be a list of {path, sha256}');
  else {
    doc.configs.forEach((c: unknown, i) => {
      if (!isObject(c) || typeof c.path !== 'string') p(['configs', String(i), 'path'], 'must be a string');
      if (!isObject(c) || typeof c.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(c.sha256)) p(['configs', String(i), 'sha256'], 'must be 64 lowercase hex digits');
    });
  }
  if (!Array.isArray(doc.hosts) || doc.hosts.length === 0) p(['hosts'], 'must be a list of hosts, at least one');
}

function checkHostName(entry: JsonObject, at: string[], seen: Set<string>, problems: PlanProblem[]): string | undefined {
  const { host } = entry;
  if (typeof host !== 'string' || host === '' || host.length > MAX_HOST_NAME) {
    problems.push({ code: 'PLAN_FILE', path: [...at, 'host'], message: `must be a host name (1 to ${MAX_HOST_NAME} characters)` });
    return undefined;
  }
  if (seen.has(host.toLowerCase())) problems.push({ code: 'DUPLICATE', path: [...at, 'host'], message: `host ${escapeControl(truncateEcho(JSON.stringify(host)))} is listed twice` });
  seen.add(host.toLowerCase());
  return host;
}

function parseNotPlanned(entry: JsonObject, at: string[], problems: PlanProblem[]): HostProblem[] {
  for (const field of Object.keys(entry)) if (field !== 'host' && field !== 'notPlanned') problems.push({ code: 'PLAN_FILE', path: [...at, field], message: 'is not a field of a host that was not planned' });
  const list = entry.notPlanned;
  if (!Array.isArray(list)) {
    problems.push({ code: 'PLAN_FILE', path: [...at, 'notPlanned'], message: 'must be a list of {code, message}' });
    return [];
  }
  return list.flatMap((item, j): HostProblem[] => {
    if (isObject(item) && typeof item.code === 'string' && typeof item.message === 'string' && Object.keys(item).length === 2) return [{ code: item.code, message: item.message }];
    problems.push({ code: 'PLAN_FILE', path: [...at, 'notPlanned', String(j)], message: 'must be an object {code, message}' });
    return [];
  });
}

// One host's entry is parsed as a single-host plan document, by the single-host parser, from the
// file's own text with everything outside the entry blanked (line breaks kept): every problem is
// reported at its real line:column.
function parseHostPlan(text: string, file: string, range: [number, number], host: string, at: string[]): { plan: Plan; target: Target } | Diagnostic[] {
  const blank = (s: string) => s.replace(/[^\n]/g, ' ');
  const own = blank(text.slice(0, range[0])) + text.slice(range[0], range[1]) + blank(text.slice(range[1]));
  const checkExtra = (extra: JsonObject, problems: PlanProblem[]) => {
    for (const field of Object.keys(extra)) if (field !== 'host' && field !== 'target') problems.push({ code: 'PLAN_FILE', path: [field], message: 'is not a field of a host plan' });
    if (!isTarget(extra.target)) problems.push({ code: 'PLAN_FILE', path: ['target'], message: 'must name a valid target' });
  };
  try {
    const { plan, extra } = parsePlanJsonDocument(own, file, checkExtra);
    return { plan, target: extra.target as Target };
  } catch (error) {
    if (!(error instanceof RegstateError)) throw error;
    const where = `${at.join('.').replace(/\.(\d+)/g, '[$1]')} (host ${escapeControl(truncateEcho(host))})`;
    return error.diagnostics.map((d) => ({ ...d, message: `${where}: ${d.message}` }));
  }
}

/**
 * Reads a saved fleet plan as strictly as a config: the top level and every host entry checked, each
 * host's plan by the single-host plan parser (keys, values, contradictions, prototype-reaching
 * fields), host names unique. Throws one RegstateError listing every problem with line:column.
 */
export function parseSavedFleetPlan(text: string, file: string): SavedFleetPlan {
  const tree = parseJsonTree(text, file);
  if (!tree.ok) throw RegstateError.fromDiagnostics([tree.diagnostic]);
  const problems = [...tree.problems];
  const doc = tree.value;
  if (!isObject(doc)) throw RegstateError.fromDiagnostics(locateProblems(text, file, [{ code: 'PLAN_FILE', path: [], message: 'is not a fleet plan: the document must be a JSON object' }]));
  checkTop(doc, problems);
  const diagnostics: Diagnostic[] = [];
  const hosts: SavedFleetHost[] = [];
  if (Array.isArray(doc.hosts) && problems.length === 0) {
    const yamlDoc = parseDocument(text, { uniqueKeys: false });
    const seen = new Set<string>();
    doc.hosts.forEach((entry: unknown, i) => {
      const at = ['hosts', String(i)];
      if (!isObject(entry)) return void problems.push({ code: 'PLAN_FILE', path: at, message: 'must be an object' });
      const host = checkHostName(entry, at, seen, problems);
      if (host === undefined) return;
      if ('notPlanned' in entry) return void hosts.push({ host, notPlanned: parseNotPlanned(entry, at, problems) });
      const node = yamlDoc.getIn(['hosts', i], true) as { range?: [number, number, number] } | undefined;
      if (!node?.range) return void problems.push({ code: 'PLAN_FILE', path: at, message: 'could not be located in the file' });
      const parsed = parseHostPlan(text, file, [node.range[0], node.range[1]], host, at);
      if (Array.isArray(parsed)) diagnostics.push(...parsed);
      else hosts.push({ host, ...parsed });
    });
  }
  if (problems.length > 0 || diagnostics.length > 0) throw RegstateError.fromDiagnostics([...locateProblems(text, file, problems), ...diagnostics]);
  return {
    createdAt: doc.createdAt as string,
    inventory: doc.inventory as string | null,
    configs: (doc.configs as { path: string; sha256: string }[]).map(({ path, sha256 }) => ({ path, sha256 })),
    hosts,
  };
}
