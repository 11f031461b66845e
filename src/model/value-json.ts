import { RegstateError } from '../errors.js';
import { isDecimalDigits, isHexDigits } from './digit-text.js';
import { type RegistryValue, MAX_DWORD, MAX_QWORD, isValueKind } from './registry-value.js';

/**
 * The JSON form of a value, shared by the plan JSON, saved plans, journals and the PowerShell
 * protocol: DWORD a number, QWORD a decimal string, BINARY/NONE/OTHER lowercase hex, MULTI_SZ a list.
 */
export type ValueJson =
  | { type: 'REG_SZ' | 'REG_EXPAND_SZ'; data: string }
  | { type: 'REG_MULTI_SZ'; data: string[] }
  | { type: 'REG_DWORD'; data: number }
  | { type: 'REG_QWORD'; data: string }
  | { type: 'REG_BINARY' | 'REG_NONE'; data: string }
  | { type: 'REG_OTHER'; kind: number; data: string };

export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

export function hexToBytes(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || (hex !== '' && !isHexDigits(hex))) throw new Error(`not a hex string: ${hex.slice(0, 40)}`);
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

export function valueToJson(value: RegistryValue): ValueJson {
  switch (value.type) {
    case 'REG_QWORD':
      return { type: value.type, data: value.data.toString() };
    case 'REG_BINARY':
    case 'REG_NONE':
      return { type: value.type, data: bytesToHex(value.data) };
    case 'REG_OTHER':
      return { type: value.type, kind: value.kind, data: bytesToHex(value.data) };
    case 'REG_MULTI_SZ':
      return { type: value.type, data: [...value.data] };
    default:
      return { type: value.type, data: value.data } as ValueJson;
  }
}

function bad(what: string): never {
  throw new RegstateError('PLAN_FILE', `invalid value in JSON: ${what}`);
}

/** Parses and checks the JSON form; throws a PLAN_FILE error naming what is wrong. */
export function valueFromJson(json: unknown): RegistryValue {
  if (typeof json !== 'object' || json === null) bad('not an object');
  const { type, data, kind } = json as { type?: unknown; data?: unknown; kind?: unknown };
  if (typeof type !== 'string' || (!isValueKind(type) && type !== 'REG_OTHER')) bad(`unknown type ${String(type)}`);
  switch (type) {
    case 'REG_SZ':
    case 'REG_EXPAND_SZ':
      if (typeof data !== 'string') bad(`${type} data must be a string`);
      return { type, data };
    case 'REG_MULTI_SZ':
      if (!Array.isArray(data) || !data.every((s) => typeof s === 'string')) bad('REG_MULTI_SZ data must be a list of strings');
      return { type, data: [...(data as string[])] };
    case 'REG_DWORD':
      if (typeof data !== 'number' || !Number.isInteger(data) || data < 0 || data > MAX_DWORD) bad(`REG_DWORD data out of range: ${String(data)}`);
      return { type, data };
    case 'REG_QWORD': {
      if (typeof data !== 'string' || !isDecimalDigits(data)) bad('REG_QWORD data must be a decimal string');
      const n = BigInt(data);
      if (n > MAX_QWORD) bad(`REG_QWORD data out of range: ${data}`);
      return { type, data: n };
    }
    case 'REG_BINARY':
    case 'REG_NONE':
    case 'REG_OTHER': {
      if (typeof data !== 'string') bad(`${type} data must be a hex string`);
      let bytes: Uint8Array;
      try {
        bytes = hexToBytes(data);
      } catch {
        return bad(`${type} data is not hex`);
      }
      if (type !== 'REG_OTHER') return { type, data: bytes };
      if (typeof kind !== 'number' || !Number.isInteger(kind) || kind < 0 || kind > MAX_DWORD) bad('REG_OTHER needs a kind number');
      return { type, kind, data: bytes };
    }
  }
  return bad('unreachable');
}
