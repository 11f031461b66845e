import type { Diagnostic } from '../errors.js';
import { checkValueName } from '../model/check-value.js';
import type { DesiredKey, DesiredValue, Ensure } from '../model/desired-state.js';
import type { View } from '../model/key-ref.js';
import type { ValueKind } from '../model/registry-value.js';
import { formatDataPath } from './data-path.js';
import { collectKeyOptions } from './collect-key-options.js';
import { asRecord, checksDataSemantically } from './declared-value.js';
import { parseKeyPath } from './parse-key-path.js';
import { parseValueData } from './parse-value-data.js';
import { type SourceNode, type YamlSource, childNode, findNode, nodePos } from './yaml-nodes.js';

export { MAX_VALUE_NAME } from '../model/check-value.js';

const isEnsure = (v: unknown): v is Ensure => v === 'present' || v === 'absent';
const isView = (v: unknown): v is View => v === 32 || v === 64;

interface Walk {
  source: YamlSource;
  diagnostics: Diagnostic[];
}

function at(walk: Walk, parent: SourceNode | null, segment: string) {
  return childNode(walk.source, parent, segment) ?? { node: parent };
}

function collectValue(walk: Walk, plain: unknown, exact: unknown, node: SourceNode | null, path: string[]): DesiredValue | undefined {
  const v = asRecord(plain);
  if (!v) return undefined;
  let ok = true;
  if (typeof v.name !== 'string') ok = false;
  else {
    const problem = checkValueName(v.name);
    if (problem) {
      const where = nodePos(walk.source, at(walk, node, 'name'));
      walk.diagnostics.push({ code: problem.code, message: `${formatDataPath([...path, 'name'])}: ${problem.message}`, source: where });
      ok = false;
    }
  }
  const ensure = v.ensure ?? 'present';
  if (!isEnsure(ensure)) ok = false;
  let value: DesiredValue['value'];
  if (checksDataSemantically(v)) {
    const result = parseValueData(v.type as ValueKind, asRecord(exact)?.data);
    if (result.ok) value = result.value;
    else {
      ok = false;
      const dataNode = at(walk, node, 'data');
      for (const problem of result.problems) {
        const index = problem.index === undefined ? [] : [String(problem.index)];
        const found = index.length > 0 ? (childNode(walk.source, dataNode.node, index[0] as string) ?? dataNode) : dataNode;
        const label = formatDataPath([...path, 'data', ...index]);
        walk.diagnostics.push({ code: problem.code, message: `${label}: ${problem.message}`, source: nodePos(walk.source, found) });
      }
    }
  } else if (ensure !== 'absent') ok = false;
  if (!ok || !isEnsure(ensure)) return undefined;
  const source = nodePos(walk.source, { node });
  return value === undefined ? { name: v.name as string, ensure, source } : { name: v.name as string, ensure, value, source };
}

function collectKey(walk: Walk, plain: unknown, exact: unknown, node: SourceNode | null, path: string[]): DesiredKey | undefined {
  const k = asRecord(plain);
  if (!k) return undefined;
  const pathAt = at(walk, node, 'path');
  let parsed: ReturnType<typeof parseKeyPath> | undefined;
  if (typeof k.path === 'string') {
    parsed = parseKeyPath(k.path);
    if (!parsed.ok) {
      const message = `${formatDataPath([...path, 'path'])}: ${parsed.message}`;
      walk.diagnostics.push({ code: 'KEY_PATH', message, source: nodePos(walk.source, pathAt) });
    }
  }
  const values: DesiredValue[] = [];
  if (Array.isArray(k.values)) {
    const valuesNode = at(walk, node, 'values').node;
    const exactValues = asRecord(exact)?.values as unknown[];
    for (let j = 0; j < k.values.length; j++) {
      const valueNode = childNode(walk.source, valuesNode, String(j))?.node ?? null;
      const value = collectValue(walk, k.values[j], exactValues[j], valueNode, [...path, 'values', String(j)]);
      if (value) values.push(value);
    }
  }
  const view = k.view ?? 64;
  const ensure = k.ensure ?? 'present';
  const options = collectKeyOptions(walk.source, walk.diagnostics, k, node, path);
  if (!parsed?.ok || !isView(view) || !isEnsure(ensure)) return undefined;
  return { key: { hive: parsed.hive, path: parsed.path, view }, ensure, values, source: nodePos(walk.source, pathAt), ...options };
}

/**
 * The keys one file declares, with typed values and source positions, plus every problem the
 * schema cannot see: key paths, value name lengths, data by type. Tolerates a document that failed
 * the schema (it skips what is malformed), so one run reports every problem.
 */
export function collectDeclarations(source: YamlSource, plain: unknown, exact: unknown): { keys: DesiredKey[]; diagnostics: Diagnostic[] } {
  const walk: Walk = { source, diagnostics: [] };
  const keys: DesiredKey[] = [];
  const list = asRecord(plain)?.keys;
  if (!Array.isArray(list)) return { keys, diagnostics: walk.diagnostics };
  const exactList = asRecord(exact)?.keys as unknown[];
  const keysNode = findNode(source, ['keys']).node;
  for (let i = 0; i < list.length; i++) {
    const keyNode = childNode(source, keysNode, String(i))?.node ?? null;
    const key = collectKey(walk, list[i], exactList[i], keyNode, ['keys', String(i)]);
    if (key) keys.push(key);
  }
  return { keys, diagnostics: walk.diagnostics };
}
