import type { DesiredKey, DesiredValue } from '../model/desired-state.js';

/** A value read from an outside source (a .reg file, a live key): a DesiredValue with no source position. */
export type ImportedValue = Omit<DesiredValue, 'source'>;

/** A key read from an outside source, to be written out as a desired-state file. */
export interface ImportedKey extends Omit<DesiredKey, 'source' | 'values'> {
  values: ImportedValue[];
}
