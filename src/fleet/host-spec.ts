import { userInfo } from 'node:os';
import type { FleetHost } from './fleet-model.js';

const b64 = (text: string | undefined): string | null => (text === undefined ? null : Buffer.from(text, 'utf8').toString('base64'));

/** The port a transport uses when the inventory gives none (ssh 22; WinRM 5985, or 5986 over TLS). */
export function defaultPort(host: Pick<FleetHost, 'transport'>): number {
  return host.transport === 'ssh' ? 22 : 5985;
}

/**
 * A path as one argument of an ssh_config option: in double quotes (ssh splits an unquoted value at
 * white space), `%` doubled (ssh expands %h, %u, ...), `\` escaped. On Windows `/` replaces `\`
 * instead, which every Win32-OpenSSH reads the same. The inventory refuses `"` and control characters.
 */
export function quoteSshPath(path: string, platform: NodeJS.Platform = process.platform): string {
  const slashed = platform === 'win32' ? path.replace(/\\/g, '/') : path.replace(/\\/g, '\\\\');
  return `"${slashed.replace(/%/g, '%%')}"`;
}

/**
 * The ssh client options (`ssh -o NAME=VALUE`) for a host's key checking, as data for New-PSSession's
 * -Options: none when the inventory leaves it to OpenSSH (its config, else ~/.ssh/known_hosts, and an
 * unknown host refused, as nothing can answer ssh's question).
 */
export function buildSshOptions(host: Pick<FleetHost, 'hostKeyChecking' | 'knownHostsFile'>, platform: NodeJS.Platform = process.platform): { name: string; value: string }[] {
  const options: { name: string; value: string }[] = [];
  if (host.hostKeyChecking === 'strict') options.push({ name: 'StrictHostKeyChecking', value: 'yes' });
  if (host.hostKeyChecking === 'accept-new') options.push({ name: 'StrictHostKeyChecking', value: 'accept-new' });
  if (host.hostKeyChecking === 'off') options.push({ name: 'StrictHostKeyChecking', value: 'no' }, { name: 'UserKnownHostsFile', value: '/dev/null' });
  else if (host.knownHostsFile !== undefined) options.push({ name: 'UserKnownHostsFile', value: quoteSshPath(host.knownHostsFile, platform) });
  return options;
}

function currentUser(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}

/**
 * One host as the fleet driver (remoting.ps1) takes it: the values of New-PSSession's parameters,
 * every free-text string base64 of UTF-8 (data never becomes PowerShell source). ssh without a user
 * logs in as the local user, as ssh itself would; WinRM without a credential uses the running identity.
 * WinRM over TLS is `port: 5986` (`useSsl` follows from it; 5986 is the WinRM HTTPS port).
 */
export function buildHostSpec(host: FleetHost, id: number): Record<string, unknown> {
  if (host.transport === 'ssh') {
    return {
      id,
      transport: 'ssh',
      address: b64(host.address),
      port: host.port ?? 22,
      user: b64(host.user ?? currentUser()),
      keyFile: b64(host.keyFile),
      useSsl: false,
      credential: 'current',
      credentialFile: null,
      sshOptions: buildSshOptions(host).map(({ name, value }) => ({ name, value: b64(value) })),
    };
  }
  const credential = host.credential ?? { kind: 'current' as const };
  return {
    id,
    transport: 'winrm',
    address: b64(host.address),
    port: host.port ?? 0,
    user: b64(host.user),
    keyFile: null,
    useSsl: host.port === 5986,
    credential: credential.kind,
    credentialFile: credential.kind === 'file' ? b64(credential.path) : null,
    sshOptions: [],
  };
}
