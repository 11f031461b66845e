import { LiveState } from '../../model/live-state.js';
import { measuredText } from '../../model/text-width.js';
import { readRequestsFor } from '../../plan/plan-changes.js';
import { expandForTarget, readUserTargets } from '../../apply/plan-users.js';
import { escapeControl } from '../../model/display-text.js';
import { describeStatus } from '../../status/describe-status.js';
import { renderStatusJson, renderStatusText } from '../../status/render-status.js';
import { usersToJson } from '../../plan/users-json.js';
import { EXIT } from '../exit-codes.js';
import { type Io, useColor } from '../io.js';
import { loadConfigs } from '../load-configs.js';
import { type BackendOptions, EarlyPowerShell, openBackend } from '../open-backend.js';
import { reportStats } from './report-stats.js';
import { type VarOptions, readLocalVars } from '../var-options.js';

export interface StatusOptions extends BackendOptions, VarOptions {
  format: 'text' | 'json';
  detailedExitcode?: boolean;
  color?: boolean;
  verbose?: boolean;
}

/** `regstate status CONFIG...`: every declared item, its current and desired state; nothing is written. */
export async function runStatus(configs: string[], opts: StatusOptions, io: Io): Promise<number> {
  const early = await EarlyPowerShell.start(opts, io);
  try {
    const desired = await loadConfigs(configs, io, await readLocalVars(opts, io.cwd));
    const backend = await openBackend(opts, io, await early.take(desired.keys.length > 0));
    try {
      // per-user keys as their concrete HKU keys; a user whose hive cannot be read is left out and said on stderr (exit 1)
      const read = await readUserTargets(await expandForTarget(desired, backend), backend, readRequestsFor);
      const status = describeStatus(read.desired, new LiveState(read.live));
      const unreached = read.users?.filter((u) => u.unavailable) ?? [];
      for (const u of unreached) io.stderr.write(`regstate: error: user ${escapeControl(u.sid)} not reached: ${escapeControl(u.unavailable?.message ?? '')}\n`);
      // the users of per-user keys, as the plan JSON lists them (a user not reached has no items)
      if (opts.format === 'json') io.stdout.write(`${renderStatusJson(status, { ...usersToJson(read), target: backend.target, stats: backend.stats() })}\n`);
      else io.stdout.write(await measuredText(() => renderStatusText(status, { color: useColor(io, opts.color) })));
      reportStats(backend, opts, io);
      if (unreached.length > 0) return EXIT.ERROR;
      return opts.detailedExitcode && !status.inDesiredState ? EXIT.CHANGES : EXIT.OK;
    } finally {
      await backend.close();
    }
  } finally {
    await early.close();
  }
}
