import { type Diagnostic, RegstateError } from '../../errors.js';
import type { DesiredState } from '../../model/desired-state.js';
import { describeKey } from '../../model/key-ref.js';
import type { RegistryValue } from '../../model/registry-value.js';
import { physicalKeyPath } from '../../registry/physical-key.js';
import { isPlainRegString } from '../../registry/reg-file/format-reg-value.js';
import { renderDeleteKeyLine, renderHeader, renderKeySection } from '../../registry/reg-file/render-reg-file.js';

const NEWLINE = '\r\n';

/**
 * A .reg file (`Windows Registry Editor Version 5.00` text, CRLF) that `reg import` turns into the
 * desired state: each present key as `[KEY]` with its present values and `"name"=-` for its absent
 * ones, each absent key as `[-KEY]`, in declaration order. Values are written as regedit writes them
 * (a string holding a line break as `hex(1):`). A .reg file has no registry view, so the 32-bit view
 * of `HKLM\SOFTWARE\X` is written as `HKLM\SOFTWARE\WOW6432Node\X`, with a `;` comment saying so
 * (the key a 64-bit regedit shows for it). Encode with `encodeRegText(text, {encoding: 'utf16le', bom: true})`.
 * Throws VALUE_NAME, with every such value, for names a .reg file cannot hold (line breaks, NUL).
 */
export function renderDesiredStateReg(desired: DesiredState): string {
  const errors: Diagnostic[] = [];
  let out = renderHeader(NEWLINE);
  for (const declared of desired.keys) {
    const { hive, path } = physicalKeyPath(declared.key);
    if (path !== declared.key.path) out += `; ${describeKey(declared.key)}${NEWLINE}`;
    if (declared.ensure === 'absent') {
      out += renderDeleteKeyLine(hive, path, NEWLINE) + NEWLINE;
      continue;
    }
    const entries: { name: string; value: RegistryValue | null }[] = [];
    for (const v of declared.values) {
      if (!isPlainRegString(v.name)) {
        errors.push({ code: 'VALUE_NAME', message: `value name ${JSON.stringify(v.name)} of key ${describeKey(declared.key)} holds a line break or NUL, which a .reg file cannot write`, source: v.source });
        continue;
      }
      if (v.ensure === 'absent') entries.push({ name: v.name, value: null });
      else if (v.value) entries.push({ name: v.name, value: v.value });
    }
    out += renderKeySection(hive, path, entries, NEWLINE);
  }
  if (errors.length > 0) throw RegstateError.fromDiagnostics(errors);
  return out;
}
