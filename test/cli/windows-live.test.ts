import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import type { KeyRef } from '../../src/model/key-ref.js';
import type { RegistryValue } from '../../src/model/registry-value.js';
import { valueToJson } from '../../src/model/value-json.js';
import { foldName } from '../../src/model/fold-name.js';
import { WinePrefix, describeWine } from '../wine-prefix.js';
import { type KeyImage, exportImage, windowsPwsh } from '../windows-host.js';
import { pwsh, readJson, runCli, tempWorkspace } from './cli-harness.js';

// Each CLI run starts its own Windows pwsh under wine (about 10 s on an idle machine).
jest.setTimeout(600_000);

const CLI: KeyRef = { hive: 'HKLM', path: 'SOFTWARE\\RegstateTest\\Cli', view: 64 };
const CLI32: KeyRef = { ...CLI, view: 32 };
const REG_KEY = 'HKLM\\SOFTWARE\\RegstateTest\\Cli';

// Every writable kind at its edges, the default value, non-ASCII, both views, ensure: absent on a value and a tree.
const config = `version: 1
keys:
  - path: HKLM\\SOFTWARE\\RegstateTest\\Cli
    values:
      - name: ""
        type: REG_SZ
        data: the default
      - name: DwordMax
        type: REG_DWORD
        data: 4294967295
      - name: QwordMax
        type: REG_QWORD
        data: "18446744073709551615"
      - name: Multi
        type: REG_MULTI_SZ
        data: [first, Grüße, 日本語]
      - name: EmptyMulti
        type: REG_MULTI_SZ
        data: []
      - name: EmptyBinary
        type: REG_BINARY
        data: ""
      - name: None
        type: REG_NONE
        data: "de ad"
      - name: Expand
        type: REG_EXPAND_SZ
        data: '%SystemRoot%\\System32'
      - name: Név 😀
        type: REG_SZ
        data: 값 ünïcode
      - name: Stale
        ensure: absent
  - path: HKLM\\SOFTWARE\\RegstateTest\\Cli
    view: 32
    values:
      - name: Bits
        type: REG_DWORD
        data: 32
  - path: HKLM\\SOFTWARE\\RegstateTest\\Cli\\Old
    ensure: absent
`;

const desired: [string, RegistryValue][] = [
  ['', { type: 'REG_SZ', data: 'the default' }],
  ['DwordMax', { type: 'REG_DWORD', data: 0xffffffff }],
  ['QwordMax', { type: 'REG_QWORD', data: 2n ** 64n - 1n }],
  ['Multi', { type: 'REG_MULTI_SZ', data: ['first', 'Grüße', '日本語'] }],
  ['EmptyMulti', { type: 'REG_MULTI_SZ', data: [] }],
  ['EmptyBinary', { type: 'REG_BINARY', data: new Uint8Array() }],
  ['None', { type: 'REG_NONE', data: new Uint8Array([0xde, 0xad]) }],
  ['Expand', { type: 'REG_EXPAND_SZ', data: '%SystemRoot%\\System32' }],
  ['Név 😀', { type: 'REG_SZ', data: '값 ünïcode' }],
];

function image(keys: [string, [string, RegistryValue][]][]): Record<string, unknown> {
  const out: KeyImage = new Map();
  for (const [path, values] of keys) {
    out.set(foldName(path), [...values].sort((a, b) => (foldName(a[0]) < foldName(b[0]) ? -1 : 1)).map(([n, v]) => [n, valueToJson(v)]));
  }
  return Object.fromEntries(out);
}

describeWine('the CLI drives the Windows registry through a Windows PowerShell (wine), from Linux', () => {
  let wine: WinePrefix;
  let dir: string;
  let cli: (args: string[]) => ReturnType<typeof runCli>;
  const exported = async () => ({ v64: Object.fromEntries(await exportImage(wine, CLI)), v32: Object.fromEntries(await exportImage(wine, CLI32)) });

  beforeAll(async () => {
    const executable = windowsPwsh();
    wine = await WinePrefix.create();
    ({ dir } = await tempWorkspace());
    const state = (args: string[]) => (args[0] === 'plan' ? [] : ['--state-dir', join(dir, 'state')]);
    cli = (args) => runCli([...args, '--powershell', executable, ...state(args)], { env: wine.env() });
    // What the server holds before: a value to update, one to delete, a tree to delete, the 32-bit twin.
    await wine.reg('add', REG_KEY, '/v', 'DwordMax', '/t', 'REG_DWORD', '/d', '5', '/f');
    await wine.reg('add', REG_KEY, '/v', 'Stale', '/t', 'REG_SZ', '/d', 'old', '/f');
    await wine.reg('add', `${REG_KEY}\\Old\\Child`, '/v', 'c', '/t', 'REG_DWORD', '/d', '1', '/f');
    await wine.reg('add', REG_KEY, '/v', 'Bits', '/t', 'REG_DWORD', '/d', '0', '/f', '/reg:32');
    await writeFile(join(dir, 'config.yaml'), config);
  }, 180_000);
  afterAll(async () => {
    await wine?.dispose();
  }, 60_000);

  test('plan, saved plan, apply, converged; rollback restores; a stale saved plan is refused with nothing written', async () => {
    const cfg = join(dir, 'config.yaml');
    const seeded = await exported();
    // `reg add KEY` also gives the key an empty default value (a wine quirk, see wine-prefix.ts).
    expect(seeded.v64[foldName(CLI.path)]).toEqual(expect.arrayContaining([['DwordMax', { type: 'REG_DWORD', data: 5 }]]));

    const planFile = join(dir, 'plan.json');
    const planned = await cli(['plan', cfg, '--detailed-exitcode', '--out', planFile]);
    expect(planned.stderr).toBe('');
    expect(planned.exitCode).toBe(2);
    const saved = await readJson(planFile);
    expect(saved.target).toMatchObject({ backend: 'powershell' });
    expect(saved.target.simulatedHive).toBeUndefined();

    const applied = await cli(['apply', planFile]);
    expect(applied.stderr).toBe('');
    expect(applied.exitCode).toBe(0);
    expect(await exported()).toEqual({ v64: image([[CLI.path, desired]]), v32: image([[CLI.path, [['Bits', { type: 'REG_DWORD', data: 32 }]]]]) });
    expect((await cli(['plan', cfg, '--detailed-exitcode'])).exitCode).toBe(0);

    const rolled = await cli(['rollback', '--auto-approve']);
    expect(rolled.stderr).toBe('');
    expect(rolled.exitCode).toBe(0);
    expect(await exported()).toEqual(seeded);

    // Reviewed, then someone changes the server: the plan is refused whole and nothing is written.
    const stalePlan = join(dir, 'stale.json');
    expect((await cli(['plan', cfg, '--out', stalePlan])).exitCode).toBe(0);
    await wine.reg('add', REG_KEY, '/v', 'DwordMax', '/t', 'REG_DWORD', '/d', '9', '/f');
    const before = await exported();
    const refused = await cli(['apply', stalePlan]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/DwordMax was REG_DWORD 5 \(0x00000005\) when planned, but it is now REG_DWORD 9 \(0x00000009\)/);
    expect(await exported()).toEqual(before);
  });

  test('the same command with a Linux pwsh: that PowerShell has no registry (NO_REGISTRY), exit 1', async () => {
    const result = await runCli(['plan', join(dir, 'config.yaml'), '--powershell', pwsh]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toMatch(/PowerShell runs on Unix, which has no Windows registry/);
  });
});
