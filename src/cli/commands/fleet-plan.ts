import { planFleet } from '../../fleet/run-fleet.js';
import { loadTextWidth } from '../../model/text-width.js';
import { fleetExitCode, hasUnreachedUsers } from '../../fleet/fleet-exit-code.js';
import { renderFleetPlanJson } from '../../fleet/render-fleet-json.js';
import { renderFleetPlanMarkdown } from '../../fleet/render-fleet-markdown.js';
import { renderFleetPlanText } from '../../fleet/render-fleet-text.js';
import { renderSavedFleetPlan } from '../../fleet/saved-fleet-plan.js';
import type { HostRun } from '../../fleet/host-run.js';
import { escapeControl } from '../../model/display-text.js';
import { type FleetCliOptions, checkFleetOptions, desiredForHosts, fleetConnector, fleetProgress, loadFleetHosts, parseParallel, refuseFleetOutputs } from '../fleet-setup.js';
import { type Io, useColor } from '../io.js';
import type { PlanFormat } from '../render-plan.js';
import { checkOutputFile, writeOutputFile } from '../write-output-file.js';

export interface FleetPlanOptions extends FleetCliOptions {
  format: PlanFormat;
  out?: string;
  detailedExitcode?: boolean;
  color?: boolean;
}

/** Renders a fleet's plans in the chosen format. */
export async function renderFleetPlan(runs: HostRun[], format: PlanFormat, color: boolean): Promise<string> {
  // a fleet's tables hold host names and values of every kind: string-width measures them
  await loadTextWidth();
  if (format === 'json') return renderFleetPlanJson(runs);
  if (format === 'markdown') return renderFleetPlanMarkdown(runs);
  return renderFleetPlanText(runs, { color });
}

/** `plan --inventory`: every selected host planned at once, grouped by host, then a summary. */
export async function runFleetPlan(configs: string[], opts: FleetPlanOptions, io: Io): Promise<number> {
  checkFleetOptions(opts);
  const parallel = parseParallel(opts.parallel);
  if (opts.out) await checkOutputFile(opts.out, io);
  const selection = await loadFleetHosts(opts, io);
  const { inventory, hosts } = selection;
  refuseFleetOutputs(opts, io, inventory.hosts);
  const loadFor = await desiredForHosts(configs, io, selection);
  const color = useColor(io, opts.color);
  const progress = fleetProgress(io, hosts.length, opts.format, useColor({ ...io, stdout: io.stderr }, opts.color));
  let files: { path: string; sha256: string }[] = [];
  const { runs } = await planFleet({
    hosts,
    connector: await fleetConnector(opts, io),
    parallel,
    ...(opts.powershell ? { powershell: opts.powershell } : {}),
    progress,
    desiredFor: async (host) => {
      const desired = await loadFor(host);
      files = desired.files.map(({ path, sha256 }) => ({ path, sha256 }));
      return desired;
    },
  });
  progress.end();
  if (opts.out) await writeOutputFile(opts.out, renderSavedFleetPlan(runs, { createdAt: new Date().toISOString(), inventory: inventory.path, configs: files }), io);
  io.stdout.write(await renderFleetPlan(runs, opts.format, color));
  if (opts.out && opts.format === 'text') io.stdout.write(`\nSaved the fleet plan to ${escapeControl(opts.out)}. Review it, then run: regstate apply ${escapeControl(opts.out)} --inventory ${escapeControl(opts.inventory as string)}${opts.registryDir ? ` --registry-dir ${escapeControl(opts.registryDir)}` : ''}\n`);
  return fleetExitCode('plan', runs.map((r) => r.status), { detailedExitcode: opts.detailedExitcode, unreachedUsers: hasUnreachedUsers(runs) });
}
