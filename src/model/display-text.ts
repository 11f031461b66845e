// Characters a terminal may act on rather than show: C0 controls, DEL, C1 controls (U+009B is a
// CSI on some terminals), and the bidirectional marks, embeddings, overrides and isolates that
// reorder what a reviewer reads.
const TERMINAL_UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const SHORT: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * Text safe to print to a terminal: every control character and bidi control is written as an
 * escape (`\n`, `\t`, `\u001b`, `\u202e`), so data read from a file or a saved plan cannot move the
 * cursor, recolour, retitle or reorder the screen. Use it on every piece of data in human output.
 */
export function escapeControl(text: string): string {
  return text.replace(TERMINAL_UNSAFE, (ch) => SHORT[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Input echoed in a message is cut to this many characters. */
export const MAX_ECHO = 60;

/**
 * Input as a message echoes it: at most MAX_ECHO characters (whole code points), then
 * `… (N characters)`, so a 5-million-digit number yields a short message.
 */
export function truncateEcho(text: string, max = MAX_ECHO): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max);
  // do not split a surrogate pair
  if (/[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}… (${text.length} characters)`;
}
