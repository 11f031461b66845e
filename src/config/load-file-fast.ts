import { bigintsMade } from './fast-yaml-schema.js';
import { parseConfigFast } from './parse-config-fast.js';
import { shareNumbers } from './plain-numbers.js';
import { getSchemaGate } from './schema-file.js';
import type { YamlSource } from './yaml-nodes.js';

/** A loaded file ready for the validation step: its nodes with positions, and the document two ways. */
export interface LoadedConfig {
  source: YamlSource;
  /** Integers above 2^53 as bigint, so none was rounded; the rest as numbers. */
  exact: unknown;
  /** Integers as numbers, for the schema validator: the same objects as `exact` wherever it holds no bigint. */
  plain: unknown;
}

/**
 * One file loaded through js-yaml when it is schema-valid and of a style the fast parser places
 * exactly; undefined otherwise, and the caller loads it on the reference path, which reports every problem.
 */
export function loadFileFast(file: string, text: string): LoadedConfig | undefined {
  const before = bigintsMade();
  const parsed = parseConfigFast(file, text);
  if (!parsed) return undefined;
  // without a bigint the document is its own number copy: no walk over it
  const plain = bigintsMade() === before ? parsed.exact : shareNumbers(parsed.exact, parsed.shared ? new Map() : null, parsed.bigHolders);
  // the gate: valid or not; a file it refuses goes to the reference path, whose validator names each problem
  if (!getSchemaGate()(plain)) return undefined;
  return { source: parsed.source, exact: parsed.exact, plain };
}
