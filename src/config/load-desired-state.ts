import { resolve } from 'node:path';
import { type Diagnostic, RegstateError } from '../errors.js';
import type { ConfigFile, DesiredKey, DesiredState } from '../model/desired-state.js';
import type { VarTable, VarValue } from '../fleet/fleet-model.js';
import { asRecord } from './declared-value.js';
import { collectDeclarations } from './collect-declarations.js';
import { type LoadedConfig, loadFileFast } from './load-file-fast.js';
import { nameHosts } from './name-hosts.js';
import { mergeDeclarations } from './merge-declarations.js';
import { readConfigFile } from './read-config-file.js';
import { fileIdentity } from '../fs/file-identity.js';

function append<T>(to: T[], items: readonly T[]): void {
  // a loop, not push(...items): a spread of 100,000 arguments overflows the stack
  for (const item of items) to.push(item);
}

/** Orders diagnostics by file (in the order given), then line, then column. */
function sortDiagnostics(diagnostics: Diagnostic[], files: readonly string[]): Diagnostic[] {
  const rank = new Map(files.map((f, i) => [f, i] as const));
  const order = (d: Diagnostic): [number, number, number] =>
    d.source ? [rank.get(d.source.file) ?? files.length, d.source.line, d.source.column] : [-1, 0, 0];
  return diagnostics
    .map((d, i) => ({ d, i, o: order(d) }))
    .sort((a, b) => a.o[0] - b.o[0] || a.o[1] - b.o[1] || a.o[2] - b.o[2] || a.i - b.i)
    .map((x) => x.d);
}

/** One file read and parsed; its declarations are collected for each variable table in turn. */
interface ParsedFile {
  path: string;
  sha256: string;
  text: string;
  description?: string;
  loaded: LoadedConfig;
  /** Whether `loaded` came from the `yaml` library, which places every problem. */
  reference: boolean;
}

const noVars: VarTable = new Map();

/**
 * One file through the parse and schema steps: loaded by js-yaml when it is valid and of a usual
 * style, else by the `yaml` library, which reports every problem.
 */
async function parseOneFile(path: string, text: string, parser: LoadOptions['parser']): Promise<{ diagnostics: Diagnostic[]; loaded?: LoadedConfig; reference: boolean }> {
  const fast = parser === 'reference' ? undefined : loadFileFast(path, text);
  if (fast) return { diagnostics: [], loaded: fast, reference: false };
  const { parseConfigText, validateSchema } = await referencePath();
  const parsed = parseConfigText(path, text);
  if (!parsed.ok) return { diagnostics: parsed.diagnostics, reference: true };
  return { diagnostics: validateSchema(parsed.source, parsed.plain), loaded: parsed, reference: true };
}

/** The reference path (the `yaml` library and the schema's error messages), loaded only when a file needs it. */
async function referencePath(): Promise<{ parseConfigText: typeof import('./parse-config-text.js').parseConfigText; validateSchema: typeof import('./validate-schema.js').validateSchema }> {
  const [{ parseConfigText }, { validateSchema }] = await Promise.all([import('./parse-config-text.js'), import('./validate-schema.js')]);
  return { parseConfigText, validateSchema };
}

/** The keys a file declares with one variable table (over the file's own defaults). */
async function declareKeys(file: ParsedFile, vars: VarTable): Promise<{ keys: DesiredKey[]; diagnostics: Diagnostic[] }> {
  const collected = collectDeclarations(file.loaded.source, file.loaded.plain, file.loaded.exact, vars);
  if (collected.diagnostics.length === 0 || file.reference) return collected;
  // a problem: the reference path places it (and stays this file's path from now on)
  const { parseConfigText } = await referencePath();
  const parsed = parseConfigText(file.path, file.text);
  if (!parsed.ok) return { keys: [], diagnostics: parsed.diagnostics };
  file.loaded = parsed;
  file.reference = true;
  return collectDeclarations(parsed.source, parsed.plain, parsed.exact, vars);
}

/**
 * The files to read, each once: a file named twice (the same path again, a glob that matches a file also
 * named, a link to it) declares its values once, not twice. A path that names nothing stays, for its read to report.
 */
function distinctFiles(paths: readonly string[], cwd: string | undefined): string[] {
  const seen = new Set<string>();
  return paths.filter((path) => {
    const identity = fileIdentity(cwd === undefined ? path : resolve(cwd, path));
    if (identity === undefined) return true;
    if (seen.has(identity)) return false;
    seen.add(identity);
    return true;
  });
}

