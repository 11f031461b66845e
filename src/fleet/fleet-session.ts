import { RegstateError } from '../errors.js';
import type { BackendStats, RegistryBackend } from '../registry/backend.js';
import { type AgentAnswer, parseAnswerLine } from '../registry/powershell/answer-line.js';
import { findPowerShell } from '../registry/powershell/find-powershell.js';
import { createAgentBackend } from '../registry/powershell/powershell-backend.js';
import { AGENT_SCRIPTS, AGENT_SOURCES, MAX_FLEET_ANSWER_BYTES, PowerShellSession } from '../registry/powershell/powershell-session.js';
import { readAsset } from '../assets.js';
import type { FleetHost } from './fleet-model.js';
import { type HostEndpoint, type HostFailure, attributeSshLines, attributeUnnamedLines, describeDroppedHost, describeOpenFailure } from './host-failure.js';
import { buildHostSpec, defaultPort } from './host-spec.js';

/** One inventory host in a fleet run. `backend` exists while the host is open; a failed host says why. */
export interface HostConnection {
  host: FleetHost;
  state: 'open' | 'failed';
  failure?: HostFailure;
  backend?: RegistryBackend;
}

/** What happened, as it happens (per phase: the driver answers once for all hosts of a phase). */
export type FleetProgress =
  | { kind: 'opening'; hosts: number; parallel: number }
  | { kind: 'host-open'; host: string; ms: number; attempts: number }
  | { kind: 'host-failed'; host: string; failure: HostFailure; attempts?: number }
  | { kind: 'round-trip'; hosts: number; ms: number };

export interface OpenFleetOptions {
  /** Most hosts opening or running a request at once (`--parallel`, default 16). */
  parallel: number;
  /** The local PowerShell 7 that drives the fleet (else REGSTATE_POWERSHELL, pwsh on PATH). */
  powershell?: string;
  onProgress?: (event: FleetProgress) => void;
  /** Times a Broken open is tried again (default 2). */
  retries?: number;
  /** Longest wait for one host's session to open, per attempt (default 60 s). */
  openTimeoutMs?: number;
  /** Longest wait for one host's answer to one request (default 10 min). */
  callTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export interface FleetStats {
  /** Local PowerShell processes started (one per fleet). */
  processes: number;
  /** Requests to the local process (each fans out to many hosts). */
  roundTrips: number;
  /** Time to open every session (with the agent loaded), in milliseconds. */
  openMs: number;
  /** The local PowerShell's process id while it runs (for measuring it). */
  pid?: number;
}

/** Every host's connection, and the one local PowerShell process behind them. */
export interface FleetSession {
  readonly connections: HostConnection[];
  stats(): FleetStats;
  /** Closes every host's session and the local process. Safe to call twice. */
  close(): Promise<void>;
}

export const DEFAULT_PARALLEL = 16;
const DRIVER_ENTRY = 'Invoke-RegstateFleetRequest';

interface OpenResult {
  id: number;
  ok: boolean;
  state: string;
  code?: string;
  reason: string;
  attempts: number;
  ms: number;
  hello: string | null;
}
interface CallResult {
  id: number;
  ok: boolean;
  answer: string | null;
  state: string;
  reason: string;
  ms: number;
}
interface PendingCall {
  id: number;
  body: Record<string, unknown>;
  resolve: (answer: AgentAnswer) => void;
  reject: (error: unknown) => void;
}

function protocol(message: string): never {
  throw new RegstateError('POWERSHELL_PROTOCOL', `unexpected answer from the fleet driver: ${message}`);
}

function driverResults<T>(answer: AgentAnswer, field: 'hosts' | 'calls'): { items: T[]; ssh: string[] } {
  if (!answer.ok) throw RegstateError.fromDiagnostics(answer.errors.map((e) => ({ code: 'POWERSHELL_PROTOCOL' as const, message: `fleet driver: ${String(e.message)}` })));
  const results = answer.results as Record<string, unknown> | null;
  const items = results?.[field];
  const ssh = results?.ssh ?? [];
  if (!Array.isArray(items) || !Array.isArray(ssh)) protocol(`no ${field} list`);
  return { items: items as T[], ssh: (ssh as unknown[]).map(String) };
}

class Fleet implements FleetSession {
  readonly connections: HostConnection[];
  private readonly endpoints: HostEndpoint[];
  private pending: PendingCall[] = [];
  private flushing = false;
  private scheduled = false;
  private closed = false;
  private openMs = 0;
  private readonly hostRoundTrips = new Map<number, number>();

