import type { SourcePos } from '../model/source-pos.js';

/** Where a variable's value came from, for error messages that name both places. */
export type VarOrigin =
  | { kind: 'config'; source: SourcePos }           // a config's own `vars:` default
  | { kind: 'group'; group: string; source: SourcePos } // inventory group vars
  | { kind: 'host'; host: string; source: SourcePos }   // inventory host vars
  | { kind: 'var-file'; source: SourcePos }         // --var-file FILE
  | { kind: 'cli'; text: string };                  // --var name=value as given

export interface VarValue { value: string | number | boolean; origin: VarOrigin }
/** Variables by name (null-prototype or Map), highest-precedence origin already chosen. */
export type VarTable = Map<string, VarValue>;

/** strict: only keys in known_hosts; accept-new: also records a host seen for the first time; off: any key (tests, labs). */
export type HostKeyChecking = 'strict' | 'accept-new' | 'off';

export interface FleetHost {
  name: string;                   // unique in the inventory, as written
  address: string;                // host name or IP the transport connects to
  transport: 'winrm' | 'ssh';
  port?: number;
  user?: string;
  /** ssh: private key file (absolute). */
  keyFile?: string;
  /** ssh: how the host's key is checked; unset leaves it to OpenSSH (its config, else known_hosts, refusing unknown keys). */
  hostKeyChecking?: HostKeyChecking;
  /** ssh: the known_hosts file to check against (absolute), instead of the user's. */
  knownHostsFile?: string;
  /** winrm: 'current' (the running identity, default) or a credential the admin supplies. */
  credential?: { kind: 'current' } | { kind: 'prompt' } | { kind: 'file'; path: string };
  /** Rehearsal: the agent on that host works on this simulated hive file (a path on that host). */
  simulatedHive?: string;
  groups: string[];
  /** Group and host variables merged (host over group); config and CLI vars are merged later. */
  vars: VarTable;
  source: SourcePos;
}

export interface Inventory {
  path: string;
  hosts: FleetHost[];
  /** Names of the groups the inventory defines, as written (a group may have no hosts). */
  groups?: string[];
}
