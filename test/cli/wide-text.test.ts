import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, tempWorkspace } from './cli-harness.js';

// The CLI loads string-width only when a text needs it (src/model/text-width.ts, measuredText): a
// plan holding a wide name must still line up by display width, through the real process.
describe('the CLI measures wide text exactly', () => {
  let dir = '';
  let snapshot = '';
  beforeAll(async () => {
    ({ dir, snapshot } = await tempWorkspace());
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  test('a Korean value name takes two cells a character in the plan the CLI prints', async () => {
    const config = join(dir, 'wide.yaml');
    await writeFile(config, 'version: 1\nkeys:\n  - path: HKLM\\SOFTWARE\\Wide\n    values:\n      - { name: 암호화, type: REG_DWORD, data: 1 }\n      - { name: Port, type: REG_DWORD, data: 587 }\n');
    const { exitCode, stdout } = await runCli(['plan', 'wide.yaml', '--registry', snapshot], { cwd: dir });
    expect(exitCode).toBe(0);
    expect(stdout.split('\n').filter((l) => l.includes('REG_DWORD'))).toEqual([
      '      + 암호화  REG_DWORD  1 (0x00000001)    # wide.yaml:5',
      '      + Port    REG_DWORD  587 (0x0000024b)  # wide.yaml:6',
    ]);
  });
});