  constructor(
    hosts: FleetHost[],
    private readonly session: PowerShellSession,
    private readonly options: OpenFleetOptions,
  ) {
    this.connections = hosts.map((host) => ({ host, state: 'open' }));
    this.endpoints = hosts.map((host, id) => ({ id, address: host.address, port: host.port ?? defaultPort(host) }));
  }

  private get parallel(): number {
    return Math.max(1, Math.floor(this.options.parallel || DEFAULT_PARALLEL));
  }

  private fail(id: number, failure: HostFailure, attempts?: number): void {
    const connection = this.connections[id];
    if (!connection || connection.state === 'failed') return;
    connection.state = 'failed';
    connection.failure = failure;
    this.options.onProgress?.({ kind: 'host-failed', host: connection.host.name, failure, ...(attempts === undefined ? {} : { attempts }) });
  }

  async open(): Promise<void> {
    const started = Date.now();
    const agent = AGENT_SCRIPTS.map((name) => readAsset(`src/registry/powershell/${name}`)).join('\n');
    const agentCode = AGENT_SOURCES.map((name) => readAsset(`src/registry/powershell/${name}`)).join('\n');
    this.options.onProgress?.({ kind: 'opening', hosts: this.connections.length, parallel: this.parallel });
    const answer = await this.session.request(
      {
        op: 'open',
        parallel: this.parallel,
        retries: this.options.retries ?? 2,
        openTimeoutMs: this.options.openTimeoutMs ?? 60_000,
        agent: Buffer.from(agent, 'utf8').toString('base64'),
        agentCode: Buffer.from(agentCode, 'utf8').toString('base64'),
        hosts: this.connections.map((c, id) => buildHostSpec(c.host, id)),
      },
      DRIVER_ENTRY,
    );
    const { items, ssh } = driverResults<OpenResult>(answer, 'hosts');
    const lines = attributeUnnamedLines(ssh, attributeSshLines(ssh, this.endpoints), items.flatMap((r) => (r.ok ? [] : [r.id])));
    const seen = new Set<number>();
    for (const r of items) {
      const connection = this.connections[r.id];
      if (!connection || seen.has(r.id)) protocol(`host id ${String(r.id)}`);
      seen.add(r.id);
      if (!r.ok) {
        this.fail(r.id, describeOpenFailure(String(r.reason ?? ''), lines.get(r.id) ?? [], r.code), r.attempts);
        continue;
      }
      let os = '';
      try {
        const hello = parseAnswerLine(String(r.hello ?? ''));
        const results = hello.results as { agent?: unknown; os?: unknown } | null;
        if (!hello.ok || results?.agent !== 'regstate') throw new Error('no regstate hello');
        os = typeof results.os === 'string' ? results.os : '';
      } catch (error) {
        this.fail(r.id, { code: 'POWERSHELL_PROTOCOL', reason: `the regstate agent did not start on the host: ${error instanceof Error ? error.message : String(error)}` });
        continue;
      }
      connection.backend = this.backendFor(r.id, os);
      this.options.onProgress?.({ kind: 'host-open', host: connection.host.name, ms: r.ms, attempts: r.attempts });
    }
    if (seen.size !== this.connections.length) protocol(`${seen.size} of ${this.connections.length} hosts answered`);
    this.openMs = Date.now() - started;
  }

  private backendFor(id: number, os: string): RegistryBackend {
    const connection = this.connections[id] as HostConnection;
    const channel = {
      hello: async () => ({ os }),
      request: (body: Record<string, unknown>) => this.call(id, body),
      stats: (): BackendStats => ({ processes: 1, roundTrips: this.hostRoundTrips.get(id) ?? 0 }),
      close: async () => undefined,
    };
    const { simulatedHive } = connection.host;
    return createAgentBackend(channel, { host: connection.host.name, ...(simulatedHive === undefined ? {} : { simulatedHive }) });
  }

