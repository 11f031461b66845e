import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { PowerShell } from 'node-powershell';
import { type AssetName, assetPath, readAsset } from '../../assets.js';
import { RegstateError } from '../../errors.js';
import { type AgentAnswer, excerpt, parseAnswerLine } from './answer-line.js';

export interface PowerShellSessionOptions {
  /** The PowerShell executable to run (see findPowerShell). */
  executable: string;
  /** Longest wait for one answer, process start included; on expiry the process is killed. Default 60 s. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  /** Our own scripts loaded after the agent's (the fleet driver, src/fleet/remoting.ps1). */
  extraScripts?: readonly AssetName[];
  /** Longest output of one call (the answer line and any noise), in bytes; more is VALUE_TOO_LARGE. Default MAX_ANSWER_BYTES. */
  maxAnswerBytes?: number;
}

export const DEFAULT_TIMEOUT_MS = 60_000;

/** The agent's hello: `os` is .NET's platform name where PowerShell runs (Win32NT has a registry). */
export interface AgentHello {
  os: string;
}
const AGENT_PROTOCOL = 1;
/** No line sent to PowerShell is longer than this (bytes, end of line included). */
export const MAX_LINE_BYTES = 1024 * 1024;
/**
 * The most one call's output may hold (bytes): room for a 64 MiB REG_BINARY (128 MiB of hex, 171 MiB
 * as base64) and more, far below what a JavaScript string and JSON.parse of it can take. An agent (or a
 * host) that prints more is stopped with a message instead of filling the memory.
 */
export const MAX_ANSWER_BYTES = 256 * 1024 * 1024;
/**
 * The most a fleet driver's call may hold (the answers of every host of a phase, each base64 inside
 * the driver's base64): just under the longest string JavaScript can make of it (2^29 - 24 characters).
 */
export const MAX_FLEET_ANSWER_BYTES = 500 * 1024 * 1024;
const CHUNK_PREFIX = "Add-RegstateRequestChunk -Base64 '";
// A multiple of 4, so each chunk is whole base64 groups and the agent decodes their concatenation once.
const CHUNK_CHARS = Math.floor((MAX_LINE_BYTES - CHUNK_PREFIX.length - 3) / 4) * 4;

/** The agent's script files, loaded in this order; they ship in src/registry/powershell/ (also for dist/). */
export const AGENT_SCRIPTS = ['agent.ps1', 'simulated-hive.ps1'] as const;
/** The agent's C# files, compiled by the agent as one text (agent.ps1, Import-RegstateAgentCode). */
export const AGENT_SOURCES = ['agent.cs', 'simulated-hive.cs', 'user-hives.cs'] as const;

export function agentScriptPath(name: (typeof AGENT_SCRIPTS)[number] | (typeof AGENT_SOURCES)[number]): string {
  return assetPath(`src/registry/powershell/${name}`);
}

/**
 * The one line that loads the agent into a fresh PowerShell and asks its hello. In `-Command -` mode
 * PowerShell runs stdin line by line (a multi-line definition would wait for a blank line), so the
 * agent goes as one line: its own text, base64, turned into a script block; then its C# text.
 */
export function agentLoadLine(extraScripts: readonly AssetName[] = []): string {
  const scripts: AssetName[] = [...AGENT_SCRIPTS.map((name) => `src/registry/powershell/${name}` as const), ...extraScripts];
  const script = scripts.map((name) => readAsset(name)).join('\n');
  const code = AGENT_SOURCES.map((name) => readAsset(`src/registry/powershell/${name}`)).join('\n');
  return `. ([ScriptBlock]::Create([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('${toBase64(script)}')))); Import-RegstateAgentCode -SourceBase64 '${toBase64(code)}'; Invoke-RegstateRequest -RequestBase64 '${toBase64(JSON.stringify({ op: 'hello' }))}'`;
}

function toBase64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/**
 * The lines that carry one request: the base64 is cut into chunks of whole base64 groups, each on
 * its own line under 1 MiB (Windows PowerShell 5.1 reads a long line slowly and its JSON reader
 * refuses about 2 MB), and the last line runs the request on all of them.
 */
export function requestLines(body: Record<string, unknown>, entry = 'Invoke-RegstateRequest'): string[] {
  const encoded = toBase64(JSON.stringify(body));
  const lines: string[] = [];
  let at = 0;
  while (encoded.length - at > CHUNK_CHARS) {
    lines.push(`${CHUNK_PREFIX}${encoded.slice(at, at + CHUNK_CHARS)}'`);
    at += CHUNK_CHARS;
  }
  lines.push(`${entry} -RequestBase64 '${encoded.slice(at)}'`);
  return lines;
}

