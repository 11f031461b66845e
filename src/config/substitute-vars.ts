import type { ErrorCode } from '../errors.js';
import type { VarOrigin, VarValue } from '../fleet/fleet-model.js';
import { truncateEcho } from '../model/display-text.js';
import { formatSourcePos } from '../model/source-pos.js';

/** A variable name: a letter, then letters, digits and underscores. */
export const VAR_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** The value a name has where it is used, or undefined when it has none. */
export type VarLookup = (name: string) => VarValue | undefined;

/** A variable a substitution used, for messages that say where its value came from. */
export interface UsedVar {
  name: string;
  value: VarValue;
}

export interface SubstitutionProblem {
  code: ErrorCode;
  message: string;
}

export type Substitution = { ok: true; value: unknown; used: UsedVar[] } | { ok: false; problems: SubstitutionProblem[] };

const NONE: UsedVar[] = [];

const aboutVariables = new WeakSet<object>();

/** Marks a problem as caused by a variable (undefined, malformed, or a value that does not fit). */
export function markAboutVariables<T extends object>(problem: T): T {
  aboutVariables.add(problem);
  return problem;
}

/** Whether a problem was caused by a variable, so it may differ from host to host. */
export function isAboutVariables(problem: object): boolean {
  return aboutVariables.has(problem);
}

/** Where a variable's value was set, in words: `--var port=25`, `host web1's vars at inv.yaml:9:15`, ... */
export function describeVarOrigin(origin: VarOrigin): string {
  switch (origin.kind) {
    case 'config':
      return `the default under vars: at ${formatSourcePos(origin.source)}`;
    case 'group':
      return `group ${origin.group}'s vars at ${formatSourcePos(origin.source)}`;
    case 'host':
      return `host ${origin.host}'s vars at ${formatSourcePos(origin.source)}`;
    case 'var-file':
      return `--var-file at ${formatSourcePos(origin.source)}`;
    case 'cli':
      return `--var ${truncateEcho(origin.text)}`;
  }
}

const showValue = (value: VarValue['value']): string => (typeof value === 'string' ? JSON.stringify(truncateEcho(value)) : String(value));

/** ` (${port} = "abc" from --var port=abc)`: appended to a problem found in substituted data. */
export function describeUsedVars(used: readonly UsedVar[]): string {
  if (used.length === 0) return '';
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const { name, value } of used) {
    if (seen.has(name)) continue;
    seen.add(name);
    parts.push(`\${${name}} = ${showValue(value.value)} from ${describeVarOrigin(value.origin)}`);
  }
  return ` (${parts.join('; ')})`;
}

const undefinedMessage = (name: string): string =>
  `variable \${${name}} is not defined: give it a default under vars:, or a value with --var ${name}=VALUE, --var-file, or inventory group or host vars`;

function malformed(text: string, at: number): SubstitutionProblem {
  const end = text.indexOf('}', at);
  const shown = truncateEcho(end < 0 ? text.slice(at) : text.slice(at, end + 1));
  return {
    code: 'VARIABLE_SYNTAX',
    message: `${JSON.stringify(shown)} is not a variable reference: write \${name} (a letter, then letters, digits or _), or $\${ for a literal \${`,
  };
}

/**
 * `text` as a config writes it so that substitution gives it back unchanged: every `${` becomes `$${`
 * (substituteText reads `$${` as a literal `${` and leaves any other `$` alone). For data and key
 * paths a config is generated from (`regstate import`), where `${` is registry text, not a variable.
 */
export function escapeVars(text: string): string {
  // split and join: in a replace() replacement string `$$` would itself mean one `$`
  return text.split('${').join('$${');
}

/**
 * Replaces every `${name}` in a string with its variable's value; `$${` is a literal `${`, any other
 * `$` is itself. When `typed` and the whole string is one reference, the result is the variable's
 * value with its own type (a number stays a number); otherwise the values are put in as text.
 */
export function substituteText(text: string, lookup: VarLookup, typed: boolean): Substitution {
  if (!text.includes('$')) return { ok: true, value: text, used: NONE };
  let out = '';
  let from = 0;
  const used: UsedVar[] = [];
  const problems: SubstitutionProblem[] = [];
  for (let at = text.indexOf('$'); at >= 0; at = text.indexOf('$', from)) {
    if (text[at + 1] === '$' && text[at + 2] === '{') {
      out += `${text.slice(from, at)}\${`;
      from = at + 3;
      continue;
    }
    if (text[at + 1] !== '{') {
      out += text.slice(from, at + 1);
      from = at + 1;
      continue;
    }
    const close = text.indexOf('}', at + 2);
    const name = close < 0 ? '' : text.slice(at + 2, close);
    out += text.slice(from, at);
    from = close < 0 ? text.length : close + 1;
    if (!VAR_NAME.test(name)) {
      problems.push(malformed(text, at));
      continue;
    }
    const value = lookup(name);
    if (!value) {
      problems.push({ code: 'UNDEFINED_VARIABLE', message: undefinedMessage(name) });
      continue;
    }
    used.push({ name, value });
    if (typed && at === 0 && from === text.length) return { ok: true, value: value.value, used };
    out += String(value.value);
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: out + text.slice(from), used };
}
