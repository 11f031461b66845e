import { escapeControl } from './model/display-text.js';
import type { SourcePos } from './model/source-pos.js';
import type { KeyRef } from './model/key-ref.js';

/** Every error regstate reports carries one of these stable codes. */
export type ErrorCode =
  // input files
  | 'FILE_NOT_FOUND'
  | 'FILE_UNREADABLE'
  | 'FILE_EMPTY'
  | 'FILE_ENCODING'
  | 'YAML_SYNTAX'
  | 'SCHEMA'
  | 'VALUE_RANGE'
  | 'HEX_SYNTAX'
  | 'KEY_PATH'
  | 'VALUE_NAME'
  | 'DUPLICATE'
  | 'CONFLICT'
  | 'EXCLUSIVE'
  | 'USERS'
  | 'REG_SYNTAX'
  | 'PLAN_FILE'
  // registry access
  | 'NO_REGISTRY'
  | 'POWERSHELL_NOT_FOUND'
  | 'POWERSHELL_TIMEOUT'
  | 'POWERSHELL_CRASHED'
  | 'POWERSHELL_PROTOCOL'
  | 'ACCESS_DENIED'
  | 'KEY_NOT_FOUND'
  | 'UNSUPPORTED_KIND'
  | 'WRITE_FAILED'
  | 'VERIFY_FAILED'
  // a user profile whose hive cannot be loaded (NTUSER.DAT missing, locked or unreadable)
  | 'PROFILE_UNAVAILABLE'
  // fleet hosts (PowerShell remoting)
  | 'HOST_UNREACHABLE'
  | 'HOST_AUTH_FAILED'
  | 'HOST_DROPPED'
  | 'HOST_FAILED'
  // run control
  | 'USAGE'
  | 'NOT_APPROVED'
  | 'STALE_PLAN'
  | 'WRONG_TARGET'
  | 'MAX_CHANGES'
  | 'UNDECLARED_LIMIT'
  | 'LOCK_TIMEOUT'
  | 'STATE_DIR'
  | 'JOURNAL'
  | 'INTERNAL'
  | 'FILE_EXISTS'
  | 'TARGET_CHANGED'
  // input the registry cannot hold exactly
  | 'NUL_IN_STRING'
  | 'VALUE_TOO_LARGE'
  // variables and inventories
  | 'UNDEFINED_VARIABLE'
  | 'VARIABLE_SYNTAX'
  | 'UNKNOWN_GROUP'
  | 'UNKNOWN_HOST';

/** One problem, optionally tied to a place in an input file. */
export interface Diagnostic {
  code: ErrorCode;
  message: string;
  source?: SourcePos;
  /** The registry key the problem is about, when a backend's read names one (never shown: the message says it). */
  key?: KeyRef;
}

/** The one error type regstate throws on purpose. */
export class RegstateError extends Error {
  readonly code: ErrorCode;
  readonly source?: SourcePos;
  /** All problems found, when there are several (validation reports every one). */
  readonly diagnostics: Diagnostic[];

  constructor(code: ErrorCode, message: string, options: { source?: SourcePos; diagnostics?: Diagnostic[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RegstateError';
    this.code = code;
    this.source = options.source;
    this.diagnostics = options.diagnostics ?? [{ code, message, source: options.source }];
  }

  /** Wraps several diagnostics in one error, whose code is the first one's. */
  static fromDiagnostics(diagnostics: Diagnostic[]): RegstateError {
    const first = diagnostics[0];
    if (!first) throw new Error('fromDiagnostics needs at least one diagnostic');
    const message = diagnostics.map(formatDiagnostic).join('\n');
    return new RegstateError(first.code, message, { source: first.source, diagnostics });
  }
}

/** `FILE:LINE:COLUMN: message`, or the bare message when it has no place; control characters escaped for a terminal. */
export function formatDiagnostic(d: Diagnostic): string {
  if (!d.source) return escapeControl(d.message);
  return escapeControl(`${d.source.file}:${d.source.line}:${d.source.column}: ${d.message}`);
}
