import { join, resolve } from 'node:path';
import { RegstateError } from '../errors.js';
import { openRegFile } from '../registry/reg-file/reg-file-backend.js';
import type { FleetConnector, HostConnection } from './fleet-connector.js';
import { hostRegFileName } from './host-file-name.js';

/**
 * A fleet rehearsed offline: each host's registry is `DIR/NAME.reg` (its `reg export`), planned and
 * applied like `--registry FILE.reg`. A host without its file is reported as not reached, like a
 * host that cannot be connected to; with `create`, a missing file is an empty registry.
 */
export function regDirConnector(dir: string, options: { create?: boolean } = {}): FleetConnector {
  return async (hosts) => {
    // Every name is checked before any file is opened.
    const files = hosts.map((host) => join(resolve(dir), hostRegFileName(host.name)));
    const connections = await Promise.all(
      hosts.map(async (host, i): Promise<HostConnection> => {
        try {
          return { host, state: 'open', backend: await openRegFile(files[i] as string, { create: options.create === true }) };
        } catch (error) {
          if (!(error instanceof RegstateError)) throw error;
          return { host, state: 'failed', failure: { code: error.code, reason: error.message } };
        }
      }),
    );
    return {
      connections,
      close: async () => {
        for (const c of connections) await c.backend?.close();
      },
    };
  };
}
