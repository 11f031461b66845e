import type { Diagnostic } from '../../errors.js';
import type { DesiredKey, DesiredState, DesiredValue } from '../../model/desired-state.js';
import { hiveLongName } from '../../model/hive.js';
import { describeKey } from '../../model/key-ref.js';
import type { RegistryValue } from '../../model/registry-value.js';
import type { SourcePos } from '../../model/source-pos.js';
import { bytesToHex } from '../../model/value-json.js';
import { physicalKeyPath } from '../../registry/physical-key.js';

/** A GPP action: Create, Replace, Update, Delete ([MS-GPPREF] 2.2.1.17.1). */
export type GppAction = 'C' | 'R' | 'U' | 'D';

/** One `<Registry>` preference item with its `<Properties>`, before it becomes XML. */
export interface GppRegistryItem {
  /** Item name and status as GPMC shows them in its list. */
  name: string;
  status: string;
  image: number;
  action: GppAction;
  displayDecimal: boolean;
  /** True for the key's default (unnamed) value; `valueName` is then ''. */
  isDefault: boolean;
  hive: string;
  key: string;
  /** '' together with type '' for an item on the key itself. */
  valueName: string;
  type: string;
  value: string;
  /** REG_MULTI_SZ only: each string as its own `<Value>`. */
  values?: string[];
}

export interface GppRegistryItems {
  items: GppRegistryItem[];
  warnings: Diagnostic[];
  errors: Diagnostic[];
}

// GPMC's icon index for an item: a base per target (key, string value, numeric/binary value)
// plus the action's offset in GPMC's order Create, Replace, Update, Delete. The MS-GPPREF
// sample (4.2.22) shows 12 for a REG_DWORD Update.
const ACTION_OFFSET: Record<GppAction, number> = { C: 0, R: 1, U: 2, D: 3 };
const IMAGE_BASE = { key: 0, string: 5, binary: 10 } as const;

// XML 1.0 cannot carry these at all, and attribute-value normalization turns tab, CR and LF
// into spaces, so text headed for an attribute must not contain them either.
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const ATTRIBUTE_WHITESPACE = /[\t\r\n]/;

function hex(n: number | bigint, width: number): string {
  return n.toString(16).toUpperCase().padStart(width, '0');
}

/** The `type`, `value` (and `<Values>`) GPMC writes for data of each kind; undefined when GPP has no type for it. */
function encodeData(value: RegistryValue): Pick<GppRegistryItem, 'type' | 'value' | 'values' | 'displayDecimal'> | undefined {
  switch (value.type) {
    case 'REG_SZ':
    case 'REG_EXPAND_SZ':
      return { type: value.type, value: value.data, displayDecimal: false };
    case 'REG_MULTI_SZ':
      // GPMC repeats the strings space-separated in `value`; the `<Values>` children are exact.
      return { type: value.type, value: value.data.join(' '), values: [...value.data], displayDecimal: false };
    case 'REG_DWORD':
      // Always hex in the file; displayDecimal only selects GPMC's decimal display.
      return { type: value.type, value: hex(value.data, 8), displayDecimal: true };
    // 2.2.1.17.1 lists only SZ, DWORD, EXPAND_SZ and MULTI_SZ, but GPMC's dialog and
    // Set-GPPrefRegistryValue also write QWORD (16 hex digits) and BINARY (hex, no separators).
    case 'REG_QWORD':
      return { type: value.type, value: hex(value.data, 16), displayDecimal: true };
    case 'REG_BINARY':
      return { type: value.type, value: bytesToHex(value.data).toUpperCase(), displayDecimal: false };
    case 'REG_NONE':
    case 'REG_OTHER':
      return undefined;
  }
}

function imageFor(target: keyof typeof IMAGE_BASE, action: GppAction): number {
  return IMAGE_BASE[target] + ACTION_OFFSET[action];
}

function imageTarget(type: string): keyof typeof IMAGE_BASE {
  return type === 'REG_DWORD' || type === 'REG_QWORD' || type === 'REG_BINARY' ? 'binary' : 'string';
}

function lastComponent(path: string): string {
  return path.slice(path.lastIndexOf('\\') + 1);
}

