import type { ErrorCode } from '../errors.js';
import type { RegistryValue } from './registry-value.js';

/** Longest value name the registry allows, in characters. */
export const MAX_VALUE_NAME = 16383;

/**
 * Largest value data regstate reads or writes, in bytes (64 MiB): far above any real setting, low
 * enough that a hostile file fails with a message instead of exhausting memory.
 */
export const MAX_VALUE_BYTES = 64 * 1024 * 1024;

/** One reason a value cannot be stored exactly; `index` points into a REG_MULTI_SZ list. */
export interface ValueProblem {
  code: ErrorCode;
  message: string;
  index?: number;
}

/** The stored size of a value's data in bytes (strings as NUL-terminated UTF-16LE). */
export function valueByteLength(value: RegistryValue): number {
  switch (value.type) {
    case 'REG_SZ':
    case 'REG_EXPAND_SZ':
      return 2 * value.data.length + 2;
    case 'REG_MULTI_SZ':
      return value.data.reduce((sum, s) => sum + 2 * s.length + 2, 2);
    case 'REG_DWORD':
      return 4;
    case 'REG_QWORD':
      return 8;
    default:
      return value.data.length;
  }
}

/** `too large: 70000000 bytes; at most 67108864 (64 MiB) are allowed`, for a size in bytes. */
export function describeTooLarge(bytes: number): string {
  return `data is ${bytes} bytes; at most ${MAX_VALUE_BYTES} (64 MiB) are allowed`;
}

// Windows ends a name at NUL, and a REG_MULTI_SZ entry too (the list is NUL-separated); a .reg
// file cannot write a NUL in a "..." string, and readers of REG_SZ stop at the first one.
function nulProblem(what: string, text: string, code: ErrorCode, index?: number): ValueProblem | undefined {
  const at = text.indexOf('\0');
  if (at < 0) return undefined;
  const message = `${what} contains a NUL character (U+0000) at character ${at + 1}; the registry cannot keep it (Windows ends the text there)`;
  return index === undefined ? { code, message } : { code, message, index };
}

/** What is wrong with a value name the registry cannot hold exactly (too long, a NUL), or undefined. */
export function checkValueName(name: string): ValueProblem | undefined {
  if (name.length > MAX_VALUE_NAME) {
    return { code: 'VALUE_NAME', message: `value name is ${name.length} characters long; at most ${MAX_VALUE_NAME} are allowed` };
  }
  return nulProblem('value name', name, 'VALUE_NAME');
}

/**
 * Every reason a declared value's data cannot be written and read back exactly: a NUL inside a
 * string (REG_SZ, REG_EXPAND_SZ, a REG_MULTI_SZ entry), an empty REG_MULTI_SZ entry, or data
 * larger than MAX_VALUE_BYTES. Empty when the value is storable.
 */
export function checkValueData(value: RegistryValue): ValueProblem[] {
  const problems: ValueProblem[] = [];
  if (value.type === 'REG_SZ' || value.type === 'REG_EXPAND_SZ') {
    const nul = nulProblem(`${value.type} data`, value.data, 'NUL_IN_STRING');
    if (nul) problems.push(nul);
  } else if (value.type === 'REG_MULTI_SZ') {
    value.data.forEach((entry, index) => {
      if (entry === '') problems.push({ code: 'SCHEMA', message: 'REG_MULTI_SZ entries must not be empty (the registry ends the list at an empty string)', index });
      const nul = nulProblem('REG_MULTI_SZ entry', entry, 'NUL_IN_STRING', index);
      if (nul) problems.push(nul);
    });
  }
  const size = valueByteLength(value);
  if (size > MAX_VALUE_BYTES) problems.push({ code: 'VALUE_TOO_LARGE', message: `${value.type} ${describeTooLarge(size)}` });
  return problems;
}
