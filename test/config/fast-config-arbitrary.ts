import fc from 'fast-check';

// Pieces of a random VALID desired-state file, written in the many ways YAML allows: block and flow
// mappings and sequences, anchors, merge keys, comments.

const PLAIN_CHARS = 'abcXYZ019_.-é日本ß';
const ANY_CHARS = `${PLAIN_CHARS} \t'"#:,[]{}&*!|>%@\`\\`;
const chars = (alphabet: string, min: number, max: number) =>
  fc.array(fc.constantFrom(...[...alphabet]), { minLength: min, maxLength: max }).map((a) => a.join(''));

/** A string scalar in some style: plain (when it reads as a string), single or double quoted. */
function stringScalar(text: string): fc.Arbitrary<string> {
  const quoted = [fc.constant(JSON.stringify(text)), fc.constant(`'${text.replace(/'/g, "''")}'`)];
  const plainOk = /^[a-zA-Zé日本ß][^\t'"#:,[\]{}&*!|>%@`]*$/.test(text) && !/\s$/.test(text) && !/^(?:true|false|null)$/i.test(text);
  return fc.oneof(...quoted, ...(plainOk ? [fc.constant(text)] : []));
}

const anyText = chars(ANY_CHARS, 0, 10);
const plainWord = fc.tuple(fc.constantFrom(...'abXYé日ß'), chars(`${PLAIN_CHARS} `, 0, 8)).map(([a, b]) => `${a}${b}`.trimEnd());

const dword = fc.oneof(
  fc.nat({ max: 0xffffffff }).map((n) => fc.constantFrom(String(n), `0x${n.toString(16)}`, `"0x${n.toString(16).toUpperCase()}"`, `0o${n.toString(8)}`, `${n}.0`)),
  fc.constant(fc.constant('0')),
).chain((a) => a);

const qword = fc
  .bigInt({ min: 0n, max: 2n ** 64n - 1n })
  .chain((n) => fc.constantFrom(String(n), `"${n}"`, `0x${n.toString(16)}`, `'0x${n.toString(16)}'`, String(2n ** 53n + n % 1000n)));

const binary = fc
  .tuple(fc.uint8Array({ maxLength: 8 }), fc.constantFrom(' ', ',', ':', '', ', ', ' : '))
  .map(([bytes, sep]) => JSON.stringify([...bytes].map((b) => b.toString(16).padStart(2, '0')).join(sep)));

/** Lines of a value's `type`/`data` (or `ensure: absent`), each without indentation. */
const valueBody: fc.Arbitrary<readonly string[]> = fc.oneof(
  fc.constant(['ensure: absent']),
  fc.tuple(fc.constantFrom('REG_SZ', 'REG_EXPAND_SZ'), fc.oneof(anyText, plainWord)).chain(([t, s]) => stringScalar(s).map((d) => [`type: ${t}`, `data: ${d}`])),
  fc.array(fc.oneof(chars(ANY_CHARS, 1, 8), plainWord.filter((w) => w !== '')), { minLength: 1, maxLength: 4 }).chain((items) =>
    fc.tuple(...items.map((i) => stringScalar(i)), fc.boolean()).map((parts) => {
      const flow = parts.pop() as boolean;
      const scalars = parts as string[];
      return flow ? ['type: REG_MULTI_SZ', `data: [${scalars.join(', ')}]`] : ['type: REG_MULTI_SZ', 'data:', ...scalars.map((s) => `  - ${s}`)];
    }),
  ),
  dword.map((d) => ['type: REG_DWORD', `data: ${d}`]),
  qword.map((d) => ['type: REG_QWORD', `data: ${d}`]),
  fc.tuple(fc.constantFrom('REG_BINARY', 'REG_NONE'), binary).map(([t, d]) => [`type: ${t}`, `data: ${d}`]),
);

const comment = fc.option(fc.constantFrom('# a comment', '#', '# data: 1 # : -'), { nil: undefined });

/** A whole valid file as text, with its line ending and indentation chosen at random. */
export const validConfigText: fc.Arbitrary<string> = fc
  .record({
    description: fc.option(plainWord.chain(stringScalar), { nil: undefined }),
    keys: fc.array(
      fc.record({
        hive: fc.constantFrom('HKLM', 'HKEY_LOCAL_MACHINE', 'hkcu', 'HKU'),
        tail: fc.array(plainWord.filter((w) => w !== '' && !w.endsWith(' ')), { minLength: 0, maxLength: 3 }),
        view: fc.constantFrom(undefined, 'view: 32', 'view: 64'),
        absent: fc.boolean(),
        values: fc.array(
          fc.record({
            name: fc.oneof(fc.constant(''), plainWord),
            body: valueBody,
            comment,
            flow: fc.boolean(),
            anchor: fc.boolean(),
            merge: fc.option(fc.nat(), { nil: undefined }),
          }),
          { maxLength: 5 },
        ),
        flowList: fc.boolean(),
        keyComment: comment,
      }),
      { minLength: 1, maxLength: 4 },
    ),
    eol: fc.constantFrom('\n', '\r\n'),
    indent: fc.constantFrom('  ', '    '),
    trailing: comment,
  })
  .chain((file) =>
    fc
      .tuple(
        ...file.keys.map((k, i) =>
          fc.tuple(
            stringScalar([`${k.hive}\\SOFTWARE\\K${i}`, ...k.tail].join('\\')),
            ...k.values.map((v, j) => stringScalar(v.name === '' && j === 0 ? '' : `${v.name}${j}`)),
          ),
        ),
      )
      .map((scalars) => {
        const ind = file.indent;
        const lines = ['version: 1'];
        if (file.description !== undefined) lines.push(`description: ${file.description}`);
        lines.push('keys:');
        const anchors: string[] = [];
        file.keys.forEach((k, i) => {
          const [path, ...names] = scalars[i] as string[];
          lines.push(`${ind}- path: ${path}${k.keyComment ? `  ${k.keyComment}` : ''}`);
          if (k.view) lines.push(`${ind}  ${k.view}`);
          if (k.absent) {
            lines.push(`${ind}  ensure: absent`);
            return;
          }
          if (k.values.length === 0) return;
          // each value as a block or flow mapping, some anchored, some merging an earlier anchored value
          const rendered = k.values.map((v, j) => {
            const name = names[j] as string;
            const from = v.merge === undefined || anchors.length === 0 ? undefined : anchors[v.merge % anchors.length];
            const flowable = v.body.every((l) => !l.startsWith(' ') && l !== 'data:');
            const anchor = from === undefined && v.anchor ? `a${i}_${j}` : undefined;
            if (anchor) anchors.push(anchor);
            const body = from === undefined ? v.body : [];
            const pairs = [...(from === undefined ? [] : [`<<: *${from}`]), `name: ${name}`, ...body];
            return { v, anchor, flow: v.flow && flowable, pairs };
          });
          if (k.flowList && rendered.every((r) => r.flow)) {
            const items = rendered.map((r) => `${r.anchor ? `&${r.anchor} ` : ''}{ ${r.pairs.join(', ')} }`);
            lines.push(`${ind}  values: [${items.join(', ')}]`);
            return;
          }
          lines.push(`${ind}  values:`);
          for (const { v, anchor, flow, pairs } of rendered) {
            if (v.comment) lines.push(`${ind}${ind}${v.comment}`);
            const tail = v.comment ? `  ${v.comment}` : '';
            if (flow) {
              lines.push(`${ind}${ind}- ${anchor ? `&${anchor} ` : ''}{${pairs.join(', ')}}${tail}`);
              continue;
            }
            if (anchor) lines.push(`${ind}${ind}- &${anchor}${tail}`);
            const [first, ...rest] = pairs.map((l) => `${ind}${ind}  ${l}`);
            lines.push(anchor ? (first as string) : `${ind}${ind}- ${(first as string).trimStart()}${tail}`, ...rest);
          }
        });
        if (file.trailing) lines.push(file.trailing);
        return lines.join(file.eol) + file.eol;
      }),
  );
