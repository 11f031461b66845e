import type { Diagnostic } from '../errors.js';
import { checkValueName } from '../model/check-value.js';
import type { DesiredKey, DesiredValue, Ensure } from '../model/desired-state.js';
import type { View } from '../model/key-ref.js';
import type { ValueKind } from '../model/registry-value.js';
import { formatDataPath } from './data-path.js';
import { collectKeyOptions } from './collect-key-options.js';
import { asRecord, checksDataSemantically } from './declared-value.js';
import { parseKeyPath } from './parse-key-path.js';
import { QUOTE_HINT, parseValueData } from './parse-value-data.js';
import { type SubstitutionProblem, type UsedVar, type VarLookup, describeUsedVars, markAboutVariables, substituteText } from './substitute-vars.js';
import type { SourcePos } from '../model/source-pos.js';
import type { VarTable } from '../fleet/fleet-model.js';
import { readVarBlock } from './read-var-block.js';
import { type SourceNode, type YamlSource, childNode, findNode, itemNode, nodePos } from './yaml-nodes.js';

export { MAX_VALUE_NAME } from '../model/check-value.js';

const isEnsure = (v: unknown): v is Ensure => v === 'present' || v === 'absent';
const isView = (v: unknown): v is View => v === 32 || v === 64;

interface Walk {
  source: YamlSource;
  diagnostics: Diagnostic[];
  lookup: VarLookup;
}

const noVars: VarTable = new Map();

// an undefined variable may be defined for another host: it is about the variables, not the file
function fromSubstitution(problem: SubstitutionProblem, label: string, source: SourcePos): Diagnostic {
  const diagnostic: Diagnostic = { code: problem.code, message: `${label}: ${problem.message}`, source };
  return problem.code === 'UNDEFINED_VARIABLE' ? markAboutVariables(diagnostic) : diagnostic;
}

/** Whether data holds text a substitution could change: a `$` in a string or in a list's strings. */
function mayReferenceVars(data: unknown): boolean {
  if (typeof data === 'string') return data.includes('$');
  if (!Array.isArray(data)) return false;
  for (const item of data) if (typeof item === 'string' && item.includes('$')) return true;
  return false;
}

const NO_USED = new Map<number, UsedVar[]>();

/**
 * `data` with its variables substituted: a string, or each string entry of a list (REG_MULTI_SZ), a
 * whole `${name}` keeping the variable's type. The variables used are kept by list index (-1: the
 * whole data), so a problem found later names where their values came from.
 */
function substituteData(walk: Walk, data: unknown, node: SourceNode | null, keyIndex: number, valueIndex: number): { ok: boolean; data: unknown; used: Map<number, UsedVar[]> } {
  // most data names no variable: nothing to substitute, nothing to allocate
  if (!mayReferenceVars(data)) return { ok: true, data, used: NO_USED };
  const used = new Map<number, UsedVar[]>();
  let ok = true;
  const one = (text: string, index: number): unknown => {
    const result = substituteText(text, walk.lookup, true);
    if (result.ok) {
      if (result.used.length > 0) used.set(index, result.used);
      return result.value;
    }
    ok = false;
    const dataNode = at(walk, node, 'data');
    const found = index < 0 ? dataNode : (childNode(walk.source, dataNode.node, String(index)) ?? dataNode);
    const path = valuePath(keyIndex, valueIndex);
    const label = formatDataPath(index < 0 ? [...path, 'data'] : [...path, 'data', String(index)]);
    for (const problem of result.problems) walk.diagnostics.push(fromSubstitution(problem, label, nodePos(walk.source, found)));
    return text;
  };
  if (typeof data === 'string') return { data: one(data, -1), ok, used };
  const out = (data as unknown[]).map((item: unknown, index) => (typeof item === 'string' ? one(item, index) : item));
  return { ok, data: out, used };
}

function at(walk: Walk, parent: SourceNode | null, segment: string) {
  return childNode(walk.source, parent, segment) ?? { node: parent };
}

/** keys[i].values[j], built only for a message. */
const valuePath = (i: number, j: number): string[] => ['keys', String(i), 'values', String(j)];

