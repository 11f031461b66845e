import { resolve } from 'node:path';
import { type Diagnostic, RegstateError } from '../errors.js';
import type { ConfigFile, DesiredKey, DesiredState } from '../model/desired-state.js';
import { asRecord } from './declared-value.js';
import { collectDeclarations } from './collect-declarations.js';
import { loadFileFast } from './load-file-fast.js';
import { mergeDeclarations } from './merge-declarations.js';
import { readConfigFile } from './read-config-file.js';

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

/**
 * One file through the validation step: loaded by js-yaml when it is valid and of a usual style,
 * else by the `yaml` library, which reports every problem; both feed collectDeclarations.
 */
async function loadOneFile(path: string, text: string, parser: LoadOptions['parser']): Promise<{ diagnostics: Diagnostic[]; keys?: DesiredKey[]; description?: unknown }> {
  if (parser !== 'reference') {
    const fast = loadFileFast(path, text);
    const collected = fast && collectDeclarations(fast.source, fast.plain, fast.exact);
    if (collected?.diagnostics.length === 0) return { diagnostics: [], keys: collected.keys, description: asRecord(fast?.plain)?.description };
  }
  // the reference path (the `yaml` library and the schema's error messages) is loaded only when a file needs it
  const [{ parseConfigText }, { validateSchema }] = await Promise.all([import('./parse-config-text.js'), import('./validate-schema.js')]);
  const parsed = parseConfigText(path, text);
  if (!parsed.ok) return { diagnostics: parsed.diagnostics };
  const diagnostics = validateSchema(parsed.source, parsed.plain);
  const collected = collectDeclarations(parsed.source, parsed.plain, parsed.exact);
  append(diagnostics, collected.diagnostics);
  return { diagnostics, keys: collected.keys, description: asRecord(parsed.plain)?.description };
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
}

/**
 * Loads, validates and merges desired-state files. Returns the DesiredState, or throws one
 * RegstateError whose diagnostics list every problem found in every file, each with its file:line:column
 * (file as given in `paths`). Relative paths are read from `options.cwd` (default: the process's).
 */
export async function loadDesiredState(paths: readonly string[], options: LoadOptions = {}): Promise<DesiredState> {
  if (paths.length === 0) throw new RegstateError('USAGE', 'no configuration file given');
  const reads = await Promise.all(paths.map((path) => readConfigFile(path, options.cwd === undefined ? path : resolve(options.cwd, path))));
  const diagnostics: Diagnostic[] = [];
  const files: ConfigFile[] = [];
  const declared: DesiredKey[] = [];
  for (const [i, read] of reads.entries()) {
    const path = paths[i] as string;
    if (!read.ok) {
      diagnostics.push(read.diagnostic);
      continue;
    }
    const one = await loadOneFile(path, read.text, options.parser);
    // the text goes with its parse structures, before the next file or phase
    reads[i] = { ok: true, text: '', sha256: read.sha256 };
    append(diagnostics, one.diagnostics);
    if (!one.keys) continue;
    append(declared, one.keys);
    const { description } = one;
    files.push(typeof description === 'string' ? { path, sha256: read.sha256, description } : { path, sha256: read.sha256 });
  }
  const merged = mergeDeclarations(declared);
  append(diagnostics, merged.diagnostics);
  if (diagnostics.length > 0) throw RegstateError.fromDiagnostics(sortDiagnostics(diagnostics, paths));
  return { files, keys: merged.keys };
}
