import type { DesiredKey } from '../model/desired-state.js';
import { collectFast } from './collect-fast.js';
import { asRecord } from './declared-value.js';
import { parseConfigFast } from './parse-config-fast.js';
import { toPlainNumbers } from './parse-config-text.js';
import { getSchemaValidator } from './schema-file.js';

/**
 * One file's declarations and description through js-yaml, when the file is fully valid and plain;
 * undefined otherwise, and the caller loads it on the reference path (which reports every problem).
 */
export function loadFileFast(file: string, text: string): { keys: DesiredKey[]; description?: string } | undefined {
  const parsed = parseConfigFast(file, text);
  if (!parsed) return undefined;
  const plain = toPlainNumbers(parsed.exact);
  if (!getSchemaValidator()(plain)) return undefined;
  const keys = collectFast(parsed);
  if (!keys) return undefined;
  const description = asRecord(plain)?.description;
  return typeof description === 'string' ? { keys, description } : { keys };
}
