// A registry with user profiles, as `reg export` files of a machine show them (ProfileList under HKLM,
// the loaded user hives under HKU), shared by the backend and CLI tests of per-user keys.

export const ALICE = 'S-1-5-21-100-200-300-1001';
export const BOB = 'S-1-5-21-100-200-300-1002';
/** Listed in ProfileList, but the file holds no HKU\<sid>: not logged on, its hive cannot be loaded offline. */
export const CAROL = 'S-1-5-21-100-200-300-1003';
export const SYSTEM = 'S-1-5-18';

const PROFILE_LIST = 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList';

/** The .reg text: alice (Software\Contoso\Mail with EncryptSmtp 0 and Legacy), bob (no Contoso key), carol (no hive), SYSTEM, the default profile. */
export function usersRegText(options: { carol?: boolean; defaultProfile?: boolean } = {}): string {
  const lines = [
    'Windows Registry Editor Version 5.00',
    '',
    `[${PROFILE_LIST}]`,
    '"ProfilesDirectory"="C:\\\\Users"',
    '',
    `[${PROFILE_LIST}\\${SYSTEM}]`,
    '"ProfileImagePath"="C:\\\\Windows\\\\system32\\\\config\\\\systemprofile"',
    '',
    `[${PROFILE_LIST}\\${ALICE}]`,
    '"ProfileImagePath"="C:\\\\Users\\\\alice"',
    '',
    `[${PROFILE_LIST}\\${BOB}]`,
    '"ProfileImagePath"="C:\\\\Users\\\\bob"',
    '',
  ];
  if (options.carol !== false) lines.push(`[${PROFILE_LIST}\\${CAROL}]`, '"ProfileImagePath"="C:\\\\Users\\\\carol"', '');
  lines.push(`[HKEY_USERS\\${SYSTEM}\\Software]`, '', `[HKEY_USERS\\${ALICE}\\Software\\Contoso\\Mail]`, '"EncryptSmtp"=dword:00000000', '"Legacy"="yes"', '', `[HKEY_USERS\\${BOB}\\Software]`, '');
  if (options.defaultProfile !== false) lines.push('[HKEY_USERS\\<Default>\\Software]', '');
  return lines.join('\r\n');
}
