/** Everything the CLI touches of its process, so `run` can be driven in-process by tests. */
export interface Io {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  /** Reads one line from the terminal, or undefined when there is none to ask. */
  prompt?: (question: string) => Promise<string | undefined>;
  stdinIsTTY: boolean;
  env: NodeJS.ProcessEnv;
  cwd: string;
  platform: NodeJS.Platform;
}

/** Colour only on a terminal, never with NO_COLOR set, forced on by FORCE_COLOR. */
export function useColor(io: Io, flag: boolean | undefined): boolean {
  if (flag === false) return false;
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  if (io.env.FORCE_COLOR !== undefined && io.env.FORCE_COLOR !== '0') return true;
  return io.stdout.isTTY === true;
}