/**
 * Reads one call's stdout between its two delimiter lines. Chunks are kept in a list and joined
 * once: joining on every chunk (as node-powershell does) is quadratic, minutes for 20 MB.
 */
class DelimitedReader {
  private chunks: Buffer[] = [];
  private length = 0;
  private seen = 0;
  private tail = Buffer.alloc(0);
  private resolve?: (output: string | { tooLarge: number }) => void;
  private delimiter?: Buffer;

  constructor(private readonly maxBytes: number) {}

  /** The output between the two delimiter lines, or how many bytes came once they passed maxBytes (nothing more is kept). */
  expect(delimiter: string): Promise<string | { tooLarge: number }> {
    this.chunks = [];
    this.length = 0;
    this.seen = 0;
    this.tail = Buffer.alloc(0);
    // The bare id: PowerShell on Windows ends its lines with CRLF, elsewhere with LF (the id is 16 random hex digits).
    this.delimiter = Buffer.from(delimiter);
    return new Promise<string | { tooLarge: number }>((resolve) => {
      this.resolve = resolve;
    });
  }

  push(chunk: Buffer): void {
    const delimiter = this.delimiter;
    if (!delimiter || !this.resolve) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
    if (this.length > this.maxBytes) {
      const resolve = this.resolve;
      this.resolve = undefined;
      this.delimiter = undefined;
      this.chunks = [];
      resolve({ tooLarge: this.length });
      return;
    }
    // Only the new bytes (and the few before them a delimiter may straddle) are searched.
    const window = Buffer.concat([this.tail, chunk]);
    let from = 0;
    for (;;) {
      const at = window.indexOf(delimiter, from);
      if (at < 0) break;
      this.seen++;
      from = at + delimiter.length;
      if (this.seen === 2) {
        const all = Buffer.concat(this.chunks, this.length).toString('utf8');
        const first = all.indexOf(delimiter.toString());
        const second = all.indexOf(delimiter.toString(), first + delimiter.length);
        const resolve = this.resolve;
        this.resolve = undefined;
        this.delimiter = undefined;
        this.chunks = [];
        resolve(all.slice(first + delimiter.length, second).replace(/^\r?\n/, ''));
        return;
      }
    }
    this.tail = window.subarray(Math.max(from, window.length - delimiter.length + 1));
  }
}

// node-powershell lets NODE_POWERSHELL or its `pwsh` flag override the executable; regstate chose one already.
class AgentShell extends PowerShell {
  protected override setExecutable(options: { executable?: string }): string {
    if (!options.executable) throw new RegstateError('POWERSHELL_NOT_FOUND', 'no PowerShell executable given');
    return options.executable;
  }
}

