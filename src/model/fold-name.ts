const ASCII = /^[\x00-\x7f]*$/;

/**
 * The case-insensitive identity of a key or value name, as Windows compares them:
 * each UTF-16 unit upper-cased on its own (no expansions such as ß → SS).
 */
export function foldName(name: string): string {
  if (ASCII.test(name)) return name.toUpperCase();
  let out = '';
  for (const unit of name) {
    const upper = unit.toUpperCase();
    out += upper.length === unit.length ? upper : unit;
  }
  return out;
}
