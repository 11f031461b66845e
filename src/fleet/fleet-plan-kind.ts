/** The `kind` of a saved fleet plan. */
export const FLEET_PLAN_KIND = 'regstate-fleet-plan';

/** Whether a file's text looks like a saved fleet plan (a cheap check, before it is parsed strictly). */
export function looksLikeFleetPlan(text: string): boolean {
  return /^\s*\{/.test(text) && text.includes(`"${FLEET_PLAN_KIND}"`);
}
