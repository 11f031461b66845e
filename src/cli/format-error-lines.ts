import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import picocolors from 'picocolors';
import stringWidth from 'string-width';
import { type Diagnostic, formatDiagnostic } from '../errors.js';
import { scrubFsErrorText } from '../fs/describe-fs-error.js';
import { escapeControl } from '../model/display-text.js';
import type { SourcePos } from '../model/source-pos.js';

export interface ErrorFormatOptions {
  /** Directory relative file names in diagnostics are read from. */
  cwd: string;
  color: boolean;
}

// Lines longer than this are shown as a window around the column.
const MAX_SHOWN = 160;
// Characters that would move the cursor, change colours or reorder text on a terminal.
const UNSAFE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;

// O_NONBLOCK: opening a FIFO named in an error must not block (there is no such flag on Windows).
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/** The lines of a regular file of at most 64 MiB, else undefined: an error about a FIFO or a device must not read it. */
function readLines(file: string, cwd: string): string[] | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(resolve(cwd, file), OPEN_FLAGS);
    const stats = fstatSync(fd);
    if (!stats.isFile() || stats.size > 64 * 1024 * 1024) return undefined;
    const bytes = readFileSync(fd);
    const text = bytes[0] === 0xff && bytes[1] === 0xfe ? bytes.subarray(2).toString('utf16le') : bytes.toString('utf8');
    return text.split(/\r?\n|\r/);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** The source line (made safe for a terminal) and, under it, a caret at the column; compilers' style. */
function excerpt(pos: SourcePos, lines: string[], c: ReturnType<typeof picocolors.createColors>): string[] {
  const raw = lines[pos.line - 1];
  if (raw === undefined) return [];
  const column = Math.max(1, Math.min(pos.column, raw.length + 1));
  const start = raw.length > MAX_SHOWN ? Math.max(0, Math.min(column - 1 - MAX_SHOWN / 2, raw.length - MAX_SHOWN)) : 0;
  const end = Math.min(raw.length, start + MAX_SHOWN);
  let shown = start > 0 ? '…' : '';
  let caret = start > 0 ? ' ' : '';
  let at = start;
  for (const ch of raw.slice(start, end)) {
    const safe = ch === '\t' ? ch : UNSAFE.test(ch) ? '\ufffd' : ch;
    if (at < column - 1) caret += safe === '\t' ? '\t' : ' '.repeat(stringWidth(safe));
    shown += safe;
    at += ch.length;
  }
  if (end < raw.length) shown += '…';
  const gutter = String(pos.line).padStart(5);
  return [`${gutter} | ${shown}`.trimEnd(), `${' '.repeat(gutter.length)} | ${caret}${c.bold(c.red('^'))}`];
}

/**
 * Error lines for the terminal: `FILE:LINE:COLUMN: message` followed by the source line and a caret when
 * the file can be read, otherwise `regstate: error: message`.
 */
export function formatErrorLines(diagnostics: Diagnostic[], options: ErrorFormatOptions): string {
  const c = picocolors.createColors(options.color);
  const files = new Map<string, string[] | undefined>();
  const out: string[] = [];
  for (const raw of diagnostics) {
    // A message built from a caught fs error elsewhere still must not show node's errno text.
    // Escaped here too: a message may echo data from a file or a saved plan (escapeControl is idempotent).
    const d = { ...raw, message: escapeControl(scrubFsErrorText(raw.message)) };
    if (!d.source) {
      out.push(`regstate: ${c.bold(c.red('error:'))} ${d.message}`);
      continue;
    }
    if (!files.has(d.source.file)) files.set(d.source.file, readLines(d.source.file, options.cwd));
    const lines = files.get(d.source.file);
    const text = formatDiagnostic(d);
    out.push(options.color ? c.bold(text.slice(0, text.length - d.message.length)) + d.message : text);
    if (lines) out.push(...excerpt(d.source, lines, c));
  }
  return `${out.join('\n')}\n`;
}
