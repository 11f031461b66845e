import { Document, isScalar, parseDocument, Scalar, visit, type YAMLMap } from 'yaml';
import { type Diagnostic, RegstateError } from '../../errors.js';
import { describeKey, formatKey } from '../../model/key-ref.js';
import type { RegistryValue } from '../../model/registry-value.js';
import type { ImportedKey, ImportedValue } from '../imported-key.js';
import { escapeVars } from '../../config/substitute-vars.js';

export interface RenderDesiredStateOptions {
  description?: string;
  /** Written as the `# yaml-language-server: $schema=...` modeline on the first line. */
  schemaPath?: string;
}

/** The file format version this writer produces. */
export const CONFIG_VERSION = 1;

type Data = number | string | string[];

/** The `data` of a value as the config file declares it; undefined when the file cannot declare it. */
function configData(value: RegistryValue): Data | undefined {
  switch (value.type) {
    case 'REG_SZ':
    case 'REG_EXPAND_SZ':
      // registry text, not a variable reference: `${` is written `$${`
      return escapeVars(value.data);
    case 'REG_DWORD':
      return value.data;
    case 'REG_QWORD':
      // A YAML integer past 2^53 - 1 would not survive a JavaScript loader; a decimal string does.
      return value.data <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value.data) : value.data.toString();
    case 'REG_MULTI_SZ':
      return value.data.some((s) => s === '') ? undefined : value.data.map(escapeVars);
    case 'REG_BINARY':
    case 'REG_NONE':
      return Array.from(value.data, (b) => b.toString(16).padStart(2, '0')).join(' ');
    case 'REG_OTHER':
      return undefined;
  }
}

function unsupported(key: ImportedKey, value: ImportedValue & { value: RegistryValue }): Diagnostic {
  const where = `${describeKey(key.key)}: value ${value.name === '' ? '(default)' : `"${value.name}"`}`;
  const source = value.source ? { source: value.source } : {};
  if (value.value.type === 'REG_OTHER') {
    return { code: 'UNSUPPORTED_KIND', message: `${where} is of registry kind ${value.value.kind}, which a desired-state file cannot declare; it is left out`, ...source };
  }
  return { code: 'VALUE_RANGE', message: `${where} is a REG_MULTI_SZ with an empty string, which a desired-state file cannot declare; it is left out`, ...source };
}

function valueEntry(key: ImportedKey, value: ImportedValue, warnings: Diagnostic[]): Record<string, unknown> | undefined {
  if (value.ensure === 'absent') return { name: value.name, ensure: 'absent' };
  if (!value.value) throw new RegstateError('INTERNAL', `${describeKey(key.key)}: present value "${value.name}" has no data`);
  const data = configData(value.value);
  if (data === undefined) {
    warnings.push(unsupported(key, { ...value, value: value.value }));
    return undefined;
  }
  return { name: value.name, type: value.value.type, data };
}

function keyEntry(key: ImportedKey, warnings: Diagnostic[]): Record<string, unknown> {
  const entry: Record<string, unknown> = { path: escapeVars(formatKey(key.key)) };
  if (key.key.view === 32) entry.view = 32;
  if (key.ensure === 'absent') {
    entry.ensure = 'absent';
    return entry;
  }
  const values = key.values.flatMap((v) => valueEntry(key, v, warnings) ?? []);
  if (values.length > 0) entry.values = values;
  return entry;
}

// A plain scalar such as `yes`, `on`, `2026-01-01` or `1_000` is a string to a YAML 1.2 loader
// but not to a YAML 1.1 one; quoting those keeps the file meaning the same to every reader.
function plainMeansSomethingElse(text: string): boolean {
  if (text.includes('\n')) return false;
  const doc = parseDocument(text, { version: '1.1' });
  return doc.errors.length === 0 && !(isScalar(doc.contents) && doc.contents.value === text);
}

// Printable text with single inner spaces only. Anything else (line breaks, tabs, spaces at either end,
// control and format characters, lone surrogates) goes double-quoted with JSON escapes: the yaml library's
// own choice for " \n" was a block scalar that reads back as "\n", and a raw lone surrogate cannot be UTF-8.
const PRINTABLE = /^[^\p{C}\p{Z}](?:(?:[^\p{C}\p{Z}]| )*[^\p{C}\p{Z}])?$/u;

function quoteStrings(doc: Document): void {
  visit(doc, {
    Scalar(_key, node: Scalar) {
      if (typeof node.value === 'string' && (!PRINTABLE.test(node.value) || plainMeansSomethingElse(node.value))) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
}

/**
 * Renders imported keys as a regstate desired-state file (format version 1) that loads back to
 * the same keys and data, keys and values in the given order. Values the format cannot declare
 * (REG_OTHER kinds, a REG_MULTI_SZ holding an empty string) are left out, each with a warning.
 */
export function renderDesiredStateYaml(keys: ImportedKey[], options: RenderDesiredStateOptions = {}): { yaml: string; warnings: Diagnostic[] } {
  const warnings: Diagnostic[] = [];
  const contents: Record<string, unknown> = { version: CONFIG_VERSION };
  if (options.description !== undefined) contents.description = options.description;
  contents.keys = keys.map((k) => keyEntry(k, warnings));
  const doc = new Document(contents);
  if (options.schemaPath !== undefined) {
    if (/[\r\n]/.test(options.schemaPath)) throw new RegstateError('USAGE', 'the schema path must be a single line');
    // On the root map rather than the document, so no blank line separates it from `version`.
    (doc.contents as YAMLMap).commentBefore = ` yaml-language-server: $schema=${options.schemaPath}`;
  }
  quoteStrings(doc);
  // lineWidth 0: long data stays on one line instead of being folded; JSON escapes (\uXXXX) for every
  // control character and lone surrogate in a double-quoted string.
  const text = doc.toString({ lineWidth: 0, doubleQuotedAsJSON: true });
  return { yaml: text, warnings };
}
