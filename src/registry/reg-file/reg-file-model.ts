import type { Hive } from '../../model/hive.js';
import type { RegistryValue } from '../../model/registry-value.js';

/** How a .reg file was stored: its header version, text encoding and byte-order mark. */
export interface RegFileFormat {
  /** '5.00' for `Windows Registry Editor Version 5.00`, '4' for `REGEDIT4`. */
  version: '5.00' | '4';
  encoding: 'utf16le' | 'utf8' | 'ansi';
  bom: boolean;
}

/** A value entry: `"name"=...` or `@=...`; `value` null for a deletion (`"name"=-`). */
export interface RegValueEntry {
  type: 'value';
  /** '' for the default value `@`. */
  name: string;
  value: RegistryValue | null;
  /** The entry's text as found in the file (continuation lines included), each line with its line break. */
  raw: string;
  line: number;
  /** Set by an editor: the entry is gone and renders nothing (kept so that a later write can restore it in place). */
  removed?: boolean;
  /** Set by an editor when it replaces an entry: what the file had, to restore its exact text. */
  original?: { value: RegistryValue | null; raw: string };
}

/** A comment, a blank line, or any line kept verbatim. */
export interface RegTriviaEntry {
  type: 'trivia';
  raw: string;
  line: number;
}

export type RegEntry = RegValueEntry | RegTriviaEntry;

/** `[KEY]` (delete false) or `[-KEY]` (delete true) and the lines that follow it up to the next section. */
export interface RegSection {
  hive: Hive;
  /** The path below the hive as written, '' for the hive root. */
  path: string;
  delete: boolean;
  /** The header line as found in the file, with its line break. */
  raw: string;
  line: number;
  entries: RegEntry[];
  /** Set by an editor: the section and its entries render nothing. */
  removed?: boolean;
  /** Set by an editor for a section it added only so that a parent key keeps existing. */
  synthetic?: boolean;
}

/** A parsed .reg file: header, lines before the first section, and the sections in file order. */
export interface RegFile {
  format: RegFileFormat;
  /** The header line with its line break. */
  header: string;
  preamble: RegTriviaEntry[];
  sections: RegSection[];
  /** Set when only some keys' values were read (parseRegFile's `only`): such a file is never rendered or edited. */
  partial?: true;
}
