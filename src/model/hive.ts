export const HIVES = ['HKLM', 'HKCU', 'HKCR', 'HKU', 'HKCC'] as const;
export type Hive = (typeof HIVES)[number];

const LONG_NAMES: Record<Hive, string> = {
  HKLM: 'HKEY_LOCAL_MACHINE',
  HKCU: 'HKEY_CURRENT_USER',
  HKCR: 'HKEY_CLASSES_ROOT',
  HKU: 'HKEY_USERS',
  HKCC: 'HKEY_CURRENT_CONFIG',
};

const BY_NAME = new Map<string, Hive>();
for (const hive of HIVES) {
  BY_NAME.set(hive, hive);
  BY_NAME.set(LONG_NAMES[hive], hive);
}

/** Short or long hive name, any case; undefined when it names no hive. */
export function parseHive(name: string): Hive | undefined {
  return BY_NAME.get(name.toUpperCase());
}

export function hiveLongName(hive: Hive): string {
  return LONG_NAMES[hive];
}
