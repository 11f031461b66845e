import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '../cli/cli-harness.js';
import { expectPositionedErrors, fuzzWorkspace } from './run-in-process.js';

// A sample of the in-process fuzz cases through the real CLI process: the same exit code and
// messages, no stack trace on the real stderr, and nothing written.
const CASES: Record<string, () => string | Uint8Array> = {
  'random bytes': () => Uint8Array.from({ length: 300 }, (_, i) => (i * 167 + 13) % 256),
  'non-UTF-8': () => Buffer.concat([Buffer.from('version: 1\nkeys:\n  - path: HKLM\\SOFTWARE\\X\n    description: '), Buffer.from([0xff, 0xfe, 0x41]), Buffer.from('\n')]),
  'deep nesting': () => '['.repeat(20000),
  'alias bomb': () => ['a: &a [x,x,x,x,x,x,x,x,x,x]', ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`), 'version: 1', 'keys: []'].join('\n'),
  'huge number': () => 'version: 1\nkeys:\n  - path: HKLM\\SOFTWARE\\X\n    values:\n      - name: v\n        type: REG_QWORD\n        data: 99999999999999999999999999999999\n',
  'wrong type': () => 'version: 1\nkeys:\n  - path: [HKLM]\n    values: {}\n',
};

test.each(Object.keys(CASES))('%s through the real CLI: exit 1, FILE:LINE:COLUMN, nothing written', async (name) => {
  const ws = await fuzzWorkspace();
  try {
    await writeFile(join(ws.dir, 'bad.yaml'), (CASES[name] as () => string | Uint8Array)());
    const result = await runCli(['apply', 'bad.yaml', '--registry', 'registry.reg', '--auto-approve', '--state-dir', 'state'], { cwd: ws.dir });
    expect(result.exitCode).toBe(1);
    expectPositionedErrors(result.stderr, 'bad.yaml');
    expect(await readFile(ws.registry)).toEqual(ws.original);
  } finally {
    await ws.cleanup();
  }
});
