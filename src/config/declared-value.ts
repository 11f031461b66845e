import { isValueKind } from '../model/registry-value.js';

/** A loaded YAML mapping, or undefined for anything else. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/**
 * Whether a declared value's data is converted (and so checked) by type in the semantic pass:
 * it is not declared absent, names a known type, and has data. The schema pass leaves such data
 * to that check, which says more precisely what is wrong.
 */
export function checksDataSemantically(value: unknown): boolean {
  const v = asRecord(value);
  return v !== undefined && v.ensure !== 'absent' && typeof v.type === 'string' && isValueKind(v.type) && 'data' in v;
}
