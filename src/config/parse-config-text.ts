import { LineCounter, type YAMLError, parseDocument, visit } from 'yaml';
import type { Diagnostic } from '../errors.js';
import { findDuplicateKeys } from './find-duplicate-keys.js';
import { MAX_ALIAS_COUNT, toPlainNumbers } from './plain-numbers.js';
import { documentSource } from './yaml-document-source.js';
import { scannedNumberTags } from './yaml-number-forms.js';
import { type YamlSource, offsetPos } from './yaml-nodes.js';

export { MAX_ALIAS_COUNT, toPlainNumbers } from './plain-numbers.js';

export type ParsedConfig =
  | {
      ok: true;
      source: YamlSource;
      /** The loaded document; integers are bigint, so none above 2^53 was rounded. */
      exact: unknown;
      /** The same document with integers as numbers, for the schema validator. */
      plain: unknown;
    }
  | { ok: false; diagnostics: Diagnostic[] };

function describeYamlError(error: YAMLError, what: string): string {
  if (/call stack/i.test(error.message)) return 'the document is nested too deeply to load';
  if (error.code === 'MULTIPLE_DOCS') return `a second YAML document (after ---); ${what} holds exactly one document`;
  return error.message;
}

/**
 * Parses one file's text as a single YAML document, keeping node ranges for error positions.
 * `what` names the kind of file in messages.
 */
export function parseConfigText(file: string, text: string, what = 'a desired-state file'): ParsedConfig {
  const lineCounter = new LineCounter();
  // duplicate keys are found by findDuplicateKeys, in linear time; `<<` merges mappings as in YAML 1.1;
  // numbers are told apart by character code, so a plain scalar of millions of digits is loaded, not a crash
  const doc = parseDocument(text, { lineCounter, intAsBigInt: true, prettyErrors: false, uniqueKeys: false, merge: true, customTags: scannedNumberTags });
  const source: YamlSource = documentSource(file, doc, lineCounter);
  const problems: Diagnostic[] = [...doc.errors, ...doc.warnings].map((e) => ({
    code: 'YAML_SYNTAX',
    message: describeYamlError(e, what),
    source: offsetPos(source, e.pos[0]),
  }));
  for (const { offset, key } of findDuplicateKeys(doc)) {
    const message = `duplicate mapping key ${JSON.stringify(key)}: a key may appear only once in a mapping`;
    problems.push({ code: 'YAML_SYNTAX', message, source: offsetPos(source, offset) });
  }
  if (problems.length > 0) return { ok: false, diagnostics: problems };
  if (doc.contents === null) {
    return { ok: false, diagnostics: [{ code: 'FILE_EMPTY', message: 'file has no content (it is empty or only comments)', source: offsetPos(source, 0) }] };
  }
  let exact: unknown;
  let plain: unknown;
  try {
    exact = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    plain = toPlainNumbers(exact);
  } catch (error) {
    if (error instanceof RangeError) {
      return { ok: false, diagnostics: [{ code: 'YAML_SYNTAX', message: 'the document is nested too deeply to load', source: offsetPos(source, 0) }] };
    }
    const reason = error instanceof Error ? error.message : String(error);
    let firstAlias = 0;
    visit(doc, {
      Alias(_, node) {
        firstAlias = node.range?.[0] ?? 0;
        return visit.BREAK;
      },
    });
    return { ok: false, diagnostics: [{ code: 'YAML_SYNTAX', message: `cannot expand aliases: ${reason}`, source: offsetPos(source, firstAlias) }] };
  }
  return { ok: true, source, exact, plain };
}
