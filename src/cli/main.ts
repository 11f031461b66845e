import { createInterface } from 'node:readline/promises';
import { EXIT } from './exit-codes.js';
import type { Io } from './io.js';
import { run } from './run.js';

/** An output stream as the run writes to it, and whether a write to it failed. */
interface DroppingOutput {
  output: Io['stdout'];
  /** A write failed other than by its reader going away. */
  failed(): boolean;
}

/**
 * One of the process's output streams, as the run writes to it. A reader that goes away before the
 * end (`regstate plan | head`, `| Select-Object -First 5`) is not an error of the run: what is left to
 * write is dropped, and the run goes on to its normal end and exit code (an apply is never cut short by
 * its output). Any other write error (a full disk behind `> plan.txt`) is said once on `report`, the
 * output stops there, and the run still goes on to its end: main() then exits 1 where it would exit 0.
 */
export function droppingOutput(stream: NodeJS.WriteStream, name: string, report: () => Io['stdout'] | undefined): DroppingOutput {
  let closed = false;
  let failed = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (closed) return;
    closed = true;
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') return;
    failed = true;
    report()?.write(`regstate: error: cannot write to ${name} (${error.code ?? error.message}); the rest of it is lost\n`);
  });
  return {
    output: {
      get isTTY() {
        return stream.isTTY;
      },
      write: (text: string) => (closed ? true : stream.write(text)),
    },
    failed: () => failed,
  };
}

function nodeIo(stdout: DroppingOutput, stderr: DroppingOutput): Io {
  return {
    stdout: stdout.output,
    stderr: stderr.output,
    stdinIsTTY: process.stdin.isTTY === true,
    prompt: async (question) => {
      if (!process.stdin.isTTY) return undefined;
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    },
    env: process.env,
    cwd: process.cwd(),
    platform: process.platform,
  };
}

/** The bin entry point: runs the CLI on this process and sets its exit code. */
export async function main(): Promise<void> {
  // The exit handlers run at once (PowerShell children killed, run locks released, temp files removed),
  // then the process ends by the signal itself (exit status 128+N): process.exit() could hang on a read
  // stuck in the thread pool, and the first signal must end the run. A journal written before the first
  // write makes an interrupted apply undoable.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      process.stderr.write(`regstate: interrupted (${signal}); if an apply was under way, \`regstate rollback\` undoes it\n`);
      if (process.platform === 'win32') process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
      process.emit('exit', 128);
      process.removeAllListeners('exit');
      for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.removeAllListeners(s);
      process.kill(process.pid, signal);
    });
  }
  const stderr = droppingOutput(process.stderr, 'standard error', () => undefined);
  const stdout = droppingOutput(process.stdout, 'standard output', () => stderr.output);
  // a failed write is known only when its error event comes, which may be after the run's end
  process.on('exit', () => {
    if (process.exitCode === EXIT.OK && (stdout.failed() || stderr.failed())) process.exitCode = EXIT.ERROR;
  });
  process.exitCode = await run(process.argv.slice(2), nodeIo(stdout, stderr));
}
