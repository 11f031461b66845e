// string-width is loaded only when a text needs it: its module start (an Intl.Segmenter and Unicode
// property patterns) and its first call cost about 0.15 s of CPU, as much as the rest of a small
// plan's start-up, and most runs print nothing it is needed for.
type Measure = (text: string) => number;

let measure: Measure | undefined;
let unmeasured = false;

// Printable ASCII, and the symbols regstate's own renderers print (→ … ✓ ✗ ≥ —): one cell per
// character, as string-width counts them (test/model/text-width.test.ts holds both to that).
const ONE_CELL_EACH = /^[\x20-\x7e\u2192\u2026\u2713\u2717\u2265\u2014]*$/;

/**
 * The terminal cells `text` takes (a Hangul or CJK character two, a combining mark none), as
 * string-width counts them. Printable ASCII, most of a plan, is counted by its length without
 * segmenting it into graphemes. Other text needs string-width loaded (loadTextWidth): until it is,
 * the length stands in, and measuredText renders again once it is loaded.
 */
export function textWidth(text: string): number {
  if (ONE_CELL_EACH.test(text)) return text.length;
  if (measure) return measure(text);
  unmeasured = true;
  return text.length;
}

/** Loads string-width, after which textWidth counts every text exactly. */
export async function loadTextWidth(): Promise<void> {
  measure ??= (await import('string-width')).default;
}

/**
 * A rendering whose column widths are exact: `render` runs once, and once more after loading
 * string-width when it measured a text that needs it (renderers are pure, so the second result is
 * the exact one). Most renderings need only the first run, and string-width is never loaded.
 */
export async function measuredText<T>(render: () => T): Promise<T> {
  if (measure) return render();
  unmeasured = false;
  const first = render();
  if (!unmeasured) return first;
  await loadTextWidth();
  return render();
}
