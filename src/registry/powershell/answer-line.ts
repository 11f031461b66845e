import { RegstateError } from '../../errors.js';

/** The marker that starts the agent's one answer line; everything else on stdout is ignored. */
export const ANSWER_MARKER = 'REGSTATE:';

/** One problem the agent reports, for a request, a key, a value or a write op. */
export interface AgentError {
  code: string;
  message: string;
  request?: number;
  sub?: string[];
  name?: string;
}

/** The agent's answer: `{ ok, results, errors }` (see agent.ps1 for each request's results). */
export interface AgentAnswer {
  ok: boolean;
  results: unknown;
  errors: AgentError[];
  /** Time spent inside the agent, when it says: values handled, user hives loaded (NTUSER.DAT), hive file load and work in milliseconds (clock), process CPU time of the request. */
  stats?: { values?: number; hiveLoads?: number; loadMs?: number; workMs?: number; cpuMs?: number };
}

// One pass over the characters: a regex over a line of many megabytes overflows V8's stack.
function isBase64(text: string): boolean {
  if (text.length % 4 !== 0) return false;
  let end = text.length;
  if (text.endsWith('==')) end -= 2;
  else if (text.endsWith('=')) end -= 1;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    const ok = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47;
    if (!ok) return false;
  }
  return true;
}

/** A short, printable excerpt of what came back, for error messages. */
export function excerpt(text: string, max = 200): string {
  const shown = text.length > max ? `${text.slice(0, max)}... (${text.length} characters)` : text;
  return JSON.stringify(shown);
}

function protocolError(message: string, stdout: string): never {
  throw new RegstateError('POWERSHELL_PROTOCOL', `${message}; PowerShell printed ${excerpt(stdout)}`);
}

/**
 * Finds the one `REGSTATE:<base64>` line in the output and decodes it. Host noise before the
 * marker on the same line (a BOM, terminal escapes) and other lines are ignored. Throws
 * POWERSHELL_PROTOCOL when there is not exactly one valid answer line.
 */
export function parseAnswerLine(stdout: string): AgentAnswer {
  const lines = stdout.split(/\r?\n/).filter((line) => line.includes(ANSWER_MARKER));
  if (lines.length !== 1) protocolError(lines.length === 0 ? 'no answer line from the agent' : `${lines.length} answer lines from the agent`, stdout);
  const line = lines[0] ?? '';
  const payload = line.slice(line.indexOf(ANSWER_MARKER) + ANSWER_MARKER.length).trimEnd();
  if (payload === '' || !isBase64(payload)) protocolError('the answer line is not base64', stdout);
  let answer: unknown;
  try {
    answer = JSON.parse(Buffer.from(payload, 'base64').toString('utf8'));
  } catch {
    return protocolError('the answer is not JSON', stdout);
  }
  const a = answer as Partial<AgentAnswer> | null;
  if (typeof a !== 'object' || a === null || typeof a.ok !== 'boolean' || !Array.isArray(a.errors)) protocolError('the answer is not { ok, results, errors }', stdout);
  const stats = typeof a.stats === 'object' && a.stats !== null ? { stats: a.stats } : {};
  return { ok: a.ok, results: a.results ?? null, errors: a.errors, ...stats };
}
