import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { RegstateError } from '../../../src/errors.js';
import { formatHexBytes } from '../../../src/registry/reg-file/format-reg-value.js';
import { parseRegFile } from '../../../src/registry/reg-file/parse-reg-file.js';
import { agpmConfig, bin } from '../../cli/cli-harness.js';

const HEADER = 'Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Big]\r\n';

function failure(run: () => unknown): RegstateError {
  try {
    run();
  } catch (error) {
    if (error instanceof RegstateError) return error;
    throw error;
  }
  throw new Error('no error thrown');
}

describe('long .reg values', () => {
  // 1 MiB wrapped as regedit wraps it: about 43,700 continuation lines (this took minutes when joining was quadratic)
  const data = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7919) & 0xff;
  const wrapped = `"blob"=hex:${formatHexBytes(data, '"blob"=hex:'.length)}`;

  test('a regedit-wrapped 1 MiB REG_BINARY reads back exactly', () => {
    const reg = parseRegFile(`${HEADER}${wrapped}\r\n`, 'big.reg');
    const entry = reg.sections[0]?.entries[0];
    const value = entry?.type === 'value' ? entry.value : undefined;
    expect(value?.type).toBe('REG_BINARY');
    expect(Buffer.from(value?.data as Uint8Array).equals(data)).toBe(true);
  }, 60_000);

  test('a bad byte on the last of its continuation lines is placed at that line and column', () => {
    const lines = `${HEADER}${wrapped.replace(/,[0-9a-f]{2}$/, ',zz')}\r\n`.split('\r\n');
    const line = lines.length - 1;
    const column = (lines[line - 1] as string).length - 1;
    const error = failure(() => parseRegFile(lines.join('\r\n'), 'big.reg'));
    expect(error.diagnostics).toMatchObject([{ code: 'REG_SYNTAX', source: { file: 'big.reg', line, column } }]);
  });

  test('a value larger than 64 MiB is VALUE_TOO_LARGE at its line', () => {
    const error = failure(() => parseRegFile(`${HEADER}"s"="${'x'.repeat(32 * 1024 * 1024)}"\r\n`, 'huge.reg'));
    expect(error.diagnostics).toMatchObject([{ code: 'VALUE_TOO_LARGE', source: { line: 4, column: 5 } }]);
    expect(error.message.length).toBeLessThan(300);
  });
});

test('a 100 MB single-line value fails with exit 1 and a message, within 512 MB of heap', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'regstate-huge-'));
  try {
    const file = join(dir, 'huge.reg');
    const line = Buffer.alloc(100 * 1024 * 1024, 'a'.charCodeAt(0));
    await writeFile(file, Buffer.concat([Buffer.from(`${HEADER}"s"="`), line, Buffer.from('"\r\n')]));
    const result = await execa('node', ['--max-old-space-size=512', bin, 'plan', agpmConfig, '--registry', file], { reject: false, env: { NO_COLOR: '1' } });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/huge\.reg:4:5: REG_SZ data is 209715202 bytes; at most 67108864 \(64 MiB\) are allowed/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stderr.length).toBeLessThan(1000);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}, 60_000);
