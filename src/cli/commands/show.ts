import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { RegstateError, describeFsError } from '../../errors.js';
import { parseSavedPlan } from '../../plan/saved-plan.js';
import { EXIT } from '../exit-codes.js';
import { type Io, useColor } from '../io.js';
import { type PlanFormat, renderPlan } from '../render-plan.js';

export async function readSavedPlan(file: string, io: Io): Promise<ReturnType<typeof parseSavedPlan>> {
  let text: string;
  try {
    text = await readFile(resolve(io.cwd, file), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'FILE_UNREADABLE';
    throw new RegstateError(code, `${file}: cannot read the plan: ${describeFsError(error)}`);
  }
  return parseSavedPlan(text, file);
}

export async function runShow(file: string, opts: { format: PlanFormat; color?: boolean }, io: Io): Promise<number> {
  const { plan, meta } = await readSavedPlan(file, io);
  io.stdout.write(renderPlan(plan, opts.format, useColor(io, opts.color), { kind: 'regstate-plan', ...meta }, meta.target));
  return EXIT.OK;
}
