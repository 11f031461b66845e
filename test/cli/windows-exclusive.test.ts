import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import type { KeyRef } from '../../src/model/key-ref.js';
import { foldName } from '../../src/model/fold-name.js';
import { WinePrefix, describeWine } from '../wine-prefix.js';
import { type KeyImage, exportImage, windowsPwsh } from '../windows-host.js';
import { readJson, runCli, tempWorkspace } from './cli-harness.js';

// Each CLI run starts its own Windows pwsh under wine (about 10 s on an idle machine).
jest.setTimeout(600_000);

const ROOT: KeyRef = { hive: 'HKLM', path: 'SOFTWARE\\RegstateTest', view: 64 };
const KEY = 'HKLM\\SOFTWARE\\RegstateTest\\Exclusive';

// Keep is declared (5 → 1); Extra and Blob are not; Old is an undeclared subtree; Declared holds a
// declared key, so it stays with its own undeclared value Side (only the exclusive key itself is cleaned).
const config = `version: 1
keys:
  - path: ${KEY}
    exclusive: subkeys
    values:
      - { name: Keep, type: REG_DWORD, data: 1 }
  - path: ${KEY}\\Declared\\Inner
    values:
      - { name: In, type: REG_SZ, data: in }
`;

const path = (tail: string) => foldName(`${ROOT.path}\\${tail}`);

describeWine('an exclusive key on the Windows registry (wine) through a Windows PowerShell, from Linux', () => {
  let wine: WinePrefix;
  let dir: string;
  let cli: (args: string[]) => ReturnType<typeof runCli>;
  const exported = async (): Promise<KeyImage> => exportImage(wine, ROOT);

  beforeAll(async () => {
    const executable = windowsPwsh();
    wine = await WinePrefix.create();
    ({ dir } = await tempWorkspace());
    const state = (args: string[]) => (args[0] === 'plan' ? [] : ['--state-dir', join(dir, 'state')]);
    cli = (args) => runCli([...args, '--powershell', executable, ...state(args)], { env: wine.env() });
    await wine.reg('add', KEY, '/v', 'Keep', '/t', 'REG_DWORD', '/d', '5', '/f');
    await wine.reg('add', KEY, '/v', 'Extra', '/t', 'REG_SZ', '/d', 'undeclared', '/f');
    await wine.reg('add', KEY, '/v', 'Blob', '/t', 'REG_BINARY', '/d', '00ff10', '/f');
    await wine.reg('add', `${KEY}\\Old\\Deeper`, '/v', 'Q', '/t', 'REG_QWORD', '/d', '0x1234567890', '/f');
    await wine.reg('add', `${KEY}\\Old`, '/v', 'Multi', '/t', 'REG_MULTI_SZ', '/d', 'a\\0b', '/f');
    await wine.reg('add', `${KEY}\\Declared`, '/v', 'Side', '/t', 'REG_SZ', '/d', 'side', '/f');
    await wine.reg('add', `${KEY}\\Declared\\Inner`, '/v', 'In', '/t', 'REG_SZ', '/d', 'in', '/f');
    // a sibling of the exclusive key: never touched
    await wine.reg('add', 'HKLM\\SOFTWARE\\RegstateTest\\Sibling', '/v', 'S', '/t', 'REG_SZ', '/d', 'sibling', '/f');
    await writeFile(join(dir, 'exclusive.yaml'), config);
  }, 180_000);
  afterAll(async () => {
    await wine?.dispose();
  }, 60_000);

  test('plan (saved), apply the saved plan: reg export shows only the declared contents; rollback gives every value and subtree back', async () => {
    const cfg = join(dir, 'exclusive.yaml');
    const seeded = await exported();
    expect(seeded.get(path('Exclusive\\Old\\Deeper'))).toEqual([['Q', { type: 'REG_QWORD', data: '78187493520' }]]);

    const planFile = join(dir, 'plan.json');
    const planned = await cli(['plan', cfg, '--detailed-exitcode', '--out', planFile]);
    expect(planned.stderr).toBe('');
    expect(planned.exitCode).toBe(2);
    const saved = await readJson(planFile);
    expect(saved.formatVersion).toBe(3);
    expect(saved.target).toMatchObject({ backend: 'powershell' });
    expect(saved.target.simulatedHive).toBeUndefined();
    expect(saved.changes.map((c: { action: string; key: string; name: string | null }) => `${c.action} ${c.key} ${c.name}`).sort()).toEqual(
      [`delete ${KEY} Blob`, `delete ${KEY} Extra`, `delete-key ${KEY}\\Old null`, `update ${KEY} Keep`].sort(),
    );
    expect(saved.exclusiveKeys).toEqual([
      expect.objectContaining({ key: KEY, view: 64, mode: 'subkeys', values: expect.arrayContaining(['Keep', 'Extra', 'Blob']), subkeys: expect.arrayContaining(['Old', 'Declared']) }),
    ]);

    const applied = await cli(['apply', planFile]);
    expect(applied.stderr).toBe('');
    expect(applied.exitCode).toBe(0);
    const expected: KeyImage = new Map(seeded);
    for (const key of [...expected.keys()]) if (key.startsWith(path('Exclusive\\Old'))) expected.delete(key);
    expected.set(path('Exclusive'), [['Keep', { type: 'REG_DWORD', data: 1 }]]);
    expect(Object.fromEntries(await exported())).toEqual(Object.fromEntries(expected));
    // what the Windows layer reads agrees: nothing left to delete
    expect((await cli(['plan', cfg, '--detailed-exitcode'])).exitCode).toBe(0);

    const rolled = await cli(['rollback', '--auto-approve']);
    expect(rolled.stderr).toBe('');
    expect(rolled.exitCode).toBe(0);
    expect(Object.fromEntries(await exported())).toEqual(Object.fromEntries(seeded));
  });
});
