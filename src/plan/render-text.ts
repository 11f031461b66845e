import picocolors from 'picocolors';
import { textWidth } from '../model/text-width.js';
import { formatKeyName, formatValue, formatValueData, formatValueName, formatValueType } from './format-data.js';
import { type KeyGroup, type ValueChange, formatKeyContents, formatNoChanges, formatPlanSummary, formatSourceLine, groupChangesByKey } from './describe-plan.js';
import { type ChangeAction, type Plan, summarizePlan } from './plan.js';
import { renderUndeclaredText } from './render-undeclared.js';
import { keyUserLabel, renderUsersText } from './render-users.js';

export interface TextOptions {
  /** ANSI colours: green create, yellow update, red delete. */
  color: boolean;
}

type Colors = ReturnType<typeof picocolors.createColors>;

// Source comments line up, except after a line so long that lining up would push them off screen.
const MAX_ALIGNED_WIDTH = 72;

// Columns line up on screen: a Hangul or CJK character takes two cells, a combining mark none.
function padCells(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - textWidth(text)));
}

const MARKS: Record<ChangeAction, string> = { 'create-key': '+', create: '+', update: '~', delete: '-', 'delete-key': '-' };

function paint(c: Colors, action: ChangeAction | 'mixed', text: string): string {
  if (action === 'create' || action === 'create-key') return c.green(text);
  if (action === 'update' || action === 'mixed') return c.yellow(text);
  return c.red(text);
}

// The arrow between before and after, measured once: the pieces around it start and end with a
// space, so its width adds to theirs and no update line needs grapheme segmentation as a whole.
const ARROW = ' → ';
const ARROW_WIDTH = textWidth(ARROW);

/** The type and data column of a value change, and the cells it takes; a change of kind shows both kinds. */
function describeValueChange(change: ValueChange, typeWidth: number): { text: string; width: number } {
  const single = (type: string, data: string) => {
    const typeCells = padCells(type, typeWidth);
    return { text: `${typeCells}  ${data}`, width: textWidth(typeCells) + 2 + textWidth(data) };
  };
  if (change.action === 'create') return single(formatValueType(change.after), formatValueData(change.after));
  if (change.action === 'delete') return single(formatValueType(change.before), formatValueData(change.before));
  if (change.before.type !== change.after.type) {
    const before = formatValue(change.before);
    const after = formatValue(change.after);
    return { text: `${before}${ARROW}${after}`, width: textWidth(before) + ARROW_WIDTH + textWidth(after) };
  }
  const typeCells = padCells(formatValueType(change.after), typeWidth);
  const before = formatValueData(change.before);
  const after = formatValueData(change.after);
  return { text: `${typeCells}  ${before}${ARROW}${after}`, width: textWidth(typeCells) + 2 + textWidth(before) + ARROW_WIDTH + textWidth(after) };
}

function isRetype(change: ValueChange): boolean {
  return change.action === 'update' && change.before.type !== change.after.type;
}

// Not Math.max(...list): a key with a few hundred thousand changes would overflow the call stack.
const largest = (list: readonly number[]): number => list.reduce((m, n) => (n > m ? n : m), 0);

function renderGroup(group: KeyGroup, c: Colors, users: Plan['users']): string[] {
  const keyAction = group.keyChange?.action ?? 'mixed';
  const mark = group.keyChange ? MARKS[group.keyChange.action] : '~';
  let header = `  ${paint(c, keyAction, mark)} ${c.bold(formatKeyName(group.key))}`;
  const user = keyUserLabel(users, group.key);
  if (user !== undefined) header += ` ${c.cyan(`[${user}]`)}`;
  if (group.keyChange?.action === 'delete-key') header += ` (${formatKeyContents(group.keyChange.contents)})`;
  if (group.keyChange) header += `  ${c.dim(`# ${formatSourceLine(group.keyChange.source)}`)}`;

  const names = group.values.map((v) => formatValueName(v.name));
  const nameWidths = names.map(textWidth);
  const nameWidth = largest(nameWidths);
  const typeWidth = largest(group.values.filter((v) => !isRetype(v)).map((v) => formatValueType(v.after ?? v.before).length));
  const rows = group.values.map((v, i) => {
    const detail = describeValueChange(v, typeWidth);
    return { change: v, name: names[i] as string, detail: detail.text, width: Math.max(nameWidth, nameWidths[i] as number) + 2 + detail.width };
  });
  const aligned = largest(rows.map((r) => r.width).filter((w) => w <= MAX_ALIGNED_WIDTH));
  const lines = rows.map((r) => {
    const gap = ' '.repeat(Math.max(2, aligned - r.width + 2));
    const action = r.change.action;
    return `      ${paint(c, action, `${MARKS[action]} ${padCells(r.name, nameWidth)}`)}  ${r.detail}${gap}${c.dim(`# ${formatSourceLine(r.change.source)}`)}`;
  });
  return [header, ...lines];
}

/** The plan for people, grouped by key, terraform-style; ends with the summary line. */
export function renderPlanText(plan: Plan, options: TextOptions): string {
  const c = picocolors.createColors(options.color);
  const undeclared = renderUndeclaredText(plan.undeclared, options.color, plan.users);
  const users = renderUsersText(plan.users, options.color);
  if (plan.changes.length === 0) return `${users}${c.green(formatNoChanges(plan.unchanged))}\n${undeclared}`;
  const blocks = groupChangesByKey(plan.changes).map((g) => renderGroup(g, c, plan.users).join('\n'));
  return users + ['regstate will perform the following actions:', '', blocks.join('\n\n'), '', `${c.bold('Plan:')} ${formatPlanSummary(summarizePlan(plan))}`, ''].join('\n') + undeclared;
}
