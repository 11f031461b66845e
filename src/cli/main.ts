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
  // Exiting (rather than dying of the signal) runs the exit handlers: PowerShell children are killed,
  // run locks released. A journal written before the first write makes the interrupted run undoable.
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => {
      process.stderr.write(`regstate: interrupted (${signal}); if an apply was under way, \`regstate rollback\` undoes it\n`);
      process.exit(code);
    });
  }
  process.exitCode = await run(process.argv.slice(2), nodeIo());
}
