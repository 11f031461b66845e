/**
 * The case-insensitive identity of a key or value name, as Windows compares them:
 * each UTF-16 unit upper-cased on its own (no expansions such as ß → SS).
 */
export function foldName(name: string): string {
  // ASCII (most names): the name itself when it has no lower-case letter, else its upper case
  let lower = false;
  let i = 0;
  for (; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c > 0x7f) break;
    if (c >= 0x61 && c <= 0x7a) lower = true;
  }
  if (i === name.length) return lower ? name.toUpperCase() : name;
  let out = '';
  for (const unit of name) {
    const upper = unit.toUpperCase();
    out += upper.length === unit.length ? upper : unit;
  }
  return out;
}