async function parseFiles(paths: readonly string[], options: LoadOptions): Promise<{ files: ParsedFile[]; diagnostics: Diagnostic[] }> {
  if (paths.length === 0) throw new RegstateError('USAGE', 'no configuration file given');
  const distinct = distinctFiles(paths, options.cwd);
  const reads = await Promise.all(distinct.map((path) => readConfigFile(path, options.cwd === undefined ? path : resolve(options.cwd, path))));
  const diagnostics: Diagnostic[] = [];
  const files: ParsedFile[] = [];
  for (const [i, read] of reads.entries()) {
    const path = distinct[i] as string;
    if (!read.ok) {
      diagnostics.push(read.diagnostic);
      continue;
    }
    const one = await parseOneFile(path, read.text, options.parser);
    append(diagnostics, one.diagnostics);
    if (!one.loaded) continue;
    const description = asRecord(one.loaded.plain)?.description;
    const file: ParsedFile = { path, sha256: read.sha256, text: read.text, loaded: one.loaded, reference: one.reference };
    if (typeof description === 'string') file.description = description;
    files.push(file);
  }
  return { files, diagnostics };
}

/** The merged desired state of parsed files with one variable table, and every problem found on the way. */
async function resolveFiles(files: ParsedFile[], vars: VarTable): Promise<{ state: DesiredState; diagnostics: Diagnostic[] }> {
  const diagnostics: Diagnostic[] = [];
  const declared: DesiredKey[] = [];
  const configs: ConfigFile[] = [];
  for (const file of files) {
    const one = await declareKeys(file, vars);
    append(diagnostics, one.diagnostics);
    append(declared, one.keys);
    configs.push(file.description === undefined ? { path: file.path, sha256: file.sha256 } : { path: file.path, sha256: file.sha256, description: file.description });
  }
  const merged = mergeDeclarations(declared);
  append(diagnostics, merged.diagnostics);
  return { state: { files: configs, keys: merged.keys }, diagnostics };
}

/** Options of loadDesiredState. */
export interface LoadOptions {
  /** Directory that relative paths are read from (default: the process's). */
  cwd?: string;
  /**
   * @internal 'fast' (default) loads valid files of the usual styles with js-yaml and everything else
   * with the `yaml` library; 'reference' loads every file with the `yaml` library. Results are the same.
   */
  parser?: 'fast' | 'reference';
  /** Variables for `${name}` references, over each file's own `vars:` defaults (see resolveHostVars for the precedence). */
  vars?: VarTable;
  /** Filled with the name of every variable the files reference (to tell a --var no config uses). */
  referenced?: Set<string>;
}

/** A table that notes each name looked up in it. */
class RecordingTable extends Map<string, VarValue> {
  constructor(
    table: VarTable,
    private readonly seen: Set<string>,
  ) {
    super(table);
  }

  override get(name: string) {
    this.seen.add(name);
    return super.get(name);
  }
}

/**
 * Loads, validates and merges desired-state files. Returns the DesiredState, or throws one
 * RegstateError whose diagnostics list every problem found in every file, each with its file:line:column
 * (file as given in `paths`). Relative paths are read from `options.cwd` (default: the process's).
 * `${name}` in key paths and data takes its value from `options.vars`, else from the file's own `vars:`.
 */
export async function loadDesiredState(paths: readonly string[], options: LoadOptions = {}): Promise<DesiredState> {
  const parsed = await parseFiles(paths, options);
  const diagnostics = parsed.diagnostics;
  const vars = options.vars ?? noVars;
  const resolved = await resolveFiles(parsed.files, options.referenced ? new RecordingTable(vars, options.referenced) : vars);
  append(diagnostics, resolved.diagnostics);
  if (diagnostics.length > 0) throw RegstateError.fromDiagnostics(sortDiagnostics(diagnostics, paths));
  return resolved.state;
}

/** A host's name and its variables (inventory, --var-file and --var merged: see resolveHostVars). */
export interface HostVarTable {
  name: string;
  vars: VarTable;
}

/**
 * loadDesiredState for several hosts at once: each file is read and parsed once, then its
 * declarations are collected with each host's variables. Returns each host's DesiredState by host
 * name, or throws one RegstateError with every problem; a problem that only some hosts have names
 * them (`host web1: ...`), one that every host has is reported once, as for a single machine.
 */
export async function loadDesiredStates(paths: readonly string[], hosts: readonly HostVarTable[], options: Omit<LoadOptions, 'vars'> = {}): Promise<Map<string, DesiredState>> {
  const parsed = await parseFiles(paths, options);
  const diagnostics = parsed.diagnostics;
  const states = new Map<string, DesiredState>();
  const perHost: { host: string; diagnostics: Diagnostic[] }[] = [];
  for (const host of hosts) {
    const resolved = await resolveFiles(parsed.files, host.vars);
    states.set(host.name, resolved.state);
    perHost.push({ host: host.name, diagnostics: resolved.diagnostics });
  }
  append(diagnostics, nameHosts(perHost));
  if (diagnostics.length > 0) throw RegstateError.fromDiagnostics(sortDiagnostics(diagnostics, paths));
  return states;
}
