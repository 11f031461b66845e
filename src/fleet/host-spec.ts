import { userInfo } from 'node:os';
import type { FleetHost } from './fleet-model.js';

const b64 = (text: string | undefined): string | null => (text === undefined ? null : Buffer.from(text, 'utf8').toString('base64'));

/** The port a transport uses when the inventory gives none (ssh 22; WinRM 5985, or 5986 over TLS). */
export function defaultPort(host: Pick<FleetHost, 'transport'>): number {
  return host.transport === 'ssh' ? 22 : 5985;
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
  };
}
