// Builds dist-exe/regstate.exe when it is missing or older than what goes into it, and runs it under wine.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { WinePrefix } from '../wine-prefix.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
export const EXE = join(root, 'dist-exe', 'regstate.exe');
// Everything the build reads: the compiled CLI, the embedded package files, the build script itself.
const INPUTS = ['dist', 'package.json', 'configs/regstate.schema.json', 'src/registry/powershell', 'scripts/build-exe.js'];

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((newest, entry) => Math.max(newest, newestMtime(join(path, entry))), stat.mtimeMs);
}

/** Runs scripts/build-exe.js (30-120 s) unless dist-exe/regstate.exe is newer than all its inputs. */
export async function ensureExeBuilt(): Promise<void> {
  if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first');
  const newestInput = Math.max(...INPUTS.map((p) => newestMtime(join(root, p))));
  if (existsSync(EXE) && statSync(EXE).mtimeMs > newestInput) return;
  const result = await execa(process.execPath, ['scripts/build-exe.js'], { cwd: root, reject: false, all: true });
  if (result.exitCode !== 0) throw new Error(`scripts/build-exe.js failed (${result.exitCode}):\n${result.all}`);
}

export interface ExeResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

// Wine's complaint when node.exe looks at the root of drive Z:, harmless and not regstate's output.
const WINE_NOISE = /^wine: Read access denied for device L"[^"\n]*Z:[^"\n]*".*\r?\n/gm;

/**
 * `wine regstate.exe ARGS` in cwd. Under wine node.exe dies with "open EBADF" when its stdout or
 * stderr is a pipe, so both go to files, read back afterwards.
 */
export async function runExe(wine: WinePrefix, args: string[], cwd: string, env: Record<string, string> = {}): Promise<ExeResult> {
  const dir = await mkdtemp(join(tmpdir(), 'regstate-exe-out-'));
  try {
    const out = join(dir, 'stdout');
    const err = join(dir, 'stderr');
    // Plain file descriptors (execa's own file targets go through a pipe); at most two minutes.
    const fds = [openSync(out, 'w'), openSync(err, 'w')];
    const exitCode = await new Promise<number>((resolve, reject) => {
      const child = spawn('wine', [EXE, ...args], { cwd, env: { ...process.env, ...wine.env(), ...env }, stdio: ['ignore', fds[0], fds[1]], timeout: 120_000 });
      child.once('error', reject);
      child.once('exit', (code) => resolve(code ?? -1));
    }).finally(() => fds.forEach((fd) => closeSync(fd)));
    const stdout = await readFile(out, 'utf8');
    const stderr = (await readFile(err, 'utf8')).replace(WINE_NOISE, '');
    return { exitCode, stdout, stderr };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
