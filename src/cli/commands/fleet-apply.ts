import { resolve } from 'node:path';
import { loadTextWidth } from '../../model/text-width.js';
import { RegstateError } from '../../errors.js';
import { looksLikeSavedPlan } from '../../plan/saved-plan.js';
import { fleetExitCode, hasUnreachedUsers } from '../../fleet/fleet-exit-code.js';
import type { FleetHost } from '../../fleet/fleet-model.js';
import { buildFleetRunReport } from '../../fleet/fleet-run-report.js';
import type { HostRun } from '../../fleet/host-run.js';
import { renderFleetApplyText, renderFleetPlansText } from '../../fleet/render-fleet-text.js';
import { type SavedHostPlan, applyFleet } from '../../fleet/run-fleet.js';
import { type SavedFleetPlan, looksLikeFleetPlan, parseSavedFleetPlan } from '../../fleet/saved-fleet-plan.js';
import { escapeControl, truncateEcho } from '../../model/display-text.js';
import { ensureStateDir } from '../../state/state-dir.js';
import { resolveWriteTarget } from '../../fs/write-file-atomic.js';
import { type FleetCliOptions, checkFleetOptions, desiredForHosts, fleetConnector, fleetProgress, loadFleetHosts, parseParallel, refuseFleetOutputs } from '../fleet-setup.js';
import { type Io, useColor } from '../io.js';
import { type SessionOptions, lockTimeoutMs, saveRunReport, stateDirFor } from '../run-session.js';
import { parseMaxChanges } from './apply.js';
import { confirm } from './execute-plan.js';

export interface FleetApplyOptions extends FleetCliOptions, SessionOptions {
  format: 'text' | 'json';
  autoApprove?: boolean;
  maxChanges?: string;
  color?: boolean;
}

/**
 * The hosts a saved fleet plan applies to: its planned hosts (those --limit selects), each of which the
 * inventory must know, so the plan cannot name a machine the admin did not list. Hosts it could not
 * plan come back as not-planned.
 */
function savedPlanHosts(saved: SavedFleetPlan & { file: string }, selected: FleetHost[], all: FleetHost[]): { hosts: FleetHost[]; plans: Map<string, SavedHostPlan>; notPlanned: HostRun[] } {
  const byName = new Map(all.map((h) => [h.name, h]));
  const chosen = new Set(selected.map((h) => h.name));
  const missing = saved.hosts.filter((h) => !byName.has(h.host)).map((h) => escapeControl(truncateEcho(h.host)));
  if (missing.length > 0) throw new RegstateError('USAGE', `the plan ${saved.file} names host${missing.length === 1 ? '' : 's'} the inventory does not list: ${missing.join(', ')}; nothing was written`);
  const inRun = saved.hosts.filter((h) => chosen.has(h.host));
  const plans = new Map<string, SavedHostPlan>();
  for (const h of inRun) if (h.plan && h.target) plans.set(h.host, { plan: h.plan, target: h.target });
  return {
    hosts: inRun.filter((h) => plans.has(h.host)).map((h) => byName.get(h.host) as FleetHost),
    plans,
    notPlanned: inRun.filter((h) => h.notPlanned).map((h) => ({ host: h.host, status: 'not-planned', problems: (h.notPlanned ?? []).map((p) => ({ code: p.code, message: `not in the plan: ${p.message}` })), durationMs: 0 })),
  };
}

/** `apply --inventory` (configs or a saved fleet plan): every host at once, one approval, per-host journals. */
export async function runFleetApply(inputs: string[], opts: FleetApplyOptions, io: Io, json?: { file: string; text: string }): Promise<number> {
  // a fleet's tables hold host names and values of every kind: string-width measures them
  await loadTextWidth();
  const saved: (SavedFleetPlan & { file: string }) | undefined = json && looksLikeFleetPlan(json.text) ? { file: json.file, ...parseSavedFleetPlan(json.text, json.file) } : undefined;
  const startedAt = new Date();
  checkFleetOptions(opts);
  if (!opts.inventory) throw new RegstateError('USAGE', `${saved?.file ?? inputs[0]} is a fleet plan: give the inventory that reaches its hosts, --inventory FILE`);
  const parallel = parseParallel(opts.parallel);
  if (!saved && json && looksLikeSavedPlan(json.text)) throw new RegstateError('USAGE', `${json.file} is a saved plan of one registry, not of a fleet: apply it without --inventory`);
  const maxChanges = parseMaxChanges(opts.maxChanges);
  const stateDir = stateDirFor(opts, io);
  if (opts.report) await resolveWriteTarget(resolve(io.cwd, opts.report));
  await ensureStateDir(stateDir);
  const selection = await loadFleetHosts(opts, io);
  const { inventory, hosts: selected } = selection;
  refuseFleetOutputs(opts, io, inventory.hosts);
  const fromPlan = saved ? savedPlanHosts(saved, selected, inventory.hosts) : undefined;
  const hosts = fromPlan?.hosts ?? selected;
  const color = useColor(io, opts.color);
  const progress = fleetProgress(io, hosts.length, opts.format, useColor({ ...io, stdout: io.stderr }, opts.color));
  const loadFor = saved ? undefined : await desiredForHosts(inputs, io, selection);
  let configs = saved?.configs ?? [];
  let runs: HostRun[] = [];
  let error: RegstateError | undefined;
  try {
    ({ runs } = await applyFleet({
      hosts,
      connector: await fleetConnector(opts, io),
      parallel,
      ...(opts.powershell ? { powershell: opts.powershell } : {}),
      progress,
      ...(saved && fromPlan
        ? { saved: { file: saved.file, hosts: fromPlan.plans } }
        : {
            desiredFor: async (host: FleetHost) => {
              const desired = await (loadFor as NonNullable<typeof loadFor>)(host);
              configs = desired.files.map(({ path, sha256 }) => ({ path, sha256 }));
              return desired;
            },
          }),
      stateDir,
      configs: saved?.configs ?? [],
      maxChanges,
      lockTimeoutMs: lockTimeoutMs(opts),
      lockEnv: { platform: io.platform, env: io.env },
      onPlanned: (planned) => {
        progress.end();
        if (opts.format === 'text') io.stdout.write(`${renderFleetPlansText(planned, { color })}\n`);
      },
      ...(saved || opts.autoApprove ? {} : { approve: () => confirm(io, 'apply') }),
    }));
  } catch (e) {
    if (!(e instanceof RegstateError)) throw e;
    error = e;
  }
  progress.end();
  runs = [...runs, ...(fromPlan?.notPlanned ?? [])];
  const exitCode = error ? 1 : fleetExitCode('apply', runs.map((r) => r.status), { unreachedUsers: hasUnreachedUsers(runs) });
  if (!error && opts.format === 'text') io.stdout.write(renderFleetApplyText(runs, { color }));
  const report = buildFleetRunReport('apply', startedAt, runs, configs, exitCode, error && { code: error.code, message: error.message });
  await saveRunReport(stateDir, opts, io, report);
  if (opts.format === 'json') io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  if (error) throw error;
  return exitCode;
}
