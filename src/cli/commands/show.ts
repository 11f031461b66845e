import { resolve } from 'node:path';
import { readRegularFile } from '../../fs/read-regular-file.js';
import { parseSavedPlan } from '../../plan/saved-plan.js';
import { EXIT } from '../exit-codes.js';
import { type Io, useColor } from '../io.js';
import { type PlanFormat, renderPlan } from '../render-plan.js';
import { looksLikeFleetPlan, parseSavedFleetPlan, savedFleetPlanRuns } from '../../fleet/saved-fleet-plan.js';
import { renderFleetPlan } from './fleet-plan.js';

export async function readSavedPlan(file: string, io: Io): Promise<ReturnType<typeof parseSavedPlan>> {
  const text = (await readRegularFile(resolve(io.cwd, file), file)).toString('utf8');
  return parseSavedPlan(text, file);
}

export async function runShow(file: string, opts: { format: PlanFormat; color?: boolean }, io: Io): Promise<number> {
  const text = (await readRegularFile(resolve(io.cwd, file), file)).toString('utf8');
  if (looksLikeFleetPlan(text)) {
    io.stdout.write(await renderFleetPlan(savedFleetPlanRuns(parseSavedFleetPlan(text, file)), opts.format, useColor(io, opts.color)));
    return EXIT.OK;
  }
  const { plan, meta } = await readSavedPlan(file, io);
  io.stdout.write(await renderPlan(plan, opts.format, useColor(io, opts.color), { kind: 'regstate-plan', ...meta }, meta.target));
  return EXIT.OK;
}
