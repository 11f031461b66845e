// Types of scripts/ssh-fleet.js for the TypeScript tests.
export interface SshFleetOptions {
  /** Addresses served, each a host. */
  hosts: number;
  /** Indices of hosts that get an sshd of their own (so dropHost can kill that host alone). */
  isolated?: number[];
}
export interface SshFleet {
  dir: string;
  port: number;
  pwsh: string;
  addresses: string[];
  unservedAddress: string;
  keyFile: string;
  wrongKeyFile: string;
  /** known_hosts with the host key of every address (and the unserved one) at the fleet's port. */
  knownHostsFile: string;
  /** The known_hosts line of one address. */
  knownHostsLine(address: string): string;
  dropHost(address: string): void;
  connectionPids(address: string): number[];
  close(): Promise<void>;
}
export function startSshFleet(options: SshFleetOptions): Promise<SshFleet>;
/** Every process id below `pid`, from /proc. */
export function descendants(pid: number): number[];
