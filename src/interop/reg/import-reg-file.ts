import { MAX_VALUE_NAME } from '../../config/collect-declarations.js';
import { parseKeyPath } from '../../config/parse-key-path.js';
import { type Diagnostic, RegstateError } from '../../errors.js';
import { checkValueData } from '../../model/check-value.js';
import { foldName } from '../../model/fold-name.js';
import { type KeyRef, formatKey, isWithinKey, keyId, parentKey, splitKeyPath } from '../../model/key-ref.js';
import { type SourcePos, formatSourcePos } from '../../model/source-pos.js';
import type { RegFile, RegSection, RegValueEntry } from '../../registry/reg-file/reg-file-model.js';
import type { ImportedKey, ImportedValue } from '../imported-key.js';

export interface ImportRegOptions {
  /** Only these subtrees (`HKLM\SOFTWARE\Microsoft\AGPM`, any hive spelling, any case). */
  keys?: string[];
  /** The file name used in source positions and messages. */
  file?: string;
}

/** What a .reg file declares, in file order, and what a desired state could not say the way the file does. */
export interface RegImport {
  keys: ImportedKey[];
  warnings: Diagnostic[];
}

interface Entry {
  key: KeyRef;
  ensure: 'present' | 'absent';
  values: Map<string, ImportedValue>;
  source: SourcePos;
}

function parseFilter(text: string): KeyRef {
  const trimmed = text.replace(/\\+$/, '');
  const split = splitKeyPath(trimmed);
  if (!split || (split.path !== '' && split.path.split('\\').includes(''))) {
    throw new RegstateError('USAGE', `--key ${JSON.stringify(text)} is not a key path such as HKLM\\SOFTWARE\\Microsoft\\AGPM`);
  }
  return { ...split, view: 64 };
}

function entryColumn(raw: string): number {
  return raw.length - raw.trimStart().length + 1;
}

/**
 * The desired state a .reg file describes (or the subtrees `options.keys` name): the state `reg import`
 * of the file leaves, key by key, as declarations in file order. `[KEY]` is a present key (with no
 * values when its section has none), `[-KEY]` an absent key, `"name"=-` an absent value; types and data
 * are kept exactly, the default value is the name ''. A key named in several sections is one key whose
 * values are merged, the last setting of a value winning and the first spelling of its name kept.
 *
 * Sections are taken as written: a key under `HKLM\SOFTWARE\WOW6432Node` stays there, in the 64-bit view
 * (the same key as the 32-bit view of `HKLM\SOFTWARE\...` on 64-bit Windows), so planning the result
 * against the same file shows no changes.
 *
 * What a desired state cannot declare is left out with a warning at its line: hive roots, key and value
 * names longer than the registry allows, string data holding a NUL (hex(1): or hex(2): data with a NUL
 * before its end), and a key deleted and then created again (declared present, as the file leaves it). Throws KEY_NOT_FOUND when a `keys` prefix matches nothing in the file.
 */
