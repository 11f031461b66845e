import type { Diagnostic } from '../errors.js';
import type { VarOrigin, VarTable } from '../fleet/fleet-model.js';
import type { SourcePos } from '../model/source-pos.js';
import { formatDataPath } from './data-path.js';
import { asRecord } from './declared-value.js';
import { describeValue } from './describe-value.js';
import { VAR_NAME } from './substitute-vars.js';
import { type FoundNode, type YamlSource, childNode, nodePos } from './yaml-nodes.js';

export interface VarBlock {
  /** The block's variables, each with where it was set. */
  vars: VarTable;
  diagnostics: Diagnostic[];
}

export interface VarBlockOptions {
  /** Data path of the block, for messages (`vars`, `groups.web.vars`); empty for a whole file. */
  path: string[];
  /** The origin of a value set at a position. */
  origin: (source: SourcePos) => VarOrigin;
  /**
   * The block passed a JSON Schema that checks names and value types: problems it reported are not
   * reported again (the entries are skipped). Otherwise every problem is reported here.
   */
  schemaChecked: boolean;
}

/**
 * The variables of a YAML mapping `name: value` (a config's `vars:`, inventory group or host vars, a
 * --var-file). Values are strings, numbers or booleans as YAML reads them; an integer beyond 2^53 is
 * refused, since a variable could not keep it exact. The table is a Map: no name reaches a prototype.
 */
export function readVarBlock(source: YamlSource, found: FoundNode, exact: unknown, options: VarBlockOptions): VarBlock {
  const vars: VarTable = new Map();
  const diagnostics: Diagnostic[] = [];
  const block = asRecord(exact);
  const where = (segment?: string) => formatDataPath(segment === undefined ? options.path : [...options.path, segment]);
  const label = (segment?: string) => (where(segment) === '' ? '' : `${where(segment)}: `);
  if (!block) {
    if (!options.schemaChecked) diagnostics.push({ code: 'SCHEMA', message: `${label()}must be a mapping of variable names to values, got ${describeValue(exact)}`, source: nodePos(source, found) });
    return { vars, diagnostics };
  }
  for (const [name, raw] of Object.entries(block)) {
    const at = childNode(source, found.node, name);
    const valuePos = nodePos(source, at ?? found);
    if (!VAR_NAME.test(name)) {
      if (!options.schemaChecked) {
        const keyPos = at?.keyNode ? nodePos(source, { node: at.keyNode }) : valuePos;
        diagnostics.push({ code: 'SCHEMA', message: `${label()}${JSON.stringify(name)} is not a variable name: a letter, then letters, digits or _`, source: keyPos });
      }
      continue;
    }
    let value: string | number | boolean;
    if (typeof raw === 'bigint') {
      if (raw > BigInt(Number.MAX_SAFE_INTEGER) || raw < BigInt(Number.MIN_SAFE_INTEGER)) {
        const message = `${label(name)}the integer ${raw} cannot be kept exact in a variable; write it as a string ("${raw}"), which REG_QWORD data accepts`;
        diagnostics.push({ code: 'VALUE_RANGE', message, source: valuePos });
        continue;
      }
      value = Number(raw);
    } else if (typeof raw === 'string' || typeof raw === 'boolean' || (typeof raw === 'number' && Number.isFinite(raw))) {
      value = raw;
    } else {
      if (!options.schemaChecked) {
        diagnostics.push({ code: 'SCHEMA', message: `${label(name)}a variable's value must be a string, a number or true/false, got ${describeValue(raw)}`, source: valuePos });
      }
      continue;
    }
    vars.set(name, { value, origin: options.origin(valuePos) });
  }
  return { vars, diagnostics };
}
