import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../src/cli/run.js';
import { agpmSnapshot } from '../cli/cli-harness.js';

export interface InProcessResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as the in-process `run(argv, io)`, capturing its output. */
export async function runInProcess(argv: string[], cwd: string): Promise<InProcessResult> {
  let stdout = '';
  let stderr = '';
  const exitCode = await run(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    stdinIsTTY: false,
    env: { NO_COLOR: '1' },
    cwd,
    platform: 'linux',
  });
  return { exitCode, stdout, stderr };
}

/** A workspace with a copy of the AGPM .reg snapshot, to prove that a rejected input writes nothing. */
export async function fuzzWorkspace(): Promise<{ dir: string; registry: string; original: Buffer; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'regstate-fuzz-'));
  const registry = join(dir, 'registry.reg');
  const original = await readFile(agpmSnapshot);
  await writeFile(registry, original);
  return { dir, registry, original, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Every error line of stderr is `FILE:LINE:COLUMN: message` for `file` (each may be followed by its source excerpt), and none is a stack frame. */
export function expectPositionedErrors(stderr: string, file: string): void {
  const lines = stderr.trimEnd().split('\n').filter((line) => !/^ *\d* \|( |$)/.test(line));
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) {
    expect(line.startsWith(`${file}:`)).toBe(true);
    expect(line.slice(file.length)).toMatch(/^:\d+:\d+: \S/);
  }
  expect(stderr).not.toMatch(/^\s+at .+\(.*:\d+:\d+\)$/m);
  expect(stderr).not.toContain('internal error');
  // The case must reach the loader: a missing file would make every case pass for the wrong reason.
  expect(stderr).not.toContain('file not found');
}
