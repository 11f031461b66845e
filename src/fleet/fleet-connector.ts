import type { RegistryBackend } from '../registry/backend.js';
import type { FleetHost } from './fleet-model.js';
import type { OpenFleetOptions } from './fleet-session.js';

/** One host's connection as a fleet command sees it: a backend when open, the reason when not. */
export interface HostConnection {
  host: FleetHost;
  state: 'open' | 'failed';
  failure?: { code: string; reason: string };
  backend?: RegistryBackend;
}

/** The hosts a connector opened. */
export interface FleetConnection {
  readonly connections: HostConnection[];
  close(): Promise<void>;
}

/**
 * How the fleet commands reach their hosts: openFleet (PowerShell remoting), or one .reg file per
 * host (--registry-dir, src/fleet/reg-dir-fleet.ts).
 */
export type FleetConnector = (hosts: FleetHost[], opts: OpenFleetOptions) => Promise<FleetConnection>;
