import { hostname } from 'node:os';
import path from 'node:path';
import { RegstateError } from '../../errors.js';
import { describeKey } from '../../model/key-ref.js';
import type { LiveKey } from '../../model/live-state.js';
import type { UserProfile } from '../../model/user-profile.js';
import type { BackendStats, ReadRequest, RegistryBackend, Target, WriteOp, WriteOutcome } from '../backend.js';
import {
  decodeProfilesAnswer,
  decodeReadAnswer,
  decodeWriteAnswer,
  encodeProfilesRequest,
  encodeReadRequest,
  encodeWriteRequest,
  hasLoneSurrogate,
  unsendableText,
} from './agent-protocol.js';
import type { AgentAnswer } from './answer-line.js';
import { findPowerShell } from './find-powershell.js';
import { type AgentHello, PowerShellSession } from './powershell-session.js';

/** What a PowerShell backend talks to: one loaded agent, in a local process or on a remote host. */
export interface AgentChannel {
  hello(): Promise<AgentHello>;
  request(body: Record<string, unknown>): Promise<AgentAnswer>;
  stats(): BackendStats;
  close(): Promise<void>;
}

export interface PowerShellBackendOptions {
  /** PowerShell executable (CLI `--powershell`); else REGSTATE_POWERSHELL, pwsh on PATH, powershell.exe. */
  executable?: string;
  /** A simulated hive JSON file to use instead of the Windows registry (CLI `--simulated-hive`). */
  simulatedHive?: string;
  /** Longest wait for one PowerShell answer, in milliseconds. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  /** A running session to share (several hive files over one process); the backend then does not close it. */
  session?: PowerShellSession;
  /** With `session`: the backend closes it (a session started ahead of time for this backend alone). */
  closeSession?: boolean;
}

function describeOp(op: WriteOp): string {
  return op.op === 'set-value' || op.op === 'delete-value' ? `${describeKey(op.key)}, value ${JSON.stringify(op.name)}` : describeKey(op.key);
}

class PowerShellBackend implements RegistryBackend {
  readonly target: Target;

  constructor(
    private readonly session: AgentChannel,
    private readonly simulatedHive: string | undefined,
    private readonly ownsSession: boolean,
    host: string = hostname(),
  ) {
    this.target = { backend: 'powershell', host, ...(simulatedHive === undefined ? {} : { simulatedHive }) };
  }

  // The live registry is wherever PowerShell runs: node may be on Linux driving a Windows PowerShell.
  private async requireRegistry(): Promise<void> {
    if (this.simulatedHive !== undefined) return;
    const { os } = await this.session.hello();
    if (os !== 'Win32NT') {
      throw new RegstateError('NO_REGISTRY', `PowerShell runs on ${os || 'an unknown system'}, which has no Windows registry: use --simulated-hive FILE, --registry FILE.reg, or --powershell naming a Windows PowerShell`);
    }
  }

  async read(requests: ReadRequest[]): Promise<LiveKey[]> {
    if (requests.length === 0) return [];
    await this.requireRegistry();
    const bad = requests.find((r) => hasLoneSurrogate(r.key.path));
    if (bad) throw new RegstateError('KEY_PATH', `${describeKey(bad.key)}: an unpaired UTF-16 surrogate cannot be sent to PowerShell`);
    const answer = await this.session.request(encodeReadRequest(requests, this.simulatedHive));
    return decodeReadAnswer(requests, answer);
  }

  async write(ops: WriteOp[]): Promise<WriteOutcome[]> {
    if (ops.length === 0) return [];
    await this.requireRegistry();
    // Ops whose text UTF-8 cannot carry fail alone; the rest still go in one batch.
    const refused = ops.map((op) => (unsendableText(op) === undefined ? undefined : `${describeOp(op)}: an unpaired UTF-16 surrogate cannot be sent to PowerShell`));
    const sent = ops.filter((_, i) => refused[i] === undefined);
    const answered = sent.length === 0 ? [] : decodeWriteAnswer(sent.length, await this.session.request(encodeWriteRequest(sent, this.simulatedHive)));
    let next = 0;
    return ops.map((op, i): WriteOutcome => {
      const reason = refused[i];
      if (reason !== undefined) return { ok: false, code: 'WRITE_FAILED', message: reason };
      const outcome = answered[next++];
      if (!outcome) throw new RegstateError('POWERSHELL_PROTOCOL', 'missing write outcome');
      return outcome.ok ? outcome : { ok: false, code: outcome.code, message: `${describeOp(op)}: ${outcome.message}` };
    });
  }

  /** ProfileList's profiles and the default profile, in one round trip. */
  async listProfiles(): Promise<UserProfile[]> {
    await this.requireRegistry();
    return decodeProfilesAnswer(await this.session.request(encodeProfilesRequest(this.simulatedHive)));
  }

  stats(): BackendStats {
    return this.session.stats();
  }

  async close(): Promise<void> {
    if (this.ownsSession) await this.session.close();
  }
}

/**
 * A registry backend that reads and writes through one PowerShell process running agent.ps1:
 * the Windows registry, or a simulated hive file when `simulatedHive` is given. The process starts
 * on the first read or write; every read() and write() is one round trip however large.
 * Without a simulated hive, the first read or write throws NO_REGISTRY unless PowerShell runs on Windows
 * (the agent's hello says; node itself may run anywhere). Throws POWERSHELL_NOT_FOUND without PowerShell.
 */
export async function createPowerShellBackend(options: PowerShellBackendOptions = {}): Promise<RegistryBackend> {
  const platform = options.platform ?? process.platform;
  const simulatedHive = options.simulatedHive === undefined ? undefined : path.resolve(options.simulatedHive);
  if (options.session) return new PowerShellBackend(options.session, simulatedHive, options.closeSession === true);
  const executable = findPowerShell({ explicit: options.executable, env: options.env, platform });
  const session = new PowerShellSession({ executable, timeoutMs: options.timeoutMs, env: options.env, platform });
  return new PowerShellBackend(session, simulatedHive, true);
}

/**
 * A registry backend over an agent that is already loaded elsewhere (a fleet host's remote session):
 * the same requests, answers and checks as createPowerShellBackend. `simulatedHive` is a path on
 * that host, sent as given. Closing the backend closes the channel.
 */
export function createAgentBackend(channel: AgentChannel, options: { host: string; simulatedHive?: string }): RegistryBackend {
  return new PowerShellBackend(channel, options.simulatedHive, true, options.host);
}
