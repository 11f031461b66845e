import type { Plan } from '../plan/plan.js';
import { renderPlanJson } from '../plan/render-json.js';
import { renderPlanMarkdown } from '../plan/render-markdown.js';
import { renderPlanText } from '../plan/render-text.js';

export type PlanFormat = 'text' | 'json' | 'markdown';

/** One plan in the chosen format; `extra` adds top-level fields to the JSON form. */
export function renderPlan(plan: Plan, format: PlanFormat, color: boolean, extra: Record<string, unknown> = {}): string {
  switch (format) {
    case 'json':
      return `${renderPlanJson(plan, extra)}\n`;
    case 'markdown':
      return renderPlanMarkdown(plan);
    case 'text':
      return renderPlanText(plan, { color });
  }
}
