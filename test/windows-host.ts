// The agent's Windows layer for real: a Windows build of PowerShell 7 (.tools/windows-pwsh, see
// tools/windows-pwsh-host) under wine, against wine's registry, with `wine reg export` as the oracle.
import { existsSync } from 'node:fs';
import { foldName } from '../src/model/fold-name.js';
import type { KeyRef } from '../src/model/key-ref.js';
import type { RegistryValue } from '../src/model/registry-value.js';
import { valueToJson } from '../src/model/value-json.js';
import type { BackendStats, ReadRequest, RegistryBackend, WriteOp, WriteOutcome } from '../src/registry/backend.js';
import { createPowerShellBackend } from '../src/registry/powershell/powershell-backend.js';
import { PowerShellSession } from '../src/registry/powershell/powershell-session.js';
import { parseRegFile } from '../src/registry/reg-file/parse-reg-file.js';
import { PROVISION_HINT, WINDOWS_PWSH, WinePrefix } from './wine-prefix.js';

export { describeWine } from './wine-prefix.js';

const HIVE_NAMES: Record<KeyRef['hive'], string> = {
  HKLM: 'HKEY_LOCAL_MACHINE',
  HKCU: 'HKEY_CURRENT_USER',
  HKCR: 'HKEY_CLASSES_ROOT',
  HKU: 'HKEY_USERS',
  HKCC: 'HKEY_CURRENT_CONFIG',
};

// A Windows pwsh under wine starts in about 10 s (two .NET processes, see Program.cs).
export const WINDOWS_TIMEOUT_MS = 120_000;

/** The wrapper to pass as `--powershell` (or `executable`): pwsh.exe under wine, in $WINEPREFIX. */
export function windowsPwsh(): string {
  if (!existsSync(WINDOWS_PWSH)) throw new Error(`no Windows PowerShell host at ${WINDOWS_PWSH}: ${PROVISION_HINT}`);
  return WINDOWS_PWSH;
}

/** A wine prefix and one Windows PowerShell session in it, for one test file. */
export interface WindowsHost {
  wine: WinePrefix;
  session: PowerShellSession;
  /** The environment that runs the wrapper in this prefix (for the CLI). */
  env: Record<string, string>;
  dispose(): Promise<void>;
}

export async function startWindowsHost(): Promise<WindowsHost> {
  const executable = windowsPwsh();
  const wine = await WinePrefix.create();
  const env = { ...(process.env as Record<string, string>), ...wine.env() };
  const session = new PowerShellSession({ executable, env, timeoutMs: WINDOWS_TIMEOUT_MS });
  return {
    wine,
    session,
    env,
    async dispose() {
      await session.close();
      await wine.dispose();
    },
  };
}

/**
 * One Windows host for the describe block this is called in: started before its tests (beforeAll),
 * disposed of after them (afterAll); `started` receives it.
 */
export function useWindowsHost(started: (host: WindowsHost) => void): void {
  let host: WindowsHost | undefined;
  beforeAll(async () => {
    host = await startWindowsHost();
    started(host);
  }, 180_000);
  afterAll(async () => {
    await host?.dispose();
  }, 60_000);
}

/** A key's values as comparable JSON in name order: what both sides of an oracle check are reduced to. */
export type KeyImage = Map<string, [string, unknown][]>;

function sortedValues(values: [string, RegistryValue][]): [string, unknown][] {
  return [...values].sort((a, b) => (foldName(a[0]) < foldName(b[0]) ? -1 : 1)).map(([n, v]) => [n, valueToJson(v)]);
}

/** What `reg export` of `root` (in its view) says: every key below it, by folded path relative to the hive. */
export async function exportImage(wine: WinePrefix, root: KeyRef): Promise<KeyImage> {
  const bytes = await wine.tryExportKey(`${HIVE_NAMES[root.hive]}\\${root.path}`, root.view);
  const image: KeyImage = new Map();
  if (!bytes) return image;
  for (const section of parseRegFile(bytes, 'reg-export.reg').sections) {
    const values = section.entries.flatMap((e) => (e.type === 'value' && e.value ? [[e.name, e.value] as [string, RegistryValue]] : []));
    image.set(foldName(section.path), sortedValues(values));
  }
  return image;
}

/** The same picture through a backend: one recursive read of `root`. */
export async function readImage(backend: RegistryBackend, root: KeyRef): Promise<KeyImage> {
  const image: KeyImage = new Map();
  for (const live of await backend.read([{ key: root, recursive: true }])) {
    if (live.exists) image.set(foldName(live.key.path), sortedValues(live.values.map((v) => [v.name, v.value])));
  }
  return image;
}

const clip = (text: string): string => (text.length > 300 ? `${text.slice(0, 300)}... (${text.length} characters)` : text);

// A short description of where two images differ, or undefined; jest's own diff of megabytes of strings takes minutes.
function firstDifference(read: KeyImage, exported: KeyImage): string | undefined {
  for (const path of new Set([...read.keys(), ...exported.keys()])) {
    const a = read.get(path);
    const b = exported.get(path);
    if (!a || !b) return `key ${clip(JSON.stringify(path))} is ${a ? 'read but not exported' : 'exported but not read'}`;
    const names = new Set([...a, ...b].map(([n]) => n));
    for (const name of names) {
      const x = JSON.stringify(a.find(([n]) => n === name)?.[1]);
      const y = JSON.stringify(b.find(([n]) => n === name)?.[1]);
      if (x !== y) return `key ${clip(JSON.stringify(path))}, value ${clip(JSON.stringify(name))}: read ${clip(String(x))}, exported ${clip(String(y))}`;
    }
  }
  return undefined;
}

// HKCU\Software is one key in both views; HKLM\SOFTWARE is not.
function isUnder(key: KeyRef, root: KeyRef): boolean {
  if (key.hive !== root.hive || (key.hive !== 'HKCU' && key.view !== root.view)) return false;
  const path = foldName(key.path);
  const base = foldName(root.path);
  return path === base || path.startsWith(`${base}\\`) || base.startsWith(`${path}\\`);
}

/**
 * A backend whose every write is followed by the oracle check: for each root the write touched,
 * what reg.exe exports equals what the backend reads back. Its stats leave out the oracle's own reads.
 */
export function withExportOracle(backend: RegistryBackend, wine: WinePrefix, roots: KeyRef[]): RegistryBackend {
  let oracleTrips = 0;
  return {
    target: backend.target,
    read: (requests: ReadRequest[]) => backend.read(requests),
    async write(ops: WriteOp[]): Promise<WriteOutcome[]> {
      const outcomes = await backend.write(ops);
      for (const root of roots.filter((r) => ops.some((op) => isUnder(op.key, r)))) {
        const exported = await exportImage(wine, root);
        const read = await readImage(backend, root);
        oracleTrips++;
        const difference = firstDifference(read, exported);
        if (difference) throw new Error(`reg export of ${root.hive}\\${root.path} (view ${root.view}) disagrees with the backend's read-back: ${difference}`);
      }
      return outcomes;
    },
    stats(): BackendStats {
      const stats = backend.stats();
      return { ...stats, roundTrips: stats.roundTrips - oracleTrips };
    },
    close: () => backend.close(),
  };
}

/** A backend on the live (wine) registry over the host's shared session. */
export function openLiveBackend(host: WindowsHost): Promise<RegistryBackend> {
  return createPowerShellBackend({ session: host.session });
}
