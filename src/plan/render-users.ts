import picocolors from 'picocolors';
import { escapeControl } from '../model/display-text.js';
import { textWidth } from '../model/text-width.js';
import type { KeyRef } from '../model/key-ref.js';
import { type PlanUser, userOfKey } from './plan.js';
import { codeSpan } from './render-markdown.js';

/** `CONTOSO\alice`, `unknown account, not logged on`, `default profile`: who a user is, without the SID. */
export function describeUserLabel(user: PlanUser): string {
  if (user.kind === 'default') return 'default profile';
  const account = user.account === undefined ? 'unknown account' : escapeControl(user.account);
  return user.loaded ? account : `${account}, not logged on`;
}

/** The label of the user a key is for (HKU\<sid>\... of a per-user key), or undefined for any other key. */
export function keyUserLabel(users: readonly PlanUser[] | undefined, key: KeyRef): string | undefined {
  const user = userOfKey(users, key);
  return user && describeUserLabel(user);
}

// The reason without the `cannot read HKU\<sid>\...: ` the backend puts first: the row already names the user.
function reasonOf(user: PlanUser): string {
  const message = user.unavailable?.message.replace(/^cannot read HKU\\[^\\:]+(?:\\[^:]*)?: /, '') ?? '';
  return escapeControl(`${user.unavailable?.code}: ${message}`);
}

function heading(users: readonly PlanUser[]): string {
  if (users.length === 0) return 'Per-user keys: no user profile of the target is selected, so they apply to no one.';
  const failed = users.filter((u) => u.unavailable).length;
  const tail = failed > 0 ? ` (${failed} not reached: ${failed === 1 ? 'its hive' : 'their hives'} could not be read, nothing is planned for ${failed === 1 ? 'it' : 'them'})` : '';
  return `Per-user keys apply to ${users.length} user${users.length === 1 ? '' : 's'}${tail}:`;
}

/** The users section of the text plan (empty without per-user keys): each user a target, SID first. */
export function renderUsersText(users: readonly PlanUser[] | undefined, color: boolean): string {
  if (!users) return '';
  const c = picocolors.createColors(color);
  const sids = users.map((u) => escapeControl(u.sid));
  const width = Math.max(0, ...sids.map(textWidth));
  const lines = users.map((u, i) => {
    const sid = sids[i] as string;
    const row = `${sid}${' '.repeat(width - textWidth(sid))}  ${describeUserLabel(u)}`;
    return u.unavailable ? `  ${c.red('✗')} ${row}: not reached, ${reasonOf(u)}` : `  ${c.green('✓')} ${row}`;
  });
  return [heading(users), ...lines, '', ''].join('\n');
}

/** The users section of the Markdown plan (empty without per-user keys): a table, one row a user. */
export function renderUsersMarkdown(users: readonly PlanUser[] | undefined): string {
  if (!users) return '';
  if (users.length === 0) return `### Users\n\n${heading(users)}\n`;
  const rows = users.map((u) => {
    const status = u.unavailable ? `not reached: ${codeSpan(reasonOf(u), true)}` : 'planned';
    return `| ${codeSpan(escapeControl(u.sid), true)} | ${codeSpan(describeUserLabel(u), true)} | ${status} |`;
  });
  return ['### Users', '', heading(users), '', '| User (SID) | Account | Status |', '| --- | --- | --- |', ...rows, ''].join('\n');
}
