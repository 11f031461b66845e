import { readFile, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadInventory } from '../src/fleet/inventory.js';
import { repoRoot, runCli } from './cli/cli-harness.js';

// The README is read before anything else, docs/ next: their examples must stay true.
async function readmeBlock(after: string, lang: string, file = 'README.md'): Promise<string> {
  const text = await readFile(join(repoRoot, file), 'utf8');
  const start = text.indexOf(after);
  expect(start).toBeGreaterThanOrEqual(0);
  const match = new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(text.slice(start));
  if (!match?.[1]) throw new Error(`no ${lang} block after "${after}"`);
  return match[1];
}

describe('README and docs/', () => {
  test('the npm start output shown is what the command prints', async () => {
    const shown = await readmeBlock('`npm start` runs', '');
    const result = await runCli(['plan', 'configs/agpm-email-security.yaml', '--registry', 'configs/examples/agpm-server-snapshot.reg']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trim()).toBe(shown.trim());
  });

  test('the desired-state example validates', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'regstate-readme-'));
    const file = join(dir, 'example.yaml');
    await writeFile(file, await readmeBlock('## Desired-state files', 'yaml', 'docs/format.md'));
    expect(await runCli(['validate', file])).toMatchObject({ exitCode: 0 });
  });

  test('the exclusive-keys example validates', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'regstate-readme-'));
    const file = join(dir, 'exclusive.yaml');
    await writeFile(file, await readmeBlock('## Exclusive keys and undeclared values', 'yaml'));
    expect(await runCli(['validate', file])).toMatchObject({ exitCode: 0 });
  });

  test('the per-user example is the configs/ file, and the plan shown is what plan prints (exit 1: one user not reached)', async () => {
    const example = await readFile(join(repoRoot, 'configs', 'examples', 'per-user-outlook.yaml'), 'utf8');
    expect((await readmeBlock('## Per-user values', 'yaml')).trim()).toBe(example.trim());
    const shown = await readmeBlock('(a `reg export` of `ProfileList`', '');
    const result = await runCli(['plan', 'configs/examples/per-user-outlook.yaml', '--registry', 'configs/examples/users-snapshot.reg']);
    expect(result.exitCode).toBe(1);
    expect(result.stdout.trim()).toBe(shown.trim());
  });

  test('the validation errors shown are what validate prints', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'regstate-readme-'));
    await writeFile(join(dir, 'bad.yaml'), 'version: 1\nkeys:\n  - path: HKXX\\SOFTWARE\\X\n    values:\n      - name: A\n        type: REG_DWORD\n        data: 4294967296\n');
    const shown = (await readmeBlock('Validation reports every problem at once', '', 'docs/format.md')).split('\n').slice(1).join('\n');
    const result = await runCli(['validate', 'bad.yaml'], { cwd: dir });
    expect(result.exitCode).toBe(1);
    expect(result.stderr.trim()).toBe(shown.trim());
  });
});

describe('README: Fleet', () => {
  // The command is the block's first line after `$ regstate `; the rest is what it prints.
  async function shownRun(after: string): Promise<{ args: string[]; shown: string }> {
    const [command = '', ...rest] = (await readmeBlock(after, '')).split('\n');
    return { args: command.replace(/^\$ regstate /, '').split(' '), shown: rest.join('\n').trim() };
  }

  test('the variable error shown is what validate prints', async () => {
    const { args, shown } = await shownRun('A variable with no value anywhere');
    const result = await runCli(args);
    expect(result.exitCode).toBe(1);
    expect(result.stderr.trim()).toBe(shown);
  });

  test('the validate --inventory output shown is what it prints', async () => {
    const { args, shown } = await shownRun('checks the configs with every selected host');
    const result = await runCli(args);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.trim()).toBe(shown);
  });

  test('the inventory example loads', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'regstate-readme-'));
    const file = join(dir, 'inventory.yaml');
    await writeFile(file, await readmeBlock('lists the hosts a fleet run reaches', 'yaml'));
    const inventory = await loadInventory(file);
    expect(inventory.hosts.map((h) => [h.name, h.transport, h.vars.get('smtpPort')?.value])).toEqual([
      ['agpm01', 'winrm', undefined],
      ['agpm-eu1', 'winrm', 465],
      ['agpm-old1', 'winrm', 25],
      ['agpm-lab', 'ssh', undefined],
    ]);
  });
});

describe('documentation links', () => {
  test('every docs/ file the README, .ci/run and src/interop/README.md point to exists', async () => {
    const sources = ['README.md', '.ci/run', 'src/interop/README.md'];
    const named = new Set<string>();
    for (const source of sources) {
      for (const m of (await readFile(join(repoRoot, source), 'utf8')).matchAll(/docs\/[\w.-]+\.md/g)) named.add(m[0]);
    }
    expect(named.size).toBeGreaterThan(0);
    for (const doc of named) await expect(readFile(join(repoRoot, doc), 'utf8')).resolves.toMatch(/^# /);
  });
});
