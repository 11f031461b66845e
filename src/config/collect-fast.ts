import { checkValueName } from '../model/check-value.js';
import type { DesiredKey, DesiredValue } from '../model/desired-state.js';
import type { ValueKind } from '../model/registry-value.js';
import { asRecord, checksDataSemantically } from './declared-value.js';
import type { FastParsed } from './parse-config-fast.js';
import { parseKeyPath } from './parse-key-path.js';
import { parseValueData } from './parse-value-data.js';

function collectValue(parsed: FastParsed, exact: unknown): DesiredValue | undefined {
  const v = asRecord(exact);
  const start = v && parsed.mapStart.get(v);
  if (!v || start === undefined || typeof v.name !== 'string' || checkValueName(v.name) !== undefined) return undefined;
  const ensure = v.ensure ?? 'present';
  if (ensure !== 'present' && ensure !== 'absent') return undefined;
  const source = parsed.pos(start);
  if (checksDataSemantically(v)) {
    const result = parseValueData(v.type as ValueKind, v.data);
    return result.ok ? { name: v.name, ensure, value: result.value, source } : undefined;
  }
  return ensure === 'absent' ? { name: v.name, ensure, source } : undefined;
}

function collectKey(parsed: FastParsed, exact: unknown): DesiredKey | undefined {
  const k = asRecord(exact);
  const pathAt = k && parsed.pathStart.get(k);
  if (!k || pathAt === undefined || typeof k.path !== 'string') return undefined;
  const key = parseKeyPath(k.path);
  // views and counts are bigint here: the schema checked the plain copy, where they are numbers
  const view = k.view === undefined ? 64 : Number(k.view);
  const ensure = k.ensure ?? 'present';
  if (!key.ok || (view !== 32 && view !== 64) || (ensure !== 'present' && ensure !== 'absent')) return undefined;
  const values: DesiredValue[] = [];
  if (k.values !== undefined) {
    if (!Array.isArray(k.values)) return undefined;
    for (const item of k.values) {
      const value = collectValue(parsed, item);
      if (!value) return undefined;
      values.push(value);
    }
  }
  return { key: { hive: key.hive, path: key.path, view }, ensure, values, source: parsed.pos(pathAt) };
}

/**
 * The keys a schema-valid file loaded on the fast path declares, exactly as collectDeclarations
 * returns them; undefined when any key or value has a problem, which the reference path then reports.
 */
export function collectFast(parsed: FastParsed): DesiredKey[] | undefined {
  const list = asRecord(parsed.exact)?.keys;
  if (!Array.isArray(list)) return undefined;
  const keys: DesiredKey[] = [];
  for (const item of list) {
    const key = collectKey(parsed, item);
    if (!key) return undefined;
    keys.push(key);
  }
  return keys;
}
