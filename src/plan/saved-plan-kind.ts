/** The `kind` of a saved plan. */
export const SAVED_PLAN_KIND = 'regstate-plan';

/**
 * True when the text looks like a saved plan rather than a desired-state file (a cheap check, before
 * it is parsed strictly). Kept apart from saved-plan.ts so a run given a config does not load the
 * saved-plan reader and the YAML library it needs.
 */
export function looksLikeSavedPlan(text: string): boolean {
  return /^\s*\{/.test(text) && text.includes(`"${SAVED_PLAN_KIND}"`);
}
