/** A key an object of a JSON text holds twice: its text and the offset of its second occurrence. */
export interface DuplicateJsonKey {
  key: string;
  offset: number;
}

// Where the string starting at `open` (its quote) ends (its closing quote): the first quote not escaped.
function stringEnd(text: string, open: number): number {
  let from = open + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    let slash = quote - 1;
    while (text.charCodeAt(slash) === 0x5c) slash--;
    if ((quote - 1 - slash) % 2 === 0) return quote;
    from = quote + 1;
  }
}

/**
 * The first key an object holds twice in a text JSON.parse has accepted (JSON.parse keeps the last
 * one and says nothing), or undefined. Keys compare as JSON reads them (`"a"` and `"\u0061"` are one
 * key). Only strings, braces, brackets and commas matter in valid JSON: strings are skipped whole
 * with indexOf, so a large journal (a 17 MB image) costs a fraction of its parse.
 */
export function findDuplicateJsonKey(text: string): DuplicateJsonKey | undefined {
  // One entry per open container: the keys seen in an object, null for an array.
  const open: (Set<string> | null)[] = [];
  let atKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const end = stringEnd(text, i);
      const keys = open[open.length - 1];
      if (atKey && keys) {
        const raw = text.slice(i + 1, end);
        const key = raw.includes('\\') ? (JSON.parse(text.slice(i, end + 1)) as string) : raw;
        if (keys.has(key)) return { key, offset: i };
        keys.add(key);
        atKey = false;
      }
      i = end;
    } else if (c === 0x7b) {
      open.push(new Set());
      atKey = true;
    } else if (c === 0x5b) {
      open.push(null);
      atKey = false;
    } else if (c === 0x7d || c === 0x5d) {
      open.pop();
      atKey = false;
    } else if (c === 0x2c) {
      atKey = open[open.length - 1] !== null && open.length > 0;
    }
  }
  return undefined;
}
