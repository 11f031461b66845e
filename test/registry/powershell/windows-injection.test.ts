import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import { PowerShell } from 'node-powershell';
import { foldName } from '../../../src/model/fold-name.js';
import type { KeyRef } from '../../../src/model/key-ref.js';
import type { RegistryBackend, WriteOp } from '../../../src/registry/backend.js';
import { type WindowsHost, WINDOWS_TIMEOUT_MS, describeWine, openLiveBackend, startWindowsHost, windowsPwsh, withExportOracle } from '../../windows-host.js';
import { asKeyName, corpusDataOps, expectCorpusData, hostileStrings } from './hostile-strings.js';
import { tempDir } from './pwsh-helper.js';

jest.setTimeout(WINDOWS_TIMEOUT_MS);

// The hostile corpus through the Windows layer (Windows pwsh under wine), checked by reg.exe's export.
describeWine('hostile strings cross the PowerShell boundary as data (Windows pwsh under wine)', () => {
  let host: WindowsHost;
  let dir: string;
  let canaryDir: string;
  let cleanup: () => Promise<void>;
  let backend: RegistryBackend;
  let corpus: string[];
  const base: KeyRef = { hive: 'HKCU', path: 'Software\\RegstateTest\\Injection', view: 64 };
  const under = (path: string): KeyRef => ({ ...base, path: `${base.path}\\${path}` });

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    canaryDir = join(dir, 'canaries');
    await mkdir(canaryDir);
    // A Unix path is a path on wine's Z: drive, so a payload that ran would create the canary here.
    // Payloads over 20,000 characters are left to the pwsh suite: through wine's pipes a request of
    // several megabytes takes minutes (size and chunking are tested in powershell-batching.test.ts).
    corpus = hostileStrings((n) => join(canaryDir, `canary-${n}`)).filter((s) => s.length <= 20_000);
    host = await startWindowsHost();
    // Keys named with CR or LF cannot be written in a .reg file: they go where the oracle does not look.
    backend = withExportOracle(await openLiveBackend(host), host.wine, [under('Keys'), under('Names'), under('Data')]);
  }, 180_000);
  afterAll(async () => {
    await host?.dispose();
    await cleanup?.();
  }, 60_000);
  afterEach(() => {
    expect(readdirSync(canaryDir)).toEqual([]);
  });

  test('control: the payload does run in this Windows pwsh through node-powershell\'s string template, so the canary would catch a leak', async () => {
    const canary = join(canaryDir, 'control');
    const payload = `$(New-Item -ItemType File -Path '${canary}')`;
    await PowerShell.invoke(PowerShell.command`Write-Output ${payload}`, {
      executable: windowsPwsh(),
      executableOptions: { '-NoProfile': true, '-NonInteractive': true },
      spawnOptions: { env: host.env },
    });
    expect(existsSync(canary)).toBe(true);
    await rm(canary);
  });

  async function writeAll(ops: WriteOp[]): Promise<void> {
    const outcomes = await backend.write(ops);
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
  }

  test('as key names: one write, one read, names identical', async () => {
    const names = corpus.map(asKeyName).filter((s, i, all) => all.findIndex((t) => foldName(t) === foldName(s)) === i);
    const parentOf = (name: string): string => (/[\r\n]/.test(name) ? 'KeysWithLineBreaks' : 'Keys');
    await writeAll(names.map((name, i) => ({ op: 'set-value', key: under(`${parentOf(name)}\\${name}`), name: 'index', value: { type: 'REG_DWORD', data: i } })));
    const live = await backend.read([{ key: under('Keys'), recursive: true }, { key: under('KeysWithLineBreaks'), recursive: true }]);
    const parents = live.filter((l) => l.key.path === under('Keys').path || l.key.path === under('KeysWithLineBreaks').path);
    expect(new Set(parents.flatMap((p) => p.subkeys))).toEqual(new Set(names));
    const byPath = new Map(live.map((c) => [c.key.path, c.values]));
    names.forEach((n, i) => expect(byPath.get(under(`${parentOf(n)}\\${n}`).path)).toEqual([{ name: 'index', value: { type: 'REG_DWORD', data: i } }]));
  });

  test('as value names: one write, one read, names identical', async () => {
    const names = corpus.filter((s) => s.length <= 16383);
    await writeAll(names.map((name, i) => ({ op: 'set-value', key: under('Names'), name, value: { type: 'REG_DWORD', data: i } })));
    const [live] = await backend.read([{ key: under('Names') }]);
    const byName = new Map(live?.values.map((v) => [v.name, v.value]));
    expect(byName.size).toBe(names.length);
    names.forEach((n, i) => expect(byName.get(n)).toEqual({ type: 'REG_DWORD', data: i }));
  });

  test('as REG_SZ, REG_EXPAND_SZ and REG_MULTI_SZ data: one write, one read, data identical', async () => {
    await writeAll(corpusDataOps(corpus, under('Data')));
    const [live] = await backend.read([{ key: under('Data') }]);
    expectCorpusData(live, corpus);
  });
});
