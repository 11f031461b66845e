/** How a loaded YAML value reads in a message: `the number 587`, `the string "x"`, `a list`, ... */
export function describeValue(data: unknown): string {
  if (data === null || data === undefined) return 'nothing (null)';
  if (typeof data === 'string') return `the string ${JSON.stringify(data.length > 40 ? `${data.slice(0, 40)}…` : data)}`;
  if (typeof data === 'number' || typeof data === 'bigint') return `the number ${String(data)}`;
  if (typeof data === 'boolean') return `the boolean ${String(data)}`;
  if (Array.isArray(data)) return 'a list';
  return 'a mapping';
}
