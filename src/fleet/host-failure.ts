import type { ErrorCode } from '../errors.js';

/** Why a fleet host is out of the run. */
export type HostFailureCode = Extract<ErrorCode, 'HOST_UNREACHABLE' | 'HOST_AUTH_FAILED' | 'HOST_DROPPED' | 'POWERSHELL_PROTOCOL'>;

export interface HostFailure {
  code: HostFailureCode;
  reason: string;
}

/** Where a host's transport connects, as ssh names it in its messages. */
export interface HostEndpoint {
  id: number;
  address: string;
  port: number;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// The address as a whole token: 127.0.0.1 is not found in 127.0.0.10, nor db in db2.example.
function mentions(line: string, address: string): boolean {
  return new RegExp(`(?<![A-Za-z0-9.-])${escapeRegExp(address)}(?![A-Za-z0-9-]|\\.[A-Za-z0-9])`, 'i').test(line);
}

// ssh names a port as "port 22" or "[host]:22".
function portsIn(line: string): number[] {
  return [...line.matchAll(/\bport (\d{1,5})\b|\]:(\d{1,5})\b/g)].map((m) => Number(m[1] ?? m[2]));
}

/**
 * Gives each line the ssh clients printed to the host it names: ssh's messages carry the address
 * ("ssh: connect to host A port P: Connection refused", "user@A: Permission denied (publickey)",
 * "Connection to A closed by remote host."). Where several hosts share an address, the port decides;
 * a line that names neither stays unattributed (it is not in the map).
 */
export function attributeSshLines(lines: readonly string[], hosts: readonly HostEndpoint[]): Map<number, string[]> {
  const byHost = new Map<number, string[]>();
  for (const line of lines) {
    let named = hosts.filter((h) => mentions(line, h.address));
    const ports = portsIn(line);
    if (named.length > 1 && ports.length > 0) named = named.filter((h) => ports.includes(h.port));
    // Same address, no port in the line: it cannot be told which connection it was; all of them get it.
    for (const h of named) byHost.set(h.id, [...(byHost.get(h.id) ?? []), line]);
  }
  return byHost;
}

// What ssh, WinRM and the driver say when the host answered but refused who we are, or ssh could not
// verify who the host is (not in known_hosts under strict checking, or a changed key).
const AUTH_REFUSED = /permission denied|authentication fail|too many authentication failures|no supported authentication methods|host key verification failed|host key is known for|host key for \S+ has changed|access is denied|logon failure|credential/i;

// PowerShell's own message for any ssh failure, and its wrapper of a failed .NET call: kept only when nothing else was said.
const NOISE = [/^The SSH (client session has ended with error message: The SSH )?transport process has abruptly terminated/, /^Exception calling "\w+" with "\d+" argument\(s\)/];

function describe(driverReason: string, sshLines: readonly string[]): string {
  // The driver joins an exception chain's messages with " / ".
  const own = driverReason
    .split(' / ')
    .map((part) => part.trim())
    .filter((part) => part !== '' && !NOISE.some((noise) => noise.test(part)));
  const parts = [...new Set([...sshLines, ...own])];
  return parts.length > 0 ? parts.join('; ') : driverReason.trim() || 'the session ended without a reason';
}

/**
 * The lines that name no host ("Host key verification failed." is all ssh says when it cannot ask
 * whether to trust a new host), given to the one host that failed without a line of its own: with
 * several such hosts it cannot be told whose they were, and they stay unattributed. `attributed` is
 * attributeSshLines' answer for the same lines; the answer is a new map.
 */
export function attributeUnnamedLines(lines: readonly string[], attributed: ReadonlyMap<number, string[]>, failed: readonly number[]): Map<number, string[]> {
  const byHost = new Map(attributed);
  const named = new Set([...attributed.values()].flat());
  const unnamed = lines.filter((line) => !named.has(line));
  const silent = failed.filter((id) => (attributed.get(id) ?? []).length === 0);
  if (unnamed.length > 0 && silent.length === 1) byHost.set(silent[0] as number, unnamed);
  return byHost;
}

/** A host whose session could not be opened: refused credentials, or not reachable at all. */
export function describeOpenFailure(driverReason: string, sshLines: readonly string[], driverCode?: string): HostFailure {
  const reason = describe(driverReason, sshLines);
  if (driverCode === 'HOST_AUTH_FAILED' || AUTH_REFUSED.test(reason)) return { code: 'HOST_AUTH_FAILED', reason };
  return { code: 'HOST_UNREACHABLE', reason };
}

/** A host whose open session broke during a call (the connection or the remote process died). */
export function describeDroppedHost(driverReason: string, sshLines: readonly string[]): HostFailure {
  return { code: 'HOST_DROPPED', reason: describe(driverReason, sshLines) };
}
