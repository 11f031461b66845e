import type { ErrorCode } from '../errors.js';
import { MAX_VALUE_BYTES, checkValueData, describeTooLarge } from '../model/check-value.js';
import { truncateEcho } from '../model/display-text.js';
import { isDecimalDigits, isHexDigits, significantLength } from '../model/digit-text.js';
import { MAX_DWORD, MAX_QWORD, type RegistryValue, type ValueKind } from '../model/registry-value.js';
import { describeValue } from './describe-value.js';
import { parseHexBytes } from './parse-hex-bytes.js';

/** One problem with a value's data; `index` points into a REG_MULTI_SZ list. */
export interface DataProblem {
  code: ErrorCode;
  message: string;
  index?: number;
}

export type DataResult = { ok: true; value: RegistryValue } | { ok: false; problems: DataProblem[] };

const fail = (code: ErrorCode, message: string, index?: number): DataResult => ({
  ok: false,
  problems: [index === undefined ? { code, message } : { code, message, index }],
});

/** The value, or every reason it cannot be stored exactly (NUL in a string, too large). */
function storable(value: RegistryValue): DataResult {
  const problems = checkValueData(value);
  return problems.length === 0 ? { ok: true, value } : { ok: false, problems };
}

/** The hint after a number or boolean where a string is wanted. */
export const QUOTE_HINT = ' (quote it to make it a string)';

const quoteHint = (data: unknown): string => (typeof data === 'bigint' || typeof data === 'number' || typeof data === 'boolean' ? QUOTE_HINT : '');

function parseStringData(type: 'REG_SZ' | 'REG_EXPAND_SZ', data: unknown): DataResult {
  if (typeof data !== 'string') return fail('SCHEMA', `${type} data must be a string, got ${describeValue(data)}${quoteHint(data)}`);
  return storable({ type, data });
}

function parseMultiString(data: unknown): DataResult {
  if (!Array.isArray(data)) return fail('SCHEMA', `REG_MULTI_SZ data must be a list of strings, got ${describeValue(data)}`);
  const problems: DataProblem[] = [];
  data.forEach((item: unknown, index) => {
    if (typeof item !== 'string') {
      problems.push({ code: 'SCHEMA', message: `REG_MULTI_SZ entries must be strings, got ${describeValue(item)}${quoteHint(item)}`, index });
    }
  });
  if (problems.length > 0) return { ok: false, problems };
  return storable({ type: 'REG_MULTI_SZ', data: [...(data as string[])] });
}

const ranges = new Map<bigint, string>();

/** `0..4294967295 (0xFFFFFFFF)`, built once per type: a large file asks for it once a value. */
function describeRange(max: bigint): string {
  let range = ranges.get(max);
  if (range === undefined) {
    range = `0..${max} (0x${max.toString(16).toUpperCase()})`;
    ranges.set(max, range);
  }
  return range;
}

/** An exact non-negative integer from YAML data, or a problem. Floats are accepted only when exact. */
function readInteger(type: 'REG_DWORD' | 'REG_QWORD', data: unknown, max: bigint, formHint: string): bigint | DataResult {
  const range = describeRange(max);
  let n: bigint;
  if (typeof data === 'bigint') {
    n = data;
  } else if (typeof data === 'number') {
    if (!Number.isFinite(data)) return fail('VALUE_RANGE', `${type} data must be an integer ${range}, got ${String(data)}`);
    if (!Number.isInteger(data)) return fail('VALUE_RANGE', `${type} data must be an integer, got ${String(data)}`);
    if (!Number.isSafeInteger(data)) {
      return fail('VALUE_RANGE', `${type} data ${String(data)} is written as a floating-point number and is not exact; write the integer digits`);
    }
    n = BigInt(data);
  } else if (typeof data === 'string' && /^0[xX]/.test(data)) {
    // data may be millions of characters: checked by character code, not by a regex loop (see digit-text)
    if (!isHexDigits(data, 2)) return fail('HEX_SYNTAX', `${type} data ${JSON.stringify(truncateEcho(data))} is not a valid hex number`);
    // more significant digits than the type holds is out of range, without converting millions of them
    if (significantLength(data, 2) > max.toString(16).length) return fail('VALUE_RANGE', `${type} data ${truncateEcho(data)} is out of range ${range}`);
    n = BigInt(data);
  } else if (type === 'REG_QWORD' && typeof data === 'string' && isDecimalDigits(data)) {
    if (significantLength(data) > max.toString().length) return fail('VALUE_RANGE', `${type} data ${truncateEcho(data)} is out of range ${range}`);
    n = BigInt(data);
  } else {
    return fail('SCHEMA', `${type} data must be ${formHint}, got ${describeValue(data)}`);
  }
  if (n < 0n) return fail('VALUE_RANGE', `${type} data must not be negative, got ${truncateEcho(String(n))}`);
  if (n > max) return fail('VALUE_RANGE', `${type} data ${truncateEcho(String(n))} is out of range ${range}`);
  return n;
}

/**
 * Converts YAML-loaded data (integers as bigint, so nothing above 2^53 was rounded) to a typed
 * registry value, or says what is wrong with it. Mirrors the schema's branch for each type.
 */
export function parseValueData(type: ValueKind, data: unknown): DataResult {
  switch (type) {
    case 'REG_SZ':
    case 'REG_EXPAND_SZ':
      return parseStringData(type, data);
    case 'REG_MULTI_SZ':
      return parseMultiString(data);
    case 'REG_DWORD': {
      // the usual case, a number in range, needs no bigint
      if (typeof data === 'number' && Number.isInteger(data) && data >= 0 && data <= MAX_DWORD) return { ok: true, value: { type, data: data === 0 ? 0 : data } }; // -0.0 is 0
      const n = readInteger(type, data, BigInt(MAX_DWORD), 'an integer 0..4294967295 or a 0x hex string');
      return typeof n === 'bigint' ? { ok: true, value: { type, data: Number(n) } } : n;
    }
    case 'REG_QWORD': {
      const n = readInteger(type, data, MAX_QWORD, 'an integer 0..18446744073709551615, or a decimal or 0x hex string');
      return typeof n === 'bigint' ? { ok: true, value: { type, data: n } } : n;
    }
    case 'REG_BINARY':
    case 'REG_NONE': {
      if (typeof data !== 'string') {
        return fail('SCHEMA', `${type} data must be a hex string such as "01 02 ff", got ${describeValue(data)}${quoteHint(data)}`);
      }
      // two hex digits a byte: longer text cannot fit, and is refused before any byte is parsed
      if (data.length > 3 * MAX_VALUE_BYTES) return fail('VALUE_TOO_LARGE', `${type} ${describeTooLarge(Math.floor(data.length / 3))} or more`);
      const parsed = parseHexBytes(data);
      if (!parsed.ok) return fail('HEX_SYNTAX', `${type} data is not valid hex: ${parsed.message}`);
      return storable({ type, data: parsed.bytes });
    }
  }
}
