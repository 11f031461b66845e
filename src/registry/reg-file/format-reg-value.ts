import type { RegistryValue } from '../../model/registry-value.js';

/** regedit breaks a hex line once it reaches this many columns (the `\` and the next byte then fit in 80). */
const HEX_BREAK_COLUMN = 77;
const CONTINUATION_INDENT = '  ';

/** Escapes a string for a .reg `"..."`: only `\` and `"` are escaped, as regedit does. */
export function escapeRegString(text: string): string {
  return text.replace(/[\\"]/g, (c) => `\\${c}`);
}

/** Whether a REG_SZ can be written as `"..."`: regedit strings cannot hold CR, LF or NUL. */
export function isPlainRegString(text: string): boolean {
  return !/[\r\n\0]/.test(text);
}

function utf16(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'utf16le'));
}

/** The bytes a string kind is stored as: UTF-16LE, NUL-terminated (MULTI_SZ: each string, then one more NUL). */
export function encodeStringData(value: { type: 'REG_SZ' | 'REG_EXPAND_SZ'; data: string } | { type: 'REG_MULTI_SZ'; data: string[] }): Uint8Array {
  if (value.type !== 'REG_MULTI_SZ') return utf16(`${value.data}\0`);
  if (value.data.length === 0) return utf16('\0');
  return utf16(`${value.data.map((s) => `${s}\0`).join('')}\0`);
}

function qwordBytes(n: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, n, true);
  return out;
}

/**
 * Hex bytes as regedit writes them: `xx,` each, and once a line reaches column 77 it ends with `\`
 * and continues on the next one after two spaces. `startColumn` is the width of what precedes the
 * bytes on the first line (`"name"=hex(2):`).
 */
export function formatHexBytes(bytes: Uint8Array, startColumn: number, newline = '\r\n'): string {
  let out = '';
  let column = startColumn;
  for (let i = 0; i < bytes.length; i++) {
    out += (bytes[i] ?? 0).toString(16).padStart(2, '0');
    if (i === bytes.length - 1) break;
    out += ',';
    column += 3;
    if (column >= HEX_BREAK_COLUMN) {
      out += `\\${newline}${CONTINUATION_INDENT}`;
      column = CONTINUATION_INDENT.length;
    }
  }
  return out;
}

function hexValue(kind: string, bytes: Uint8Array, prefixWidth: number, newline: string): string {
  const head = kind === '' ? 'hex:' : `hex(${kind}):`;
  return head + formatHexBytes(bytes, prefixWidth + head.length, newline);
}

/**
 * The right-hand side of a value entry in regedit's forms (`"text"`, `dword:0000024b`, `hex(7):...`),
 * wrapped as regedit wraps it. `prefixWidth` is the width of the `"name"=` before it.
 */
export function formatRegValue(value: RegistryValue, prefixWidth = 0, newline = '\r\n'): string {
  switch (value.type) {
    case 'REG_SZ':
      if (isPlainRegString(value.data)) return `"${escapeRegString(value.data)}"`;
      return hexValue('1', encodeStringData(value), prefixWidth, newline);
    case 'REG_EXPAND_SZ':
      return hexValue('2', encodeStringData(value), prefixWidth, newline);
    case 'REG_MULTI_SZ':
      return hexValue('7', encodeStringData(value), prefixWidth, newline);
    case 'REG_DWORD':
      return `dword:${value.data.toString(16).padStart(8, '0')}`;
    case 'REG_QWORD':
      return hexValue('b', qwordBytes(value.data), prefixWidth, newline);
    case 'REG_BINARY':
      return hexValue('', value.data, prefixWidth, newline);
    case 'REG_NONE':
      return hexValue('0', value.data, prefixWidth, newline);
    case 'REG_OTHER':
      return hexValue(value.kind.toString(16), value.data, prefixWidth, newline);
  }
}

/** `"name"` or `@` for the default value. */
export function formatValueName(name: string): string {
  return name === '' ? '@' : `"${escapeRegString(name)}"`;
}

/** A whole value entry `"name"=...` with its line break. */
export function renderValueEntry(name: string, value: RegistryValue, newline = '\r\n'): string {
  const prefix = `${formatValueName(name)}=`;
  return `${prefix}${formatRegValue(value, prefix.length, newline)}${newline}`;
}

/** A value deletion entry `"name"=-` with its line break. */
export function renderDeleteValueEntry(name: string, newline = '\r\n'): string {
  return `${formatValueName(name)}=-${newline}`;
}
