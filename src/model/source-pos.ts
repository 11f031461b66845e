/** A place in an input file: 1-based line and column. */
export interface SourcePos {
  file: string;
  line: number;
  column: number;
}

export function formatSourcePos(pos: SourcePos): string {
  return `${pos.file}:${pos.line}:${pos.column}`;
}