function valueItem(key: DesiredKey, hive: string, path: string, desired: DesiredValue, warnings: Diagnostic[]): GppRegistryItem | undefined {
  const isDefault = desired.name === '';
  const label = isDefault ? '(Default)' : desired.name;
  const base = { name: label, status: label, isDefault, hive, key: path, valueName: desired.name };
  if (desired.ensure === 'absent' || !desired.value) {
    // Type and data are ignored for Delete ([MS-GPPREF] 2.2.1.17.1 "value"); REG_SZ is GPMC's default type.
    return { ...base, image: imageFor('string', 'D'), action: 'D', displayDecimal: false, type: 'REG_SZ', value: '' };
  }
  const data = encodeData(desired.value);
  if (!data) {
    const kind = desired.value.type === 'REG_OTHER' ? `registry kind ${desired.value.kind}` : desired.value.type;
    warnings.push({
      code: 'UNSUPPORTED_KIND',
      message: `${describeKey(key.key)}: value ${isDefault ? '(default)' : `"${desired.name}"`} is ${kind}, which a Group Policy Preferences registry item cannot set; it is left out`,
      source: desired.source,
    });
    return undefined;
  }
  return { ...base, ...data, image: imageFor(imageTarget(data.type), 'U'), action: 'U' };
}

function keyItem(key: DesiredKey, hive: string, path: string): GppRegistryItem {
  const action: GppAction = key.ensure === 'absent' ? 'D' : 'U';
  const label = lastComponent(path);
  return { name: label, status: label, image: imageFor('key', action), action, displayDecimal: false, isDefault: false, hive, key: path, valueName: '', type: '', value: '' };
}

function textProblem(item: GppRegistryItem, key: DesiredKey): Omit<Diagnostic, 'source'> | undefined {
  const where = item.valueName === '' && !item.isDefault ? describeKey(key.key) : `${describeKey(key.key)} value "${item.valueName}"`;
  const attributes: [Diagnostic['code'], string, string][] = [
    ['KEY_PATH', 'key path', item.key],
    ['VALUE_NAME', 'value name', item.valueName],
    ['VALUE_RANGE', 'data', item.value],
  ];
  for (const [code, what, text] of attributes) {
    if (NOT_XML_CHAR.test(text) || ATTRIBUTE_WHITESPACE.test(text)) {
      return { code, message: `${where}: the ${what} contains a control character, tab or line break, which a Registry.xml attribute cannot carry` };
    }
  }
  return undefined;
}

/**
 * Maps a desired state to GPP registry items in declaration order: one Update item per present
 * value, one Delete item per absent value, a Delete item for an absent key (which removes its
 * values and subkeys) and an Update item for a present key that declares no values.
 */
export function planGppRegistryItems(desired: DesiredState): GppRegistryItems {
  const items: GppRegistryItem[] = [];
  const warnings: Diagnostic[] = [];
  const errors: Diagnostic[] = [];
  for (const key of desired.keys) {
    const physical = physicalKeyPath(key.key);
    const hive = hiveLongName(physical.hive);
    if (physical.path === '') {
      errors.push({ code: 'KEY_PATH', message: `${describeKey(key.key)}: a Group Policy Preferences registry item needs a key below the hive`, source: key.source });
      continue;
    }
    if (physical.path !== key.key.path) {
      // GPP has no view attribute; the client extension writes the native view, where the
      // 32-bit view of HKLM\SOFTWARE\X is the key SOFTWARE\WOW6432Node\X on 64-bit Windows.
      warnings.push({
        code: 'KEY_PATH',
        message: `${describeKey(key.key)}: Group Policy Preferences has no registry view; written as ${physical.hive}\\${physical.path}, which is the 32-bit view only on 64-bit Windows`,
        source: key.source,
      });
    }
    const own: { item: GppRegistryItem; source: SourcePos }[] = [];
    if (key.ensure === 'absent' || key.values.length === 0) own.push({ item: keyItem(key, hive, physical.path), source: key.source });
    for (const value of key.values) {
      const item = valueItem(key, hive, physical.path, value, warnings);
      if (item) own.push({ item, source: value.source });
    }
    for (const { item, source } of own) {
      const problem = textProblem(item, key);
      if (problem) errors.push({ ...problem, source });
      else items.push(item);
    }
  }
  return { items, warnings, errors };
}
