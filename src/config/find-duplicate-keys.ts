import { type Document, isMap, isPair, isScalar, isSeq } from 'yaml';

/**
 * Offsets and names of mapping keys that repeat an earlier key of the same mapping, compared as
 * they load (so `1` and `"1"` collide). One pass with a set per mapping: yaml's own check compares
 * each key with every earlier one, which is quadratic in the size of a mapping.
 */
export function findDuplicateKeys(doc: Document.Parsed): { offset: number; key: string }[] {
  const found: { offset: number; key: string }[] = [];
  // an explicit stack: a deeply nested document must not overflow the call stack
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isSeq(node)) {
      for (const item of node.items) stack.push(item);
    } else if (isMap(node)) {
      const seen = node.items.length > 1 ? new Set<string>() : undefined;
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        stack.push(pair.key, pair.value);
        if (!seen || !isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        if (seen.has(key)) found.push({ offset: pair.key.range?.[0] ?? 0, key });
        else seen.add(key);
      }
    }
  }
  return found.sort((a, b) => a.offset - b.offset);
}
