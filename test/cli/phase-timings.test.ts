import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { run } from '../../src/cli/run.js';
import { agpmSnapshot } from './cli-harness.js';

const AGPM = resolve('configs/agpm-email-security.yaml');

async function runWith(argv: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<{ exitCode: number; stderr: string }> {
  let stderr = '';
  const exitCode = await run(argv, { stdout: { write: () => true }, stderr: { write: (s: string) => (stderr += s) }, stdinIsTTY: false, env, cwd, platform: 'linux' });
  return { exitCode, stderr };
}

/** The phase durations of the one timings line on stderr. */
function timingsOf(stderr: string): Record<string, number> | undefined {
  const lines = stderr.split('\n').filter((l) => l.startsWith('{"regstate-timings-ms"'));
  expect(lines.length).toBeLessThanOrEqual(1);
  return lines[0] === undefined ? undefined : (JSON.parse(lines[0]) as { 'regstate-timings-ms': Record<string, number> })['regstate-timings-ms'];
}

describe('REGSTATE_TIMINGS', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'regstate-timings-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  test('an apply prints one JSON line with the milliseconds of each phase it went through', async () => {
    const registry = join(dir, 'apply.reg');
    await copyFile(agpmSnapshot, registry);
    const { exitCode, stderr } = await runWith(['apply', AGPM, '--registry', registry, '--state-dir', join(dir, 'state'), '--auto-approve'], { REGSTATE_TIMINGS: '1' }, dir);
    expect(exitCode).toBe(0);
    const timings = timingsOf(stderr);
    expect(Object.keys(timings ?? {})).toEqual(expect.arrayContaining(['start', 'load config', 'read registry', 'plan', 'render', 'write', 'verify']));
    for (const ms of Object.values(timings ?? {})) expect(ms).toBeGreaterThanOrEqual(0);
  });

  test('a plan has no write or verify phase, and a failed validate still reports its time', async () => {
    const plan = await runWith(['plan', AGPM, '--registry', agpmSnapshot], { REGSTATE_TIMINGS: '1' }, dir);
    expect(Object.keys(timingsOf(plan.stderr) ?? {})).not.toEqual(expect.arrayContaining(['write']));
    expect(timingsOf(plan.stderr)).toHaveProperty(['read registry']);
    const invalid = await runWith(['validate', join(dir, 'missing.yaml')], { REGSTATE_TIMINGS: '1' }, dir);
    expect(invalid.exitCode).toBe(1);
    expect(timingsOf(invalid.stderr)).toHaveProperty(['load config']);
  });

  test('without REGSTATE_TIMINGS nothing is printed', async () => {
    const { exitCode, stderr } = await runWith(['plan', AGPM, '--registry', agpmSnapshot], {}, dir);
    expect(exitCode).toBe(0);
    expect(timingsOf(stderr)).toBeUndefined();
  });
});
