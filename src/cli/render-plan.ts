import { escapeControl } from '../model/display-text.js';
import type { Plan } from '../plan/plan.js';
import { renderPlanJson } from '../plan/render-json.js';
import { codeSpan, renderPlanMarkdown } from '../plan/render-markdown.js';
import type { Target } from '../registry/backend.js';
import { describeTarget } from './open-backend.js';
import { renderPlanText } from '../plan/render-text.js';
import { measuredText } from '../model/text-width.js';

export type PlanFormat = 'text' | 'json' | 'markdown';

/**
 * One plan in the chosen format; `extra` adds top-level fields to the JSON form. With a target,
 * the Markdown heading names it, so a pull request says which registry the plan is for.
 */
export function renderPlan(plan: Plan, format: PlanFormat, color: boolean, extra: Record<string, unknown> = {}, target?: Target): Promise<string> {
  return measuredText(() => renderPlanNow(plan, format, color, extra, target));
}

function renderPlanNow(plan: Plan, format: PlanFormat, color: boolean, extra: Record<string, unknown>, target?: Target): string {
  switch (format) {
    case 'json':
      return `${renderPlanJson(plan, extra)}\n`;
    case 'markdown':
      return renderPlanMarkdown(plan, target ? { title: `regstate plan for ${codeSpan(escapeControl(describeTarget(target)), false)}` } : {});
    case 'text':
      return renderPlanText(plan, { color });
  }
}
