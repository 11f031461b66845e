import type { DesiredKey, DesiredValue } from '../model/desired-state.js';
import type { SourcePos } from '../model/source-pos.js';

/** A value read from an outside source (a .reg file, a live key); `source` is where it was read, when known. */
export type ImportedValue = Omit<DesiredValue, 'source'> & { source?: SourcePos };

/** A key read from an outside source, to be written out as a desired-state file. */
export interface ImportedKey extends Omit<DesiredKey, 'source' | 'values'> {
  values: ImportedValue[];
  source?: SourcePos;
}
