import type { ChildProcess } from 'node:child_process';
import { PowerShell } from 'node-powershell';
import { assetPath, readAsset } from '../../assets.js';
import { RegstateError } from '../../errors.js';
import { type AgentAnswer, excerpt, parseAnswerLine } from './answer-line.js';

export interface PowerShellSessionOptions {
  /** The PowerShell executable to run (see findPowerShell). */
  executable: string;
  /** Longest wait for one answer, process start included; on expiry the process is killed. Default 60 s. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
}

export const DEFAULT_TIMEOUT_MS = 60_000;
const AGENT_PROTOCOL = 1;

/** The agent's script files, loaded in this order; they ship in src/registry/powershell/ (also for dist/). */
export const AGENT_SCRIPTS = ['agent.ps1', 'simulated-hive.ps1'] as const;

export function agentScriptPath(name: (typeof AGENT_SCRIPTS)[number]): string {
  return assetPath(`src/registry/powershell/${name}`);
}

function toBase64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
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
 * The one place regstate runs PowerShell: a node-powershell session with the agent loaded once,
 * started on the first request. Each request is one line carrying base64 JSON; each answer is the
 * one `REGSTATE:` line. A timeout kills the process (POWERSHELL_TIMEOUT), an exit mid-call is
 * POWERSHELL_CRASHED, an unreadable answer POWERSHELL_PROTOCOL; after any of them the session is spent.
 */
export class PowerShellSession {
  private readonly options: PowerShellSessionOptions;
  private readonly timeoutMs: number;
  private shell?: AgentShell;
  private child?: ChildProcess;
  private exit?: Exit;
  private exited?: Promise<Exit>;
  private stderrTail = '';
  private starting?: Promise<void>;
  private failure?: RegstateError;
  private closed = false;
  private started = false;
  private processes = 0;
  private roundTrips = 0;

  constructor(options: PowerShellSessionOptions) {
    this.options = options;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** The running process id, if one is running. */
  get pid(): number | undefined {
    return this.exit ? undefined : this.child?.pid;
  }

  stats(): { processes: number; roundTrips: number } {
    return { processes: this.processes, roundTrips: this.roundTrips };
  }

  /** Sends one request to the agent and returns its answer: one round trip. */
  async request(body: Record<string, unknown>): Promise<AgentAnswer> {
    await this.ensureStarted();
    this.roundTrips++;
    return this.invoke(`Invoke-RegstateRequest -RequestBase64 '${toBase64(JSON.stringify(body))}'`);
  }

  private ensureStarted(): Promise<void> {
    if (this.closed) return Promise.reject(new RegstateError('INTERNAL', 'the PowerShell session is closed'));
    if (this.failure) return Promise.reject(this.failure);
    this.starting ??= this.start();
    return this.starting;
  }

  private async start(): Promise<void> {
    const platform = this.options.platform ?? process.platform;
    const agent = AGENT_SCRIPTS.map((name) => readAsset(`src/registry/powershell/${name}`)).join('\n');
    const shell = new AgentShell({
      executable: this.options.executable,
      executableOptions: { '-NoProfile': true, '-NonInteractive': true, ...(platform === 'win32' ? { '-ExecutionPolicy': 'Bypass' } : {}) },
      spawnOptions: {
        env: { ...(this.options.env ?? process.env), POWERSHELL_TELEMETRY_OPTOUT: '1', POWERSHELL_UPDATECHECK: 'Off', NO_COLOR: '1' },
        windowsHide: true,
      },
      throwOnInvocationError: false,
    });
    // node-powershell keeps its child and exit promise private; regstate needs the pid to kill it,
    // and its exit promise rejects on a crash, which must not become an unhandled rejection.
    const child = shell['process'] as ChildProcess;
    (shell['exitPromise'] as Promise<void>).catch(() => undefined);
    shell.streams.stdin.on('error', () => undefined);
    shell.streams.stderr.on('data', (chunk: string | Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(-2000);
    });
    this.shell = shell;
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
    // In `-Command -` mode PowerShell runs stdin line by line (a multi-line definition would wait for a
    // blank line), so the agent goes as one line: its own text, base64, turned into a script block.
    const load = `. ([ScriptBlock]::Create([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('${toBase64(agent)}')))); Invoke-RegstateRequest -RequestBase64 '${toBase64(JSON.stringify({ op: 'hello' }))}'`;
    const hello = await this.invoke(load);
    const results = hello.results as { agent?: unknown; protocol?: unknown } | null;
    if (!hello.ok || results?.agent !== 'regstate' || results.protocol !== AGENT_PROTOCOL) {
      await this.fail(new RegstateError('POWERSHELL_PROTOCOL', `the regstate agent did not start in ${this.options.executable}: ${excerpt(JSON.stringify(hello))}`));
    }
    this.started = true;
  }

  private async fail(error: RegstateError): Promise<never> {
    this.failure = error;
    await this.kill();
    throw error;
  }

  private describeExit(exit: Exit): string {
    const how = exit.error ? `could not run (${exit.error.message})` : exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
    // node-powershell's own call delimiters (16 letters and digits on a line) are not worth showing.
    const stderr = this.stderrTail
      .split(/\r?\n/)
      .filter((line) => !/^[0-9A-Za-z]{16}$/.test(line.trim()))
      .join('\n')
      .trim();
    // A PowerShell that dies before the agent's hello cannot run regstate at all: say how to pick another.
    const choose = this.started ? '' : '; it cannot run the regstate agent (Wine\'s powershell.exe is a stub that exits at once): choose another PowerShell with --powershell PATH or the REGSTATE_POWERSHELL environment variable';
    return `PowerShell (${this.options.executable}) ${how} before it answered${stderr ? `; stderr: ${excerpt(stderr, 500)}` : ''}${choose}`;
  }

  private async invoke(line: string): Promise<AgentAnswer> {
    const shell = this.shell;
    const exited = this.exited;
    if (!shell || !exited) throw new RegstateError('INTERNAL', 'the PowerShell session is not started');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<{ kind: 'timeout' }>((resolve) => {
      timer = setTimeout(() => resolve({ kind: 'timeout' }), this.timeoutMs);
    });
    const outcome = await Promise.race([
      shell.invoke(line).then(
        (result) => ({ kind: 'result' as const, result }),
        (error: unknown) => ({ kind: 'error' as const, error }),
      ),
      exited.then((exit) => ({ kind: 'exit' as const, exit })),
      timedOut,
    ]).finally(() => clearTimeout(timer));

    if (outcome.kind === 'timeout') {
      const pid = this.child?.pid;
      return this.fail(new RegstateError('POWERSHELL_TIMEOUT', `PowerShell did not answer within ${this.timeoutMs} ms; process ${pid} was killed`));
    }
    if (this.exit || outcome.kind !== 'result') {
      const exit = this.exit ?? (await exited);
      const code = exit.error && (exit.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'POWERSHELL_NOT_FOUND' : 'POWERSHELL_CRASHED';
      return this.fail(new RegstateError(code, this.describeExit(exit), { cause: outcome.kind === 'error' ? outcome.error : undefined }));
    }
    const stdout = outcome.result.stdout?.toString('utf8') ?? '';
    try {
      return parseAnswerLine(stdout);
    } catch (error) {
      const stderr = outcome.result.stderr?.toString('utf8').trim() ?? '';
      const message = error instanceof Error ? error.message : String(error);
      return this.fail(new RegstateError('POWERSHELL_PROTOCOL', `${message}${stderr ? `; stderr: ${excerpt(stderr, 500)}` : ''}`, { cause: error }));
    }
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
