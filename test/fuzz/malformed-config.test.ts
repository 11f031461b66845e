import fc from 'fast-check';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LineCounter, parseDocument, stringify } from 'yaml';
import { agpmConfig } from '../cli/cli-harness.js';
import { runs } from '../properties/arbitraries.js';
import { expectPositionedErrors, fuzzWorkspace, runInProcess } from './run-in-process.js';

// Each case goes through `apply --auto-approve` on a .reg copy: a rejected config must end with exit 1,
// FILE:LINE:COLUMN messages, no stack trace, and the registry file byte for byte as it was.
let ws: Awaited<ReturnType<typeof fuzzWorkspace>>;
let agpmText: string;
let n = 0;
beforeAll(async () => {
  ws = await fuzzWorkspace();
  agpmText = await readFile(agpmConfig, 'utf8');
});
afterAll(() => ws.cleanup());

async function applyBytes(content: string | Uint8Array): Promise<{ exitCode: number; stderr: string; file: string }> {
  const file = `case-${n++}.yaml`;
  await writeFile(join(ws.dir, file), content);
  const result = await runInProcess(['apply', file, '--registry', 'registry.reg', '--auto-approve', '--state-dir', 'state'], ws.dir);
  const written = !(await readFile(ws.registry)).equals(ws.original);
  // Only a valid config may write; put the registry back for the next case.
  if (written) await writeFile(ws.registry, ws.original);
  expect(written && result.exitCode !== 0).toBe(false);
  return { ...result, file };
}

async function expectRejected(content: string | Uint8Array): Promise<{ stderr: string }> {
  const { exitCode, stderr, file } = await applyBytes(content);
  expect(exitCode).toBe(1);
  expectPositionedErrors(stderr, file);
  return { stderr };
}

const lineOf = (stderr: string) => Number(/^[^:]+:(\d+):\d+:/.exec(stderr)?.[1]);

test('mutated valid configs: either still valid, or exit 1 with positions and nothing written', async () => {
  const mutation = fc.record({ at: fc.nat(), op: fc.constantFrom('delete', 'insert', 'duplicate-line', 'swap-lines'), char: fc.constantFrom(':', '-', ' ', '\t', '"', "'", '[', '{', '&', '*', '!', '#', '|', '>', '%', '@', '`', '\n', 'x', '0') });
  await fc.assert(
    fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 4 }), async (mutations) => {
      let text = agpmText;
      for (const m of mutations) {
        const i = m.at % (text.length + 1);
        const lines = text.split('\n');
        const l = m.at % lines.length;
        if (m.op === 'delete') text = text.slice(0, i) + text.slice(i + 1);
        else if (m.op === 'insert') text = text.slice(0, i) + m.char + text.slice(i);
        else if (m.op === 'duplicate-line') text = [...lines.slice(0, l + 1), ...lines.slice(l)].join('\n');
        else text = [...lines.slice(0, l), lines[l + 1] ?? '', lines[l] ?? '', ...lines.slice(l + 2)].join('\n');
      }
      const { exitCode, stderr, file } = await applyBytes(text);
      // A mutation may leave a valid config (a changed comment, say); then apply runs and writes.
      if (exitCode === 0) return;
      expect(exitCode).toBe(1);
      expectPositionedErrors(stderr, file);
    }),
    { numRuns: runs(150) },
  );
});

test('random bytes: exit 1 with a position, nothing written', async () => {
  await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), (bytes) => expectRejected(bytes).then(() => undefined)), { numRuns: runs(150) });
});

test('non-UTF-8 bytes anywhere in a valid config: FILE_ENCODING at the line of the bad byte', async () => {
  const bytes = Buffer.from(agpmText, 'utf8');
  await fc.assert(
    fc.asyncProperty(fc.nat({ max: bytes.length - 1 }), fc.constantFrom(0x80, 0xc3, 0xff, 0xfe, 0xed), async (at, bad) => {
      // Insert before an ASCII byte, so the file is invalid exactly there.
      const pos = [...bytes.subarray(0, at)].reduce((p, b, i) => (b < 0x80 ? i : p), 0);
      const mutated = Buffer.concat([bytes.subarray(0, pos), Buffer.from([bad, 0x41]), bytes.subarray(pos)]);
      const { stderr } = await expectRejected(mutated);
      expect(lineOf(stderr)).toBe(bytes.subarray(0, pos).toString('utf8').split('\n').length);
      expect(stderr).toContain('UTF-8');
    }),
    { numRuns: runs(40) },
  );
});