  // Every host's call made in the same tick (or while a fan-out is running) goes in one request.
  private call(id: number, body: Record<string, unknown>): Promise<AgentAnswer> {
    const connection = this.connections[id] as HostConnection;
    if (this.closed) return Promise.reject(new RegstateError('INTERNAL', 'the fleet session is closed'));
    if (connection.state === 'failed') {
      const failure = connection.failure as HostFailure;
      return Promise.reject(new RegstateError(failure.code, `${connection.host.name}: ${failure.reason}`));
    }
    this.hostRoundTrips.set(id, (this.hostRoundTrips.get(id) ?? 0) + 1);
    return new Promise<AgentAnswer>((resolve, reject) => {
      this.pending.push({ id, body, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.flushing || this.pending.length === 0) return;
    this.flushing = true;
    // One request per host per fan-out: a host's second call waits for the next one. A host that
    // failed meanwhile gets its own failure back, not a second one.
    const batch: PendingCall[] = [];
    const rest: PendingCall[] = [];
    for (const c of this.pending) {
      const connection = this.connections[c.id] as HostConnection;
      if (connection.state === 'failed') {
        const failure = connection.failure as HostFailure;
        c.reject(new RegstateError(failure.code, `${connection.host.name}: ${failure.reason}`));
      } else (batch.some((b) => b.id === c.id) ? rest : batch).push(c);
    }
    this.pending = rest;
    if (batch.length === 0) {
      this.flushing = false;
      return;
    }
    const started = Date.now();
    try {
      const answer = await this.session.request(
        {
          op: 'call',
          parallel: this.parallel,
          timeoutMs: this.options.callTimeoutMs ?? 600_000,
          calls: batch.map((c) => ({ id: c.id, request: Buffer.from(JSON.stringify(c.body), 'utf8').toString('base64') })),
        },
        DRIVER_ENTRY,
      );
      const { items, ssh } = driverResults<CallResult>(answer, 'calls');
      const lines = attributeSshLines(ssh, this.endpoints);
      const byId = new Map(items.map((r) => [r.id, r]));
      for (const c of batch) {
        const r = byId.get(c.id);
        const name = this.connections[c.id]?.host.name ?? String(c.id);
        if (!r) {
          c.reject(new RegstateError('POWERSHELL_PROTOCOL', `the fleet driver gave no answer for ${name}`));
        } else if (r.ok) {
          try {
            c.resolve(parseAnswerLine(String(r.answer ?? '')));
          } catch (error) {
            c.reject(error);
          }
        } else {
          const failure = describeDroppedHost(String(r.reason ?? ''), lines.get(c.id) ?? []);
          this.fail(c.id, failure);
          c.reject(new RegstateError(failure.code, `${name}: ${failure.reason}`));
        }
      }
      this.options.onProgress?.({ kind: 'round-trip', hosts: batch.length, ms: Date.now() - started });
    } catch (error) {
      for (const c of batch) c.reject(error);
    } finally {
      this.flushing = false;
      if (this.pending.length > 0) this.schedule();
    }
  }

  stats(): FleetStats {
    const pid = this.session.pid;
    return { ...this.session.stats(), openMs: this.openMs, ...(pid === undefined ? {} : { pid }) };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const open = this.connections.flatMap((c, id) => (c.state === 'open' && c.backend ? [id] : []));
    try {
      if (open.length > 0 && this.session.pid !== undefined) await this.session.request({ op: 'close', ids: open }, DRIVER_ENTRY);
    } catch {
      // The local process is ended below either way; its ssh children end with it.
    }
    for (const c of this.pending.splice(0)) c.reject(new RegstateError('INTERNAL', 'the fleet session is closed'));
    await this.session.close();
  }
}

/**
 * Opens a PowerShell remoting session to every host (SSH or WinRM) from one local PowerShell 7
 * process, at most `parallel` at a time, and loads the regstate agent into each once. A host that
 * cannot be reached or refuses the credentials is a failed connection with the reason (ssh's own
 * words); the others are open, each with a RegistryBackend. Calls made by many hosts' backends in
 * the same tick travel as one request to the local process, which runs each host's own request on
 * that host (one round trip per host), `parallel` at a time. A host that drops mid-run fails its
 * call with HOST_DROPPED and its connection becomes failed; the others go on.
 * Throws only when the local PowerShell cannot run the driver at all.
 */
export async function openFleet(hosts: FleetHost[], options: OpenFleetOptions): Promise<FleetSession> {
  const executable = findPowerShell({ explicit: options.powershell, env: options.env });
  // The driver bounds every wait per host; the local process's own limit only catches a hung driver.
  const rounds = Math.ceil(hosts.length / Math.max(1, options.parallel || DEFAULT_PARALLEL));
  const openMs = (options.openTimeoutMs ?? 60_000) + 10_000;
  const timeoutMs = Math.max(rounds * openMs * ((options.retries ?? 2) + 1), options.callTimeoutMs ?? 600_000) + 60_000;
  const session = new PowerShellSession({ executable, timeoutMs, env: options.env, extraScripts: ['src/fleet/remoting.ps1'], maxAnswerBytes: MAX_FLEET_ANSWER_BYTES });
  const fleet = new Fleet(hosts, session, options);
  try {
    await fleet.open();
  } catch (error) {
    await fleet.close();
    throw error;
  }
  return fleet;
}
