import { truncateEcho } from '../model/display-text.js';

/** How a loaded YAML value reads in a message: `the number 587`, `the string "x"`, `a list`, ... */
export function describeValue(data: unknown): string {
  if (data === null || data === undefined) return 'nothing (null)';
  if (typeof data === 'string') return `the string ${JSON.stringify(truncateEcho(data))}`;
  if (typeof data === 'number' || typeof data === 'bigint') return `the number ${truncateEcho(String(data))}`;
  if (typeof data === 'boolean') return `the boolean ${String(data)}`;
  if (Array.isArray(data)) return 'a list';
  return 'a mapping';
}