// Built inside the test: a 20,000-character text in a test name makes jest compile it into a RegExp and run out of memory.
const NESTING: Record<string, () => string> = {
  flow: () => '['.repeat(20000),
  'block sequence': () => Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i * 2)}- `).join('\n'),
  mapping: () => Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n'),
};
test.each(Object.keys(NESTING))('deep nesting (%s): exit 1 with a position', async (kind) => {
  await expectRejected((NESTING[kind] as () => string)());
});

test('a YAML alias bomb is refused, not expanded', async () => {
  const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 10; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
  await expectRejected(`${lines.join('\n')}\nversion: 1\nkeys: []\n`);
});

test.each([
  ['REG_DWORD', '-1'], ['REG_DWORD', '4294967296'], ['REG_DWORD', '1e400'], ['REG_DWORD', '-1e400'], ['REG_DWORD', '.nan'], ['REG_DWORD', '1.5'],
  ['REG_QWORD', '18446744073709551616'], ['REG_QWORD', '-9223372036854775809'], ['REG_QWORD', '99999999999999999999999999999999'], ['REG_QWORD', '0x1ffffffffffffffff'],
])('%s data %s: exit 1 at the data line', async (type, data) => {
  const { stderr } = await expectRejected(`version: 1\nkeys:\n  - path: HKLM\\SOFTWARE\\X\n    values:\n      - name: v\n        type: ${type}\n        data: ${data}\n`);
  expect(lineOf(stderr)).toBe(7);
});

/** Every path into a plain JSON document, with the value found there. */
function paths(value: unknown, at: (string | number)[] = []): [(string | number)[], unknown][] {
  const here: [(string | number)[], unknown][] = at.length > 0 ? [[at, value]] : [];
  if (Array.isArray(value)) return [...here, ...value.flatMap((v, i) => paths(v, [...at, i]))];
  if (value && typeof value === 'object') return [...here, ...Object.entries(value).flatMap(([k, v]) => paths(v, [...at, k]))];
  return here;
}

function replaced(doc: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string | number, ...(string | number)[]];
  if (Array.isArray(doc)) return doc.map((v, i) => (i === head ? replaced(v, rest, value) : v));
  return { ...(doc as object), [head]: replaced((doc as Record<string, unknown>)[head], rest, value) };
}

const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

test('a wrong type at every position of a valid config: exit 1 at that node', async () => {
  const doc = { version: 1, description: 'd', keys: [{ path: 'HKLM\\SOFTWARE\\X', view: 64, ensure: 'present', values: [{ name: 'a', type: 'REG_DWORD', data: 1, ensure: 'present' }, { name: 'b', type: 'REG_MULTI_SZ', data: ['x'] }] }] };
  const wrong: unknown[] = [true, null, 3.5, 'text', ['list'], { map: 1 }];
  let cases = 0;
  for (const [path, original] of paths(doc)) {
    for (const w of wrong) {
      if (typeOf(w) === typeOf(original)) continue;
      const text = stringify(replaced(doc, path, w));
      const { stderr } = await expectRejected(text);
      // One of the errors names the replaced node's line (or its key's, where the node is empty).
      const lineCounter = new LineCounter();
      const parsed = parseDocument(text, { lineCounter });
      const node = parsed.getIn(path, true) as { range?: [number, number, number] } | undefined;
      const nodeLine = lineCounter.linePos(node?.range?.[0] ?? 0).line;
      const lines = [...stderr.matchAll(/^[^:]+:(\d+):\d+:/gm)].map((m) => Number(m[1]));
      expect(lines.some((l) => l === nodeLine || l === nodeLine - 1)).toBe(true);
      cases++;
    }
  }
  expect(cases).toBeGreaterThan(60);
});
