import { type KeyRef, describeKey, formatKey } from '../model/key-ref.js';
import type { RegistryValue } from '../model/registry-value.js';

/** Names of the read-only kinds regstate keeps as REG_OTHER (winnt.h). */
const OTHER_KIND_NAMES: Record<number, string> = {
  5: 'REG_DWORD_BIG_ENDIAN',
  6: 'REG_LINK',
  8: 'REG_RESOURCE_LIST',
  9: 'REG_FULL_RESOURCE_DESCRIPTOR',
  10: 'REG_RESOURCE_REQUIREMENTS_LIST',
};

/** Binary data longer than this many bytes is shown cut, with its length. */
export const MAX_SHOWN_BYTES = 32;

// Characters a reader cannot see or tell apart: controls, format characters, separators other than
// the plain space (NBSP, line separator, ...), unassigned code points and lone surrogates.
const INVISIBLE = /[\p{C}\p{Z}]/u;
const SHORT_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeChar(ch: string): string {
  const short = SHORT_ESCAPES[ch];
  if (short) return short;
  if (ch !== ' ' && INVISIBLE.test(ch)) {
    let out = '';
    for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`;
    return out;
  }
  return ch;
}

/** A string in double quotes, JSON-style escaped, so control characters and trailing spaces show. */
export function quoteString(text: string): string {
  let out = '"';
  for (const ch of text) out += escapeChar(ch);
  return `${out}"`;
}

// INVISIBLE other than the plain space, tested on a whole text at once (a test per character was most
// of rendering a large plan's key and value names)
const INVISIBLE_IN_TEXT = /(?! )[\p{C}\p{Z}]/u;

function hasInvisible(text: string): boolean {
  return INVISIBLE_IN_TEXT.test(text);
}

/**
 * A value name as people read it: `(Default)` for the default value, the bare name when it reads
 * unambiguously, otherwise quoted (leading/trailing spaces, invisible characters, quotes, a name
 * that would read as `(Default)`).
 */
export function formatValueName(name: string): string {
  if (name === '') return '(Default)';
  const plain = !/^\s|\s$|"/.test(name) && !hasInvisible(name) && name.toLowerCase() !== '(default)';
  return plain ? name : quoteString(name);
}

const EDGE_SPACE_IN_PATH = /(?:^|\\)\s|\s(?:$|\\)/;

/** A key as people read it (`describeKey`), quoted when a component has invisible characters or edge spaces. */
export function formatKeyName(key: KeyRef): string {
  const path = formatKey(key);
  // no component starts or ends with white space
  const plain = !hasInvisible(path) && !path.includes('"') && !EDGE_SPACE_IN_PATH.test(path);
  if (plain) return describeKey(key);
  return key.view === 32 ? `${quoteString(path)} (32-bit view)` : quoteString(path);
}

/** `REG_DWORD`, or the name of a read-only kind (`REG_LINK`, `REG_KIND_42` when unknown). */
export function formatValueType(value: RegistryValue): string {
  if (value.type !== 'REG_OTHER') return value.type;
  return OTHER_KIND_NAMES[value.kind] ?? `REG_KIND_${value.kind}`;
}

// Each byte's two hex digits, made once: a plan of many binary changes formats bytes by the hundred thousand.
const HEX_PAIRS = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

function formatBytes(bytes: Uint8Array): string {
  if (bytes.length === 0) return '(0 bytes)';
  const end = Math.min(bytes.length, MAX_SHOWN_BYTES);
  let shown = HEX_PAIRS[bytes[0] as number] as string;
  for (let i = 1; i < end; i++) shown += ` ${HEX_PAIRS[bytes[i] as number] as string}`;
  return bytes.length > MAX_SHOWN_BYTES ? `${shown} … (${bytes.length} bytes)` : shown;
}

/**
 * The data of a value as people read it: DWORD `587 (0x0000024b)`, QWORD decimal and 16-digit hex,
 * strings quoted, MULTI_SZ a list of quoted strings, binary kinds hex bytes (long data cut).
 */
export function formatValueData(value: RegistryValue): string {
  switch (value.type) {
    case 'REG_DWORD':
      return `${value.data} (0x${value.data.toString(16).padStart(8, '0')})`;
    case 'REG_QWORD':
      return `${value.data} (0x${value.data.toString(16).padStart(16, '0')})`;
    case 'REG_SZ':
    case 'REG_EXPAND_SZ':
      return quoteString(value.data);
    case 'REG_MULTI_SZ':
      return `[${value.data.map(quoteString).join(', ')}]`;
    case 'REG_BINARY':
    case 'REG_NONE':
    case 'REG_OTHER':
      return formatBytes(value.data);
  }
}

/** `REG_DWORD 587 (0x0000024b)`: type and data together. */
export function formatValue(value: RegistryValue): string {
  return `${formatValueType(value)} ${formatValueData(value)}`;
}
