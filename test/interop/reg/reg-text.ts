// Helpers shared by the .reg import/export tests.
import type { ImportedKey } from '../../../src/interop/imported-key.js';
import type { DesiredKey } from '../../../src/model/desired-state.js';
import { describeKey } from '../../../src/model/key-ref.js';
import { valueToJson } from '../../../src/model/value-json.js';

/** A .reg file's text from its lines (CRLF, the header first). */
export function regText(...lines: string[]): string {
  return ['Windows Registry Editor Version 5.00', '', ...lines, ''].join('\r\n');
}

/** Keys and values as plain comparable data: key, ensure, and each value's name, ensure and JSON data. */
export function shape(keys: readonly (ImportedKey | DesiredKey)[]): unknown[] {
  return keys.map((k) => ({
    key: describeKey(k.key),
    ensure: k.ensure,
    values: k.values.map((v) => (v.ensure === 'absent' || !v.value ? { name: v.name, ensure: 'absent' } : { name: v.name, ...valueToJson(v.value) })),
  }));
}
