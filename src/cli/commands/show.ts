import { resolve } from 'node:path';
import { RegstateError } from '../../errors.js';
import { readRegularFile } from '../../fs/read-regular-file.js';
import { parseSavedPlan } from '../../plan/saved-plan.js';
import { EXIT } from '../exit-codes.js';
import { looksLikeDesiredState } from '../file-kind.js';
import { type Io, useColor } from '../io.js';
import { type PlanFormat, renderPlan } from '../render-plan.js';
import { looksLikeFleetPlan, parseSavedFleetPlan, savedFleetPlanRuns } from '../../fleet/saved-fleet-plan.js';
import { renderFleetPlan } from './fleet-plan.js';

/** The saved plan in `text`; a desired-state file given instead says so (a JSON error would not say what to do). */
function parseSavedPlanOrExplain(text: string, file: string): ReturnType<typeof parseSavedPlan> {
  try {
    return parseSavedPlan(text, file);
  } catch (error) {
    if (error instanceof RegstateError && looksLikeDesiredState(text)) {
      throw new RegstateError('USAGE', `${file} is a desired-state file, not a saved plan: \`regstate plan ${file}\` shows what it would change (\`--out PLAN.json\` saves that plan for show and apply)`);
    }
    throw error;
  }
}

export async function runShow(file: string, opts: { format: PlanFormat; color?: boolean }, io: Io): Promise<number> {
  const text = (await readRegularFile(resolve(io.cwd, file), file)).toString('utf8');
  if (looksLikeFleetPlan(text)) {
    io.stdout.write(await renderFleetPlan(savedFleetPlanRuns(parseSavedFleetPlan(text, file)), opts.format, useColor(io, opts.color)));
    return EXIT.OK;
  }
  const { plan, meta } = parseSavedPlanOrExplain(text, file);
  io.stdout.write(await renderPlan(plan, opts.format, useColor(io, opts.color), { kind: 'regstate-plan', ...meta }, meta.target));
  return EXIT.OK;
}
