import { LineCounter, parseDocument } from 'yaml';
import { formatDataPath } from '../config/data-path.js';
import { documentSource } from '../config/yaml-document-source.js';
import { findNode, nodePos } from '../config/yaml-nodes.js';
import type { Diagnostic, ErrorCode } from '../errors.js';
import { truncateEcho } from '../model/display-text.js';
import type { SourcePos } from '../model/source-pos.js';
import { findDuplicateJsonKey } from './find-duplicate-json-key.js';

/** A JSON object read from a plan file: no prototype, so no key a document holds can reach one. */
export type JsonObject = { [field: string]: unknown };

/** One problem in a plan file, at a path of the JSON (`['changes', '0', 'key']`). */
export interface PlanProblem {
  code: ErrorCode;
  path: string[];
  message: string;
}

// Keys that would name or reach a prototype if any code ever copied the object naively.
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before[before.length - 1]?.length ?? 0) + 1 };
}

// V8 gives the offset for most syntax errors; for the rest the yaml parser (JSON is YAML) often finds the spot.
function syntaxErrorPos(text: string, file: string, message: string): SourcePos | undefined {
  const offset = /at position (\d+)/.exec(message)?.[1];
  if (offset !== undefined) return { file, ...lineColumn(text, Number(offset)) };
  const lineCounter = new LineCounter();
  const at = parseDocument(text, { lineCounter }).errors[0]?.linePos?.[0];
  return at ? { file, line: at.line, column: at.col } : undefined;
}

/**
 * Parses the text as JSON into null-prototype objects; a syntax error, or a key an object holds twice
 * (JSON.parse would keep the last silently), is placed at its line:column.
 */
export function parseJsonTree(text: string, file: string): { ok: true; value: unknown; problems: PlanProblem[] } | { ok: false; diagnostic: Diagnostic } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message.replace(/ in JSON at position \d+.*$/, '').replace(/, ".*" is not valid JSON$/s, '');
    const source = syntaxErrorPos(text, file, (e as Error).message);
    return { ok: false, diagnostic: source ? { code: 'PLAN_FILE', message: `not valid JSON: ${message}`, source } : { code: 'PLAN_FILE', message: `${file}: not valid JSON: ${message}` } };
  }
  const duplicate = findDuplicateJsonKey(text);
  if (duplicate) {
    const message = `the key ${truncateEcho(JSON.stringify(duplicate.key))} appears twice in one object (a JSON reader keeps only one of them)`;
    return { ok: false, diagnostic: { code: 'PLAN_FILE', message, source: { file, ...lineColumn(text, duplicate.offset) } } };
  }
  const problems: PlanProblem[] = [];
  const copy = (value: unknown, path: string[]): unknown => {
    if (Array.isArray(value)) return value.map((item, i) => copy(item, [...path, String(i)]));
    if (typeof value !== 'object' || value === null) return value;
    const out: JsonObject = Object.create(null) as JsonObject;
    for (const [field, item] of Object.entries(value)) {
      if (FORBIDDEN_KEYS.has(field)) {
        problems.push({ code: 'PLAN_FILE', path: [...path, field], message: `the field name ${JSON.stringify(field)} is not allowed in a plan` });
        continue;
      }
      out[field] = copy(item, [...path, field]);
    }
    return out;
  };
  return { ok: true, value: copy(raw, []), problems };
}

/**
 * The problems as diagnostics naming the plan file, the JSON path and, where the path can be found
 * in the text, its line:column (the text is parsed again for positions only when there are problems).
 */
export function locateProblems(text: string, file: string, problems: PlanProblem[]): Diagnostic[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false });
  const source = documentSource(file, doc, lineCounter);
  return problems.map(({ code, path, message }) => {
    const label = path.length > 0 ? `${formatDataPath(path)}: ` : '';
    // A path the text does not hold (a missing field) is placed at the deepest part it does hold.
    return { code, message: `${label}${message}`, source: nodePos(source, findNode(source, path)) };
  });
}
