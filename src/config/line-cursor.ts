/**
 * The 1-based line and column of character offsets in `text`, counted as the yaml library counts them
 * (a line starts after each `\n`). Offsets are mostly asked for in document order, so the lines are
 * counted from the last offset asked for, forwards or a short way backwards; the first far jump backwards
 * (an alias to an early node) builds an index of every line start, used from then on. No index for a
 * file read in order; the counting is linear in the text plus at most FAR_BACK characters an offset.
 */
/** How far back (in characters) lines are counted one by one rather than looked up in an index. */
const FAR_BACK = 4096;

export function lineCursor(text: string): (offset: number) => { line: number; col: number } {
  let at = 0; // the last offset asked for
  let line = 1; // its line
  let lineStart = 0; // where that line starts
  let starts: Uint32Array | undefined;
  return (offset) => {
    if (starts === undefined && offset >= at) {
      for (let i = text.indexOf('\n', at); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
        line++;
        lineStart = i + 1;
      }
    } else if (starts === undefined && (offset >= lineStart || at - offset <= FAR_BACK)) {
      while (offset < lineStart) {
        line--;
        lineStart = lineStart >= 2 ? text.lastIndexOf('\n', lineStart - 2) + 1 : 0;
      }
    } else {
      starts ??= lineIndex(text);
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if ((starts[mid] as number) <= offset) lo = mid;
        else hi = mid - 1;
      }
      line = lo + 1;
      lineStart = starts[lo] as number;
    }
    at = offset;
    return { line, col: offset - lineStart + 1 };
  };
}

/** Where each line starts, in a typed array: no growth copies and nothing for the collector to scan. */
function lineIndex(text: string): Uint32Array {
  let lines = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines++;
  const starts = new Uint32Array(lines);
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts[line++] = i + 1;
  return starts;
}