// Children still running when Node exits or is interrupted are killed, never left behind.
const liveChildren = new Set<ChildProcess>();
let handlersInstalled = false;
function killLiveChildren(): void {
  for (const child of liveChildren) child.kill('SIGKILL');
}
function onSignal(signal: NodeJS.Signals): void {
  killLiveChildren();
  uninstallHandlers();
  // With no other listener left, end the way the signal would have without ours.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}
const onSigint = (): void => onSignal('SIGINT');
const onSigterm = (): void => onSignal('SIGTERM');
function uninstallHandlers(): void {
  if (!handlersInstalled) return;
  process.off('exit', killLiveChildren);
  process.off('SIGINT', onSigint);
  process.off('SIGTERM', onSigterm);
  handlersInstalled = false;
}
function track(child: ChildProcess): void {
  liveChildren.add(child);
  if (handlersInstalled) return;
  process.on('exit', killLiveChildren);
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  handlersInstalled = true;
}
function untrack(child: ChildProcess): void {
  liveChildren.delete(child);
  if (liveChildren.size === 0) uninstallHandlers();
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

/**
 * The one place regstate runs PowerShell: one process (`-Command -`) with the agent loaded once,
 * started on the first request. Each request is one line carrying base64 JSON; each answer is the
 * one `REGSTATE:` line. A timeout kills the process (POWERSHELL_TIMEOUT), an exit mid-call is
 * POWERSHELL_CRASHED, an unreadable answer POWERSHELL_PROTOCOL; after any of them the session is spent.
 */
export class PowerShellSession {
  private readonly options: PowerShellSessionOptions;
  private readonly timeoutMs: number;
  private readonly reader: DelimitedReader;
  private queue: Promise<unknown> = Promise.resolve();
  private child?: ChildProcess;
  private exit?: Exit;
  private exited?: Promise<Exit>;
  private stderrTail = '';
  private starting?: Promise<void>;
  private failure?: RegstateError;
  private closed = false;
  private helloResults?: AgentHello;
  private started = false;
  private processes = 0;
  private roundTrips = 0;

  constructor(options: PowerShellSessionOptions) {
    this.options = options;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.reader = new DelimitedReader(options.maxAnswerBytes ?? MAX_ANSWER_BYTES);
  }

  /** The running process id, if one is running. */
  get pid(): number | undefined {
    return this.exit ? undefined : this.child?.pid;
  }

  stats(): { processes: number; roundTrips: number } {
    return { processes: this.processes, roundTrips: this.roundTrips };
  }

  /** What the agent's hello said about where it runs (starts the process if needed). */
  async hello(): Promise<AgentHello> {
    await this.ensureStarted();
    return this.helloResults ?? { os: '' };
  }

  /**
   * Sends one request and returns its answer: one round trip. `entry` is the function that runs it:
   * the agent's Invoke-RegstateRequest, or an entry point of an extra script (same line protocol).
   */
  async request(body: Record<string, unknown>, entry?: string): Promise<AgentAnswer> {
    await this.ensureStarted();
    this.roundTrips++;
    // One call at a time on the one process: a second caller waits for the first answer.
    const turn = this.queue.then(() => this.invoke(requestLines(body, entry)));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /**
   * Starts the process and loads the agent now, ahead of the first request, which then waits for it
   * (the same timeout covers both); nothing is read or written. A start that fails is the failure the
   * first request throws, exactly as without this.
   */
  startEarly(): void {
    this.ensureStarted().catch(() => undefined);
  }

  private ensureStarted(): Promise<void> {
    if (this.closed) return Promise.reject(new RegstateError('INTERNAL', 'the PowerShell session is closed'));
    if (this.failure) return Promise.reject(this.failure);
    this.starting ??= this.start();
    return this.starting;
  }

  private async start(): Promise<void> {
    const platform = this.options.platform ?? process.platform;
    // node-powershell starts the process (-NoLogo -NoExit -Command - and the options below). Its
    // invoke() is not used: it re-scans the whole output on every chunk (minutes for a 20 MB answer),
    // so this session writes stdin and reads stdout itself, linearly, through the public streams.
    const shell = new AgentShell({
      executable: this.options.executable,
      executableOptions: { '-NoProfile': true, '-NonInteractive': true, ...(platform === 'win32' ? { '-ExecutionPolicy': 'Bypass' } : {}) },
      spawnOptions: {
        env: { ...(this.options.env ?? process.env), POWERSHELL_TELEMETRY_OPTOUT: '1', POWERSHELL_UPDATECHECK: 'Off', NO_COLOR: '1' },
        windowsHide: true,
      },
      throwOnInvocationError: false,
    });
    // The child process and its exit promise are private in node-powershell 5.0.1 (pinned exactly in
    // package.json for this reason): regstate needs the pid and exit status to kill and report it, and
    // the exit promise rejects on a crash, which must not become an unhandled rejection.
    const child = (shell as unknown as { process: ChildProcess })['process'];
    (shell as unknown as { exitPromise: Promise<void> })['exitPromise'].catch(() => undefined);
    shell.streams.stdin.on('error', () => undefined);
    // node-powershell sets a utf-8 encoding on the output streams: chunks arrive as strings.
    shell.streams.stdout.on('data', (chunk: string | Buffer) => this.reader.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk));
    shell.streams.stderr.on('data', (chunk: string | Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(-2000);
    });
    this.child = child;
    this.processes++;
    this.exited = new Promise<Exit>((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', (error) => resolve({ code: null, signal: null, error }));
    }).then((exit) => {
      this.exit = exit;
      untrack(child);
      return exit;
    });
    track(child);
    const hello = await this.invoke([agentLoadLine(this.options.extraScripts)]);
    const results = hello.results as { agent?: unknown; protocol?: unknown; os?: unknown } | null;
    if (!hello.ok || results?.agent !== 'regstate' || results.protocol !== AGENT_PROTOCOL) {
      await this.fail(new RegstateError('POWERSHELL_PROTOCOL', `the regstate agent did not start in ${this.options.executable}: ${excerpt(JSON.stringify(hello))}`));
    }
    this.helloResults = { os: typeof results?.os === 'string' ? results.os : '' };
    this.started = true;
  }

  private async fail(error: RegstateError): Promise<never> {
    this.failure = error;
    await this.kill();
    throw error;
  }

  private describeExit(exit: Exit): string {
    const how = exit.error ? `could not run (${exit.error.message})` : exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
    // The call delimiters (16 letters and digits on a line) are not worth showing.
    const stderr = this.stderrTail
      .split(/\r?\n/)
      .filter((line) => !/^[0-9A-Za-z]{16}$/.test(line.trim()))
      .join('\n')
      .trim();
    // A PowerShell that dies before the agent's hello cannot run regstate at all: say how to pick another.
    const choose = this.started ? '' : '; it cannot run the regstate agent (Wine\'s powershell.exe is a stub that exits at once): choose another PowerShell with --powershell PATH or the REGSTATE_POWERSHELL environment variable';
    return `PowerShell (${this.options.executable}) ${how} before it answered${stderr ? `; stderr: ${excerpt(stderr, 500)}` : ''}${choose}`;
  }

  /** Sends the lines of one call between delimiter lines and returns the answer printed between them. */
  private async invoke(lines: string[]): Promise<AgentAnswer> {
    const child = this.child;
    const exited = this.exited;
    if (!child || !exited) throw new RegstateError('INTERNAL', 'the PowerShell session is not started');
    const id = randomBytes(8).toString('hex');
    const output = this.reader.expect(id);
    const delimit = `[Console]::Error.WriteLine("${id}")\n[Console]::Out.WriteLine("${id}")\n`;
    child.stdin?.write(`${delimit}${lines.join('\n')}\n${delimit}`);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<{ kind: 'timeout' }>((resolve) => {
      timer = setTimeout(() => resolve({ kind: 'timeout' }), this.timeoutMs);
    });
    const outcome = await Promise.race([
      output.then((stdout) => (typeof stdout === 'string' ? { kind: 'result' as const, stdout } : { kind: 'too-large' as const, bytes: stdout.tooLarge })),
      exited.then((exit) => ({ kind: 'exit' as const, exit })),
      timedOut,
    ]).finally(() => clearTimeout(timer));

    if (outcome.kind === 'timeout') {
      const pid = this.child?.pid;
      return this.fail(new RegstateError('POWERSHELL_TIMEOUT', `PowerShell did not answer within ${this.timeoutMs} ms; process ${pid} was killed`));
    }
    if (outcome.kind === 'too-large') {
      const limit = this.options.maxAnswerBytes ?? MAX_ANSWER_BYTES;
      return this.fail(new RegstateError('VALUE_TOO_LARGE', `PowerShell's answer is more than ${limit} bytes (${outcome.bytes} so far): regstate reads at most that much in one round trip, with no value over 64 MiB; the process was stopped`));
    }
    if (this.exit || outcome.kind !== 'result') {
      const exit = this.exit ?? (await exited);
      const code = exit.error && (exit.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'POWERSHELL_NOT_FOUND' : 'POWERSHELL_CRASHED';
      return this.fail(new RegstateError(code, this.describeExit(exit)));
    }
    try {
      return parseAnswerLine(outcome.stdout);
    } catch (error) {
      const stderr = this.callStderr(id);
      const message = error instanceof Error ? error.message : String(error);
      return this.fail(new RegstateError('POWERSHELL_PROTOCOL', `${message}${stderr ? `; stderr: ${excerpt(stderr, 500)}` : ''}`, { cause: error }));
    }
  }

  // What the process wrote on stderr during the call, as far as the kept tail reaches.
  private callStderr(id: string): string {
    const tail = this.stderrTail;
    const at = tail.indexOf(id);
    return (at < 0 ? tail : tail.slice(at + id.length)).split(id)[0]?.trim() ?? '';
  }

  private async kill(): Promise<void> {
    const child = this.child;
    if (!child || this.exit || !this.exited) return;
    child.kill('SIGKILL');
    await this.exited;
  }

  /** Ends the PowerShell process (if any) and waits for it to exit. Safe to call twice. */
  async close(): Promise<void> {
    this.closed = true;
    const child = this.child;
    if (!child || this.exit || !this.exited) return;
    child.stdin?.end();
    child.kill('SIGTERM');
    // A process that ignores SIGTERM is killed outright; the timer never keeps Node alive.
    const force = setTimeout(() => child.kill('SIGKILL'), 3000);
    force.unref();
    await this.exited;
    clearTimeout(force);
  }
}
