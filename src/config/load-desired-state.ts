import { resolve } from 'node:path';
import { type Diagnostic, RegstateError } from '../errors.js';
import type { ConfigFile, DesiredKey, DesiredState } from '../model/desired-state.js';
import { asRecord } from './declared-value.js';
import { collectDeclarations } from './collect-declarations.js';
import { loadFileFast } from './load-file-fast.js';
import { mergeDeclarations } from './merge-declarations.js';
import { parseConfigText } from './parse-config-text.js';
import { readConfigFile } from './read-config-file.js';
import { validateSchema } from './validate-schema.js';

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

/** Options of loadDesiredState. */
export interface LoadOptions {
  /** Directory that relative paths are read from (default: the process's). */
  cwd?: string;
  /**
   * @internal 'fast' (default) loads plain, valid files with js-yaml and everything else with the
   * `yaml` library; 'reference' loads every file with the `yaml` library. Results are the same.
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
  reads.forEach((read, i) => {
    const path = paths[i] as string;
    if (!read.ok) {
      diagnostics.push(read.diagnostic);
      return;
    }
    const fast = options.parser === 'reference' ? undefined : loadFileFast(path, read.text);
    if (fast) {
      append(declared, fast.keys);
      const { description } = fast;
      files.push(description === undefined ? { path, sha256: read.sha256 } : { path, sha256: read.sha256, description });
      return;
    }
    const parsed = parseConfigText(path, read.text);
    if (!parsed.ok) {
      append(diagnostics, parsed.diagnostics);
      return;
    }
    append(diagnostics, validateSchema(parsed.source, parsed.plain));
    const collected = collectDeclarations(parsed.source, parsed.plain, parsed.exact);
    append(diagnostics, collected.diagnostics);
    append(declared, collected.keys);
    const description = asRecord(parsed.plain)?.description;
    files.push(typeof description === 'string' ? { path, sha256: read.sha256, description } : { path, sha256: read.sha256 });
  });
  const merged = mergeDeclarations(declared);
  append(diagnostics, merged.diagnostics);
  if (diagnostics.length > 0) throw RegstateError.fromDiagnostics(sortDiagnostics(diagnostics, paths));
  return { files, keys: merged.keys };
}
