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
  process.exitCode = await run(process.argv.slice(2), nodeIo());
}
