import { readFile } from 'node:fs/promises';
import { loadFileFast } from '../../src/config/load-file-fast.js';
import { shareNumbers, toPlainNumbers } from '../../src/config/plain-numbers.js';

describe('shareNumbers', () => {
  test('a document without a bigint is returned as it is: no second copy of a large file', () => {
    const doc = { version: 1, keys: [{ path: 'HKLM\\X', values: [{ name: 'a', type: 'REG_DWORD', data: 5 }] }] };
    expect(shareNumbers(doc)).toBe(doc);
  });

  test('only the parts that hold a bigint are copied; the rest stays shared', () => {
    const big = { name: 'q', type: 'REG_QWORD', data: 2n ** 60n };
    const small = { name: 'd', type: 'REG_DWORD', data: 1 };
    const doc = { version: 1, keys: [{ path: 'HKLM\\X', values: [small, big] }] };
    const plain = shareNumbers(doc) as typeof doc;
    expect(plain).not.toBe(doc);
    expect(plain.keys[0]?.values[0]).toBe(small);
    expect(plain.keys[0]?.values[1]).toStrictEqual(toPlainNumbers(big));
    expect(doc.keys[0]?.values[1]?.data).toBe(2n ** 60n);
    expect(plain).toEqual(toPlainNumbers(doc));
  });

  test('a document without aliases (null: no identity map) is copied the same way', () => {
    const small = { name: 'd', type: 'REG_DWORD', data: 1 };
    const doc = { version: 1, keys: [{ path: 'HKLM\\X', values: [small, { name: 'q', type: 'REG_QWORD', data: 2n ** 60n }] }] };
    const plain = shareNumbers(doc, null) as typeof doc;
    expect(plain.keys[0]?.values[0]).toBe(small);
    expect(plain).toEqual(toPlainNumbers(doc));
    expect(Object.getPrototypeOf(plain.keys[0]?.values[1])).toBeNull();
  });

  test('an aliased part is converted once and stays shared', () => {
    const part = { data: 2n ** 60n };
    const plain = shareNumbers([part, part]) as unknown[];
    expect(plain[0]).toBe(plain[1]);
  });
});

describe('the fast path loads integers as numbers up to 2^53 and as bigints above', () => {
  test('a QWORD above 2^53 stays exact; the schema validator sees numbers', () => {
    const text = 'version: 1\nkeys:\n  - path: HKLM\\SOFTWARE\\X\n    values:\n      - { name: q, type: REG_QWORD, data: 18446744073709551615 }\n      - { name: d, type: REG_DWORD, data: 4294967295 }\n      - { name: h, type: REG_DWORD, data: 0x10 }\n      - { name: z, type: REG_DWORD, data: -0 }\n';
    const loaded = loadFileFast('c.yaml', text);
    const values = (loaded?.exact as { keys: { values: { data: unknown }[] }[] }).keys[0]?.values.map((v) => v.data);
    expect(values).toStrictEqual([18446744073709551615n, 4294967295, 16, 0]);
    const plainValues = (loaded?.plain as { keys: { values: { data: unknown }[] }[] }).keys[0]?.values.map((v) => v.data);
    expect(plainValues).toStrictEqual([18446744073709551615, 4294967295, 16, 0]);
  });

  test('the AGPM config is loaded without a copy: it holds no integer above 2^53', async () => {
    const loaded = loadFileFast('agpm.yaml', await readFile('configs/agpm-email-security.yaml', 'utf8'));
    expect(loaded?.plain).toBe(loaded?.exact);
  });
});

describe('shareNumbers with the parts that hold a bigint listed', () => {
  test('walks only the listed parts and copies exactly what the full walk copies', () => {
    const big = { name: 'q', type: 'REG_QWORD', data: 2n ** 60n };
    const small = { name: 'd', type: 'REG_DWORD', data: 1 };
    const values = [small, big];
    const key = { path: 'HKLM\\X', values };
    const other = { path: 'HKLM\\Y', values: [small] };
    const keys = [key, other];
    const doc = { version: 1, keys };
    const holders = new Set<object>([doc, keys, key, values, big]);
    const plain = shareNumbers(doc, null, holders) as typeof doc;
    expect(plain).toStrictEqual(shareNumbers(doc, null));
    expect(plain.keys[1]).toBe(other);
    // a part left out of the list is taken as holding no bigint
    expect(shareNumbers(doc, null, new Set<object>([doc]))).toBe(doc);
  });

  test('the fast parser lists every part that holds a bigint, through anchors, aliases and merge keys', async () => {
    const text = await readFile('test/config/fixtures/format-example.yaml', 'utf8');
    const qwords = [
      '      - &big {name: a, type: REG_QWORD, data: 18446744073709551615}\n',
      '      - <<: *big\n        name: b\n',
      '      - {name: c, type: REG_MULTI_SZ, data: [x]}\n',
      '      - name: d\n        type: REG_QWORD\n        data: &n 9007199254740993\n',
      '      - {name: e, type: REG_QWORD, data: *n}\n',
    ].join('');
    const file = `version: 1\nkeys:\n  - path: HKLM\\SOFTWARE\\X\n    values:\n${qwords}`;
    for (const content of [text, file]) {
      const loaded = loadFileFast('c.yaml', content);
      expect(loaded).toBeDefined();
      // what the walk over the whole document copies, and no bigint left for the schema validator
      expect(loaded?.plain).toStrictEqual(shareNumbers(loaded?.exact));
      expect(JSON.stringify(loaded?.plain)).toBe(JSON.stringify(toPlainNumbers(loaded?.exact)));
    }
  });
});
