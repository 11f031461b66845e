import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { foldName } from '../../../src/model/fold-name.js';
import type { KeyRef } from '../../../src/model/key-ref.js';
import { PowerShell } from 'node-powershell';
import type { RegistryBackend, WriteOp } from '../../../src/registry/backend.js';
import { createPowerShellBackend } from '../../../src/registry/powershell/powershell-backend.js';
import { asKeyName, corpusDataOps, expectCorpusData, hostileStrings } from './hostile-strings.js';
import { describeWithPwsh, tempDir } from './pwsh-helper.js';

describeWithPwsh('hostile strings cross the PowerShell boundary as data (real pwsh)', (pwsh) => {
  let dir: string;
  let canaryDir: string;
  let cleanup: () => Promise<void>;
  let backend: RegistryBackend;
  let corpus: string[];
  const base: KeyRef = { hive: 'HKCU', path: 'Software\\Injection', view: 64 };
  const under = (path: string): KeyRef => ({ ...base, path: `${base.path}\\${path}` });

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir());
    canaryDir = join(dir, 'canaries');
    await mkdir(canaryDir);
    corpus = hostileStrings((n) => join(canaryDir, `canary-${n}`));
    // The hive file's own name is hostile too; relative canaries would land in pwsh's working directory.
    const hiveName = `hive '$(New-Item -ItemType File -Path canary-hive)' \u201C$(New-Item canary-hive2)\u201D; & New-Item canary-hive3.json`;
    backend = await createPowerShellBackend({ executable: pwsh(), simulatedHive: join(dir, hiveName), platform: 'linux' });
  });
  afterAll(async () => {
    await backend?.close();
    await cleanup?.();
  });
  afterEach(() => {
    expect(readdirSync(canaryDir)).toEqual([]);
    expect(readdirSync(process.cwd()).filter((f) => f.startsWith('canary'))).toEqual([]);
  });

  test('the corpus is large and systematic', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(200);
  });

  test('control: the same payload does run through node-powershell\'s string template, so the canary would catch a leak', async () => {
    const canary = join(canaryDir, 'control');
    const payload = `$(New-Item -ItemType File -Path '${canary}')`;
    await PowerShell.invoke(PowerShell.command`Write-Output ${payload}`, { executable: pwsh(), executableOptions: { '-NoProfile': true, '-NonInteractive': true } });
    expect(existsSync(canary)).toBe(true);
    await rm(canary);
  });

  async function writeAll(ops: WriteOp[]): Promise<void> {
    const outcomes = await backend.write(ops);
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
  }

  test('as key names: one write, one read, names byte-identical', async () => {
    const names = corpus.map(asKeyName).filter((s, i, all) => all.findIndex((t) => foldName(t) === foldName(s)) === i);
    const trips = backend.stats().roundTrips;
    await writeAll(names.map((name, i) => ({ op: 'set-value', key: under(`Keys\\${name}`), name: 'index', value: { type: 'REG_DWORD', data: i } })));
    const live = await backend.read([{ key: under('Keys'), recursive: true }]);
    expect(backend.stats().roundTrips).toBe(trips + 2);
    const [parent, ...children] = live;
    expect(parent?.subkeys).toEqual(names);
    expect(children.map((c) => c.key.path)).toEqual(names.map((n) => under(`Keys\\${n}`).path));
    expect(children.map((c) => c.values)).toEqual(names.map((_, i) => [{ name: 'index', value: { type: 'REG_DWORD', data: i } }]));
  });

  test('as value names: one write, one read, names byte-identical', async () => {
    const names = corpus.filter((s) => s.length <= 16383);
    await writeAll(names.map((name, i) => ({ op: 'set-value', key: under('Names'), name, value: { type: 'REG_DWORD', data: i } })));
    const [live] = await backend.read([{ key: under('Names') }]);
    expect(live?.values.map((v) => v.name)).toEqual(names);
    expect(live?.values.map((v) => Buffer.from(v.name, 'utf8').toString('hex'))).toEqual(names.map((n) => Buffer.from(n, 'utf8').toString('hex')));
    expect(live?.values.map((v) => v.value)).toEqual(names.map((_, i) => ({ type: 'REG_DWORD', data: i })));
  });

  test('as REG_SZ, REG_EXPAND_SZ and REG_MULTI_SZ data: one write, one read, data byte-identical', async () => {
    await writeAll(corpusDataOps(corpus, under('Data')));
    const [live] = await backend.read([{ key: under('Data') }]);
    expectCorpusData(live, corpus);
  });
});
