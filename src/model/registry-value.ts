/** The value kinds a desired-state file can declare. */
export const VALUE_KINDS = [
  'REG_SZ',
  'REG_EXPAND_SZ',
  'REG_MULTI_SZ',
  'REG_DWORD',
  'REG_QWORD',
  'REG_BINARY',
  'REG_NONE',
] as const;
export type ValueKind = (typeof VALUE_KINDS)[number];

/** Registry kind numbers (winnt.h), for the kinds regstate knows by name. */
export const KIND_NUMBERS: Record<ValueKind, number> = {
  REG_NONE: 0,
  REG_SZ: 1,
  REG_EXPAND_SZ: 2,
  REG_BINARY: 3,
  REG_DWORD: 4,
  REG_MULTI_SZ: 7,
  REG_QWORD: 11,
};

export const MAX_DWORD = 0xffffffff;
export const MAX_QWORD = (1n << 64n) - 1n;

/**
 * Registry data, tagged by kind. DWORD is unsigned 32-bit, QWORD unsigned 64-bit (bigint),
 * EXPAND_SZ is kept unexpanded. REG_OTHER is a kind regstate only reads (REG_LINK,
 * REG_RESOURCE_LIST, ...), kept as its kind number and raw bytes; it is never declared.
 */
export type RegistryValue =
  | { type: 'REG_SZ'; data: string }
  | { type: 'REG_EXPAND_SZ'; data: string }
  | { type: 'REG_MULTI_SZ'; data: string[] }
  | { type: 'REG_DWORD'; data: number }
  | { type: 'REG_QWORD'; data: bigint }
  | { type: 'REG_BINARY'; data: Uint8Array }
  | { type: 'REG_NONE'; data: Uint8Array }
  | { type: 'REG_OTHER'; kind: number; data: Uint8Array };

export type RegistryValueType = RegistryValue['type'];

export function isValueKind(text: string): text is ValueKind {
  return (VALUE_KINDS as readonly string[]).includes(text);
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Exact equality by kind: a different kind is never equal, whatever the data looks like. */
export function valuesEqual(a: RegistryValue, b: RegistryValue): boolean {
  switch (a.type) {
    case 'REG_SZ':
    case 'REG_EXPAND_SZ':
    case 'REG_DWORD':
    case 'REG_QWORD':
      return a.type === b.type && a.data === b.data;
    case 'REG_MULTI_SZ':
      return b.type === 'REG_MULTI_SZ' && a.data.length === b.data.length && a.data.every((s, i) => s === b.data[i]);
    case 'REG_BINARY':
    case 'REG_NONE':
      return a.type === b.type && bytesEqual(a.data, b.data);
    case 'REG_OTHER':
      return b.type === 'REG_OTHER' && a.kind === b.kind && bytesEqual(a.data, b.data);
  }
}
