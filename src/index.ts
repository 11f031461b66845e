/**
 * regstate as a library: load desired state, read a registry, plan, render, apply.
 *
 * ```ts
 * const desired = await loadDesiredState(['configs/agpm-email-security.yaml']);
 * const backend = await openRegFile('server.reg');
 * const live = new LiveState(await backend.read(readRequestsFor(desired)));
 * const plan = planChanges(desired, live);
 * console.log(renderPlanText(plan, { color: false }));
 * ```
 */
export { loadDesiredState, loadSchema, SCHEMA_PATH } from './config/index.js';
export { loadDesiredStates, type HostVarTable, type LoadOptions } from './config/load-desired-state.js';
export type { FleetHost, Inventory, VarOrigin, VarTable, VarValue } from './fleet/fleet-model.js';
export { loadInventory } from './fleet/inventory.js';
export { selectHosts } from './fleet/select-hosts.js';
export { mergeVarTables, resolveHostVars } from './fleet/resolve-host-vars.js';
export { loadVarFile, parseVarOption } from './fleet/var-options.js';
export { RegstateError, formatDiagnostic, type Diagnostic, type ErrorCode } from './errors.js';
export type { DesiredKey, DesiredState, DesiredValue, Ensure, ExclusiveMode, ExclusiveOption, UserSelection } from './model/desired-state.js';
export { DEFAULT_PROFILE_SID, type UserProfile } from './model/user-profile.js';
export { formatKey, keyId, splitKeyPath, type KeyRef, type View } from './model/key-ref.js';
export { LiveState, type LiveKey, type LiveValue } from './model/live-state.js';
export { valuesEqual, type RegistryValue, type ValueKind } from './model/registry-value.js';
export { valueFromJson, valueToJson, type ValueJson } from './model/value-json.js';
export { planChanges, readRequestsFor, readRequestsForPlan } from './plan/plan-changes.js';
export { hasUnavailableUsers, summarizePlan, userOfKey, type Change, type ChangeAction, type ExclusiveKey, type Plan, type PlanSummary, type PlanUser, type UndeclaredAtKey, type UndeclaredValue } from './plan/plan.js';
export { expandUserKeys } from './plan/expand-user-keys.js';
export { matchesUserPattern, selectsProfile } from './plan/select-profiles.js';
export { renderPlanText } from './plan/render-text.js';
import { loadTextWidth } from './model/text-width.js';

export { loadTextWidth };

// The library's renderers measure every text exactly (the CLI loads string-width only when a text needs it).
await loadTextWidth();
export { renderPlanJson } from './plan/render-json.js';
export { parsePlanJson } from './plan/parse-plan-json.js';
export { renderPlanMarkdown } from './plan/render-markdown.js';
export { applyPlan, type ApplyResult, type ChangeResult } from './apply/apply-plan.js';
export { executePlan, type ExecuteOptions, type Execution } from './apply/execute-plan.js';
export { ancestorRequests, type Journal } from './apply/journal.js';
export { parseJournal } from './apply/parse-journal.js';
export { planDesiredState, planRollback, recheckSavedPlan, type PreparedPlan } from './apply/prepare-plan.js';
export { findStaleChanges, type StaleChange } from './apply/find-stale-changes.js';
export { findStaleExclusiveKeys } from './apply/find-stale-exclusive.js';
export type { BackendStats, ReadRequest, RegistryBackend, Target, WriteOp, WriteOutcome } from './registry/backend.js';
export { MemoryBackend } from './registry/memory/memory-backend.js';
export { openRegFile, parseRegFile } from './registry/reg-file/index.js';
export { createPowerShellBackend, type PowerShellBackendOptions } from './registry/powershell/powershell-backend.js';
export { run } from './cli/run.js';
export type { Io } from './cli/io.js';
export { openFleet, DEFAULT_PARALLEL, type FleetSession, type FleetStats, type FleetProgress, type HostConnection, type OpenFleetOptions } from './fleet/fleet-session.js';
export type { HostFailure, HostFailureCode } from './fleet/host-failure.js';
