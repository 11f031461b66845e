import { formatKeyName, formatValueData, formatValueName, formatValueType } from './format-data.js';
import { type KeyGroup, type ValueChange, formatKeyContents, formatNoChanges, formatPlanSummary, formatSourceLine, groupChangesByKey } from './describe-plan.js';
import { type Plan, summarizePlan } from './plan.js';
import { renderUndeclaredMarkdown } from './render-undeclared.js';
import { keyUserLabel, renderUsersMarkdown } from './render-users.js';

export interface MarkdownOptions {
  /** The top heading; `regstate plan` when not given. */
  title?: string;
}

/**
 * A code span that shows `text` literally: a backtick fence longer than any run inside, padded
 * when the text starts or ends with a backtick. In a table cell `|` is escaped as `\|`, which GFM
 * (GitHub, GitLab) turns back into `|` even inside code spans. Line breaks never reach here: the
 * formatters escape them.
 */
export function codeSpan(text: string, inTable: boolean): string {
  // a loop, not Math.max(...runs): data may hold hundreds of thousands of backtick runs
  let longest = 0;
  for (const run of text.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') || (text.startsWith(' ') && text.endsWith(' ')) ? ' ' : '';
  const body = inTable ? text.replace(/\|/g, '\\|') : text;
  return `${fence}${pad}${body}${pad}${fence}`;
}

const NONE = '—';

function typeCell(change: ValueChange): string {
  if (change.action === 'create') return formatValueType(change.after);
  if (change.action === 'delete') return formatValueType(change.before);
  const before = formatValueType(change.before);
  const after = formatValueType(change.after);
  return before === after ? after : `${before} → ${after}`;
}

function valueRow(change: ValueChange): string {
  const cells = [
    change.action,
    codeSpan(formatValueName(change.name), true),
    typeCell(change),
    change.before ? codeSpan(formatValueData(change.before), true) : NONE,
    change.after ? codeSpan(formatValueData(change.after), true) : NONE,
    codeSpan(formatSourceLine(change.source), true),
  ];
  return `| ${cells.join(' | ')} |`;
}

function renderGroup(group: KeyGroup, users: Plan['users']): string {
  // The path in code, the view in words: `HKLM\SOFTWARE\X` (32-bit view); a per-user key's user after it.
  const user = keyUserLabel(users, group.key);
  const key = codeSpan(formatKeyName({ ...group.key, view: 64 }), false) + (group.key.view === 32 ? ' (32-bit view)' : '') + (user === undefined ? '' : ` for ${codeSpan(user, false)}`);
  const lines: string[] = [];
  const { keyChange } = group;
  if (keyChange?.action === 'create-key') {
    lines.push(`### Create key ${key}`, '', `Declared at ${codeSpan(formatSourceLine(keyChange.source), false)}.`);
  } else if (keyChange?.action === 'delete-key') {
    lines.push(`### Delete key ${key}`, '', `Deletes the key with everything under it (${formatKeyContents(keyChange.contents)}). Declared at ${codeSpan(formatSourceLine(keyChange.source), false)}.`);
  } else {
    lines.push(`### ${key}`);
  }
  if (group.values.length > 0) {
    lines.push('', '| Action | Value | Type | Before | After | Source |', '| --- | --- | --- | --- | --- | --- |', ...group.values.map(valueRow));
  }
  return lines.join('\n');
}

/** The plan as a review-ready Markdown summary (GitHub/GitLab pull requests): a table per key. */
export function renderPlanMarkdown(plan: Plan, options: MarkdownOptions = {}): string {
  const title = (options.title ?? 'regstate plan').replace(/\s+/g, ' ');
  const undeclared = renderUndeclaredMarkdown(plan.undeclared, plan.users);
  const tail = undeclared === '' ? '' : `\n${undeclared}`;
  const users = renderUsersMarkdown(plan.users);
  const usersPart = users === '' ? '' : `\n${users}`;
  if (plan.changes.length === 0) return `## ${title}\n\n${formatNoChanges(plan.unchanged)}\n${usersPart}${tail}`;
  const groups = groupChangesByKey(plan.changes).map((g) => renderGroup(g, plan.users));
  return [`## ${title}`, `**Plan:** ${formatPlanSummary(summarizePlan(plan))}`, ...(users === '' ? [] : [users.trimEnd()]), ...groups].join('\n\n') + '\n' + tail;
}
