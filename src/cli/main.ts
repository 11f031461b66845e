import { createInterface } from 'node:readline/promises';
import type { Io } from './io.js';
import { run } from './run.js';

function nodeIo(): Io {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
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
  process.exitCode = await run(process.argv.slice(2), nodeIo());
}
