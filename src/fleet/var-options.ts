import { resolve } from 'node:path';
import yaml from 'js-yaml';
import { type Diagnostic, RegstateError } from '../errors.js';
import { FAST_CORE_SCHEMA } from '../config/fast-yaml-schema.js';
import { readConfigFile } from '../config/read-config-file.js';
import { readVarBlock } from '../config/read-var-block.js';
import { VAR_NAME } from '../config/substitute-vars.js';
import { truncateEcho } from '../model/display-text.js';
import type { VarTable, VarValue } from './fleet-model.js';
import { mergeVarTables } from './resolve-host-vars.js';

/** Reads `text` as YAML 1.2 core would read an unquoted or quoted scalar; undefined when it is something else. */
function readScalar(text: string): unknown {
  try {
    return yaml.load(text, { schema: FAST_CORE_SCHEMA });
  } catch {
    return undefined;
  }
}

/**
 * The value of `--var name=value`, as YAML reads a scalar: an integer or decimal number is a number,
 * true/false a boolean, a quoted string ('...' or "...") the text inside the quotes, anything else
 * the text as given.
 */
function readVarText(option: string, text: string): VarValue['value'] {
  const quoted = text.startsWith('"') || text.startsWith("'");
  if (quoted) {
    const value = readScalar(text);
    if (typeof value !== 'string') throw new RegstateError('USAGE', `--var ${truncateEcho(option)}: the value starts with a quote but is not one quoted string`);
    return value;
  }
  // a single token only: `1 # note` is text, not the number 1 and a comment
  if (!/^[^\s#]+$/.test(text)) return text;
  const value = readScalar(text);
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'bigint') {
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new RegstateError('VALUE_RANGE', `--var ${truncateEcho(option)}: the integer cannot be kept exact in a variable; quote it as a string (--var '${option.slice(0, option.indexOf('='))}="${text}"'), which REG_QWORD data accepts`);
    }
    return Number(value);
  }
  return text;
}

/** One `--var name=value` option: the variable and its value, with the option as its origin. */
export function parseVarOption(option: string): { name: string; value: VarValue } {
  const eq = option.indexOf('=');
  const name = eq < 0 ? option : option.slice(0, eq);
  if (eq < 0 || !VAR_NAME.test(name)) {
    const why = eq < 0 ? 'write --var name=value' : `"${truncateEcho(name)}" is not a variable name (a letter, then letters, digits or _)`;
    throw new RegstateError('USAGE', `--var ${JSON.stringify(truncateEcho(option))}: ${why}`);
  }
  return { name, value: { value: readVarText(option, option.slice(eq + 1)), origin: { kind: 'cli', text: option } } };
}

/**
 * A --var-file: a YAML mapping of variable names to values (strings, numbers, true/false). Throws one
 * RegstateError listing every problem at its FILE:LINE:COLUMN (file as given; relative to `cwd`).
 */
export async function loadVarFile(path: string, options: { cwd?: string } = {}): Promise<VarTable> {
  const read = await readConfigFile(path, options.cwd === undefined ? path : resolve(options.cwd, path));
  if (!read.ok) throw RegstateError.fromDiagnostics([read.diagnostic]);
  // the `yaml` library (positions for every problem) is loaded only for a run that reads a variables file
  const { parseConfigText } = await import('../config/parse-config-text.js');
  const parsed = parseConfigText(path, read.text, 'a variables file');
  if (!parsed.ok) throw RegstateError.fromDiagnostics(parsed.diagnostics);
  const block = readVarBlock(parsed.source, { node: parsed.source.root }, parsed.exact, { path: [], origin: (source) => ({ kind: 'var-file', source }), schemaChecked: false });
  if (block.diagnostics.length > 0) throw RegstateError.fromDiagnostics(block.diagnostics);
  return block.vars;
}

/** The variables of the command line: --var options (the last of a name wins) and --var-file files (a later file wins). */
export interface CliVars {
  cli: VarTable;
  varFile: VarTable;
}

/** Reads the --var and --var-file options of a command; every problem of every file in one error. */
export async function readVarOptions(opts: { var?: string[]; varFile?: string[] }, cwd: string): Promise<CliVars> {
  const cli: VarTable = new Map();
  for (const option of opts.var ?? []) {
    const { name, value } = parseVarOption(option);
    cli.set(name, value);
  }
  const diagnostics: Diagnostic[] = [];
  const files: VarTable[] = [];
  for (const file of opts.varFile ?? []) {
    try {
      files.push(await loadVarFile(file, { cwd }));
    } catch (error) {
      if (!(error instanceof RegstateError)) throw error;
      for (const d of error.diagnostics) diagnostics.push(d);
    }
  }
  if (diagnostics.length > 0) throw RegstateError.fromDiagnostics(diagnostics);
  return { cli, varFile: mergeVarTables(...files) };
}
