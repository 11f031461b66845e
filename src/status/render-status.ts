import picocolors from 'picocolors';
import { textWidth } from '../model/text-width.js';
import { formatKey } from '../model/key-ref.js';
import { type ValueJson, valueToJson } from '../model/value-json.js';
import { formatKeyName, formatValue, formatValueName } from '../plan/format-data.js';
import type { ItemStatus, Status } from './describe-status.js';

/** The version of the status JSON format. */
export const STATUS_FORMAT_VERSION = 1;

/** One item of `regstate status --format json`. Key items have `name: null` and `present`/`absent` states. */
export interface ItemStatusJson {
  key: string;
  view: 32 | 64;
  name: string | null;
  ensure: 'present' | 'absent';
  inDesiredState: boolean;
  current: ValueJson | null | 'present' | 'absent';
  desired: ValueJson | null | 'present' | 'absent';
  source: { file: string; line: number; column: number };
  /** Only on the item of an exclusive key: its mode and what it holds that no config declares (subkeys end in `\`). */
  exclusive?: { mode: 'values' | 'subkeys'; undeclared: string[] };
}

function summarize(status: Status): { items: number; inDesiredState: number; notInDesiredState: number } {
  const inDesiredState = status.items.filter((i) => i.inDesiredState).length;
  return { items: status.items.length, inDesiredState, notInDesiredState: status.items.length - inDesiredState };
}

function itemToJson(item: ItemStatus): ItemStatusJson {
  if (item.kind === 'exclusive') {
    const source = item.source;
    return { key: formatKey(item.key), view: item.key.view, name: null, ensure: 'present', inDesiredState: item.inDesiredState, current: 'present', desired: 'present', source, exclusive: { mode: item.mode, undeclared: [...item.undeclared] } };
  }
  const [name, current, desired] =
    item.kind === 'key'
      ? [null, item.exists ? ('present' as const) : ('absent' as const), item.ensure]
      : [item.name, item.current && valueToJson(item.current), item.desired && valueToJson(item.desired)];
  return { key: formatKey(item.key), view: item.key.view, name, ensure: item.ensure, inDesiredState: item.inDesiredState, current, desired, source: item.source };
}

/** The status as JSON for monitoring: `inDesiredState`, `summary`, `items`, then any extra fields. */
export function renderStatusJson(status: Status, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ formatVersion: STATUS_FORMAT_VERSION, inDesiredState: status.inDesiredState, summary: summarize(status), items: status.items.map(itemToJson), ...extra }, null, 2);
}

function cells(item: ItemStatus): string[] {
  if (item.kind === 'exclusive') {
    const held = item.undeclared.length === 0 ? 'none' : `${item.undeclared.length} undeclared: ${item.undeclared.slice(0, 3).map(formatValueName).join(', ')}${item.undeclared.length > 3 ? ', …' : ''}`;
    return [formatKeyName(item.key), '(undeclared)', held, 'none'];
  }
  if (item.kind === 'key') return [formatKeyName(item.key), '(key)', item.exists ? 'present' : 'absent', item.ensure];
  return [formatKeyName(item.key), formatValueName(item.name), item.current ? formatValue(item.current) : 'absent', item.desired ? formatValue(item.desired) : 'absent'];
}

// Padding by display width, so CJK and emoji names keep the columns straight.
function pad(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - textWidth(text)));
}

/** A table of every declared item: key, value, current, desired, and whether it is in the desired state. */
export function renderStatusText(status: Status, options: { color: boolean }): string {
  const c = picocolors.createColors(options.color);
  const header = ['KEY', 'VALUE', 'CURRENT', 'DESIRED', 'STATE'];
  const rows = status.items.map((item) => [...cells(item), item.inDesiredState ? 'ok' : 'drift']);
  const widths = header.map((h, col) => Math.max(textWidth(h), ...rows.map((r) => textWidth(r[col]!))));
  const line = (row: string[], paint: (s: string) => string = (s) => s) =>
    `  ${row.map((cell, col) => (col === row.length - 1 ? paint(cell) : pad(cell, widths[col]!))).join('  ')}`.trimEnd();
  const out = [line(header, c.bold), ...rows.map((row, i) => line(row, status.items[i]!.inDesiredState ? c.green : c.red))];
  const { items, notInDesiredState } = summarize(status);
  const summary = notInDesiredState === 0
    ? `In the desired state: ${items} item${items === 1 ? '' : 's'}.`
    : `Not in the desired state: ${notInDesiredState} of ${items} item${items === 1 ? '' : 's'} differ${notInDesiredState === 1 ? 's' : ''}.`;
  return `${out.join('\n')}\n\n${summary}\n`;
}