export function importRegFile(reg: RegFile, options: ImportRegOptions = {}): RegImport {
  const file = options.file ?? '(.reg)';
  const filters = (options.keys ?? []).map((text) => ({ text, key: parseFilter(text), matched: false }));
  const entries = new Map<string, Entry>();
  const warnings: Diagnostic[] = [];
  const warn = (code: Diagnostic['code'], message: string, source: SourcePos): void => void warnings.push({ code, message, source });

  /** The keys a section speaks for once filtered: itself, or (a deletion above a filter) the filtered keys it removes. */
  function scope(section: RegSection, key: KeyRef): KeyRef[] {
    if (filters.length === 0) return [key];
    const inside = filters.filter((f) => isWithinKey(key, f.key));
    if (inside.length > 0) {
      for (const f of inside) f.matched = true;
      return [key];
    }
    if (!section.delete) return [];
    const below = filters.filter((f) => isWithinKey(f.key, key));
    for (const f of below) f.matched = true;
    return below.map((f) => f.key);
  }

  function deleteKey(key: KeyRef, source: SourcePos): void {
    for (let up = parentKey(key); up; up = parentKey(up)) if (entries.get(keyId(up))?.ensure === 'absent') return;
    for (const [id, e] of entries) if (isWithinKey(e.key, key) && id !== keyId(key)) entries.delete(id);
    const existing = entries.get(keyId(key));
    if (existing) Object.assign(existing, { ensure: 'absent', values: new Map(), source });
    else entries.set(keyId(key), { key, ensure: 'absent', values: new Map(), source });
  }

  function createKey(key: KeyRef, source: SourcePos): Entry {
    for (let up: KeyRef | undefined = key; up; up = parentKey(up)) {
      const e = entries.get(keyId(up));
      if (e?.ensure !== 'absent') continue;
      // The file deletes the key and later (re)creates it or a key below it: after the import it exists.
      const what = up === key ? 'its values from before the deletion are not removed' : `it is declared present instead`;
      warn('CONFLICT', `key ${formatKey(e.key)} is deleted at ${formatSourcePos(e.source)} and created again here; a desired state cannot say both, so ${what}`, source);
      Object.assign(e, { ensure: 'present', values: new Map(), source });
    }
    let entry = entries.get(keyId(key));
    if (!entry) entries.set(keyId(key), (entry = { key, ensure: 'present', values: new Map(), source }));
    return entry;
  }

  function setValue(entry: Entry, e: RegValueEntry, source: SourcePos): void {
    if (e.name.length > MAX_VALUE_NAME) {
      warn('VALUE_NAME', `value name of ${e.name.length} characters (at most ${MAX_VALUE_NAME} are allowed); it is left out`, source);
      return;
    }
    // Data a config refuses (a NUL inside a string, hex(1) or hex(2) data holding one) cannot be declared.
    const unstorable = e.value === null ? undefined : checkValueData(e.value).find((p) => p.code === 'NUL_IN_STRING' || p.code === 'VALUE_TOO_LARGE');
    if (unstorable) {
      warn(unstorable.code, `value ${JSON.stringify(e.name)} of key ${formatKey(entry.key)}: ${unstorable.message}; a desired-state file cannot declare it, so it is left out`, source);
      return;
    }
    const id = foldName(e.name);
    const before = entry.values.get(id);
    // A value set again keeps the case of its name, as Windows does; a deleted one takes the new case.
    const name = before && before.ensure === 'present' ? before.name : e.name;
    entry.values.set(id, e.value === null ? { name, ensure: 'absent', source } : { name, ensure: 'present', value: e.value, source });
  }

  for (const section of reg.sections) {
    if (section.removed) continue;
    const source: SourcePos = { file, line: section.line, column: 1 };
    const key: KeyRef = { hive: section.hive, path: section.path, view: 64 };
    const keys = scope(section, key);
    if (keys.length === 0) continue;
    const checked = parseKeyPath(formatKey(key));
    if (!checked.ok) {
      warn('KEY_PATH', `${checked.message}; the section is left out`, source);
      continue;
    }
    if (section.delete) {
      for (const k of keys) deleteKey(k, source);
      continue;
    }
    const entry = createKey(key, source);
    for (const e of section.entries) {
      if (e.type === 'value' && !e.removed) setValue(entry, e, { file, line: e.line, column: entryColumn(e.raw) });
    }
  }

  const unmatched = filters.filter((f) => !f.matched);
  if (unmatched.length > 0) {
    throw RegstateError.fromDiagnostics(unmatched.map((f) => ({ code: 'KEY_NOT_FOUND', message: `--key ${f.text}: no key in ${file} is at or below it` })));
  }
  const keys = [...entries.values()].map(({ key, ensure, values, source }): ImportedKey => ({ key, ensure, values: [...values.values()], source }));
  return { keys, warnings };
}