function collectValue(walk: Walk, plain: unknown, exact: unknown, node: SourceNode | null, keyIndex: number, valueIndex: number): DesiredValue | undefined {
  const v = asRecord(plain);
  if (!v) return undefined;
  let ok = true;
  if (typeof v.name !== 'string') ok = false;
  else {
    const problem = checkValueName(v.name);
    if (problem) {
      const where = nodePos(walk.source, at(walk, node, 'name'));
      walk.diagnostics.push({ code: problem.code, message: `${formatDataPath([...valuePath(keyIndex, valueIndex), 'name'])}: ${problem.message}`, source: where });
      ok = false;
    }
  }
  const ensure = v.ensure ?? 'present';
  if (!isEnsure(ensure)) ok = false;
  let value: DesiredValue['value'];
  if (checksDataSemantically(v)) {
    const substituted = substituteData(walk, asRecord(exact)?.data, node, keyIndex, valueIndex);
    const result = substituted.ok ? parseValueData(v.type as ValueKind, substituted.data) : undefined;
    if (result?.ok) value = result.value;
    else ok = false;
    if (result && !result.ok) {
      const dataNode = at(walk, node, 'data');
      for (const problem of result.problems) {
        const index = problem.index === undefined ? [] : [String(problem.index)];
        const found = index.length > 0 ? (childNode(walk.source, dataNode.node, index[0] as string) ?? dataNode) : dataNode;
        const label = formatDataPath([...valuePath(keyIndex, valueIndex), 'data', ...index]);
        const used = [...(substituted.used.get(-1) ?? []), ...(problem.index === undefined ? [] : (substituted.used.get(problem.index) ?? []))];
        // quoting `${name}` changes nothing: the value is a string only when the variable's is
        const text = used.length > 0 ? problem.message.replace(QUOTE_HINT, ' (quote the value where the variable is set)') : problem.message;
        const diagnostic = { code: problem.code, message: `${label}: ${text}${describeUsedVars(used)}`, source: nodePos(walk.source, found) };
        walk.diagnostics.push(used.length > 0 ? markAboutVariables(diagnostic) : diagnostic);
      }
    }
  } else if (ensure !== 'absent') ok = false;
  if (!ok || !isEnsure(ensure)) return undefined;
  const source = nodePos(walk.source, { node });
  return value === undefined ? { name: v.name as string, ensure, source } : { name: v.name as string, ensure, value, source };
}

function collectKey(walk: Walk, plain: unknown, exact: unknown, node: SourceNode | null, index: number): DesiredKey | undefined {
  const k = asRecord(plain);
  if (!k) return undefined;
  const path = ['keys', String(index)];
  const pathAt = at(walk, node, 'path');
  let parsed: ReturnType<typeof parseKeyPath> | undefined;
  let pathText: unknown = k.path;
  if (typeof k.path === 'string') {
    const label = () => formatDataPath([...path, 'path']);
    const substituted = substituteText(k.path, walk.lookup, false);
    if (!substituted.ok) {
      for (const problem of substituted.problems) walk.diagnostics.push(fromSubstitution(problem, label(), nodePos(walk.source, pathAt)));
    } else {
      pathText = substituted.value;
      parsed = parseKeyPath(substituted.value as string);
      if (!parsed.ok) {
        const message = `${label()}: ${parsed.message}${describeUsedVars(substituted.used)}`;
        const diagnostic: Diagnostic = { code: 'KEY_PATH', message, source: nodePos(walk.source, pathAt) };
        walk.diagnostics.push(substituted.used.length > 0 ? markAboutVariables(diagnostic) : diagnostic);
      }
    }
  }
  // placed before the values: the fast path counts lines from the last position asked for
  const source = nodePos(walk.source, pathAt);
  const values: DesiredValue[] = [];
  if (Array.isArray(k.values)) {
    const valuesNode = at(walk, node, 'values').node;
    const exactValues = asRecord(exact)?.values as unknown[];
    for (let j = 0; j < k.values.length; j++) {
      const valueNode = itemNode(walk.source, valuesNode, j);
      const value = collectValue(walk, k.values[j], exactValues[j], valueNode, index, j);
      if (value) values.push(value);
    }
  }
  const view = k.view ?? 64;
  const ensure = k.ensure ?? 'present';
  const options = collectKeyOptions(walk.source, walk.diagnostics, k, node, path, pathText);
  if (!parsed?.ok || !isView(view) || !isEnsure(ensure)) return undefined;
  return { key: { hive: parsed.hive, path: parsed.path, view }, ensure, values, source, ...options };
}

/** The file's own `vars:` defaults (the schema has checked names and value types). */
function readDefaults(source: YamlSource, exact: unknown): { vars: VarTable; diagnostics: Diagnostic[] } {
  const found = childNode(source, source.root, 'vars');
  const block = asRecord(exact)?.vars;
  if (!found || block === undefined) return { vars: noVars, diagnostics: [] };
  return readVarBlock(source, found, block, { path: ['vars'], origin: (at) => ({ kind: 'config', source: at }), schemaChecked: true });
}

/**
 * The keys one file declares, with typed values and source positions, plus every problem the
 * schema cannot see: key paths, value name lengths, data by type. Tolerates a document that failed
 * the schema (it skips what is malformed), so one run reports every problem. `${name}` in key paths
 * and data takes its value from `vars`, else from the file's own `vars:` defaults; the result is
 * checked as if it had been written there.
 */
export function collectDeclarations(source: YamlSource, plain: unknown, exact: unknown, vars: VarTable = noVars): { keys: DesiredKey[]; diagnostics: Diagnostic[] } {
  const defaults = readDefaults(source, exact);
  const lookup: VarLookup = (name) => vars.get(name) ?? defaults.vars.get(name);
  const walk: Walk = { source, diagnostics: defaults.diagnostics, lookup };
  const keys: DesiredKey[] = [];
  const list = asRecord(plain)?.keys;
  if (!Array.isArray(list)) return { keys, diagnostics: walk.diagnostics };
  const exactList = asRecord(exact)?.keys as unknown[];
  const keysNode = findNode(source, ['keys']).node;
  for (let i = 0; i < list.length; i++) {
    const keyNode = itemNode(source, keysNode, i);
    const key = collectKey(walk, list[i], exactList[i], keyNode, i);
    if (key) keys.push(key);
  }
  return { keys, diagnostics: walk.diagnostics };
}
