import picocolors from 'picocolors';
import { textWidth } from '../model/text-width.js';
import { escapeControl } from '../model/display-text.js';
import { formatKeyName, formatValueData, formatValueName, formatValueType } from './format-data.js';
import { formatSourceLine } from './describe-plan.js';
import type { PlanUser, UndeclaredAtKey, UndeclaredValue } from './plan.js';
import { keyUserLabel } from './render-users.js';
import { codeSpan } from './render-markdown.js';

type Colors = ReturnType<typeof picocolors.createColors>;

/** The marker of an undeclared value or subkey: neither a change nor counted as one. */
export const UNDECLARED_MARK = '?';

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function typeOf(v: UndeclaredValue): string {
  return 'value' in v ? formatValueType(v.value) : 'unreadable';
}

function dataOf(v: UndeclaredValue): string {
  return 'value' in v ? formatValueData(v.value) : escapeControl(`${v.unreadable.code}: ${v.unreadable.message}`);
}

/** `6 undeclared values at 1 key` (and subkeys, when a forced exclusive key keeps some). */
export function formatUndeclaredCount(undeclared: readonly UndeclaredAtKey[]): string {
  const values = undeclared.reduce((n, k) => n + k.values.length, 0);
  const subkeys = undeclared.reduce((n, k) => n + k.subkeys.length, 0);
  const items = subkeys > 0 ? `${count(values, 'undeclared value', 'undeclared values')} and ${count(subkeys, 'subkey', 'subkeys')}` : count(values, 'undeclared value', 'undeclared values');
  return `${items} at ${count(undeclared.length, 'key', 'keys')}`;
}

// ` [CONTOSO\alice]` after a per-user key's path, in the renderer's own form; '' for any other key.
function userSuffix(users: readonly PlanUser[] | undefined, group: UndeclaredAtKey, form: (label: string) => string): string {
  const label = keyUserLabel(users, group.key);
  return label === undefined ? '' : form(label);
}

function textGroup(group: UndeclaredAtKey, c: Colors, users: readonly PlanUser[] | undefined): string[] {
  const mark = c.cyan(UNDECLARED_MARK);
  const rows = [
    ...group.values.map((v) => ({ name: formatValueName(v.name), type: typeOf(v), data: dataOf(v) })),
    ...group.subkeys.map((s) => ({ name: `${formatValueName(s)}\\`, type: 'subkey', data: 'holds values regstate cannot read; left by force' })),
  ];
  const nameWidth = Math.max(0, ...rows.map((r) => textWidth(r.name)));
  const typeWidth = Math.max(0, ...rows.map((r) => r.type.length));
  const pad = (text: string, width: number) => text + ' '.repeat(Math.max(0, width - textWidth(text)));
  return [
    `  ${mark} ${c.bold(formatKeyName(group.key))}${userSuffix(users, group, (label) => ` ${c.cyan(`[${label}]`)}`)}  ${c.dim(`# ${formatSourceLine(group.source)}`)}`,
    ...rows.map((r) => `      ${mark} ${pad(r.name, nameWidth)}  ${pad(r.type, typeWidth)}  ${r.data}`),
  ];
}

/**
 * The text section listing undeclared values, appended after a plan's summary line (empty when
 * there are none, so a plan without them reads as it always did).
 */
export function renderUndeclaredText(undeclared: readonly UndeclaredAtKey[] | undefined, color: boolean, users?: readonly PlanUser[]): string {
  if (!undeclared || undeclared.length === 0) return '';
  const c = picocolors.createColors(color);
  const blocks = undeclared.map((g) => textGroup(g, c, users).join('\n'));
  return [
    '',
    `Undeclared values (${UNDECLARED_MARK}): on the target, declared by no config, left as they are (not changes):`,
    '',
    blocks.join('\n\n'),
    '',
    `${formatUndeclaredCount(undeclared)}; exclusive: true on a key deletes them, undeclared: ignore stops listing them.`,
    '',
  ].join('\n');
}

function markdownGroup(group: UndeclaredAtKey, users: readonly PlanUser[] | undefined): string {
  const key = codeSpan(formatKeyName({ ...group.key, view: 64 }), false) + (group.key.view === 32 ? ' (32-bit view)' : '') + userSuffix(users, group, (label) => ` for ${codeSpan(label, false)}`);
  const rows = [
    ...group.values.map((v) => `| ${codeSpan(formatValueName(v.name), true)} | ${typeOf(v)} | ${codeSpan(dataOf(v), true)} |`),
    ...group.subkeys.map((s) => `| ${codeSpan(`${formatValueName(s)}\\`, true)} | subkey | holds values regstate cannot read; left by force |`),
  ];
  return [`#### ${key}`, '', `Declared at ${codeSpan(formatSourceLine(group.source), false)}.`, '', '| Value | Type | Data |', '| --- | --- | --- |', ...rows].join('\n');
}

/** The Markdown section listing undeclared values; empty when there are none. */
export function renderUndeclaredMarkdown(undeclared: readonly UndeclaredAtKey[] | undefined, users?: readonly PlanUser[]): string {
  if (!undeclared || undeclared.length === 0) return '';
  const intro = `${formatUndeclaredCount(undeclared)}: on the target, declared by no config, left as they are (not changes).`;
  return ['### Undeclared values', intro, ...undeclared.map((g) => markdownGroup(g, users))].join('\n\n') + '\n';
}
