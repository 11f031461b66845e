import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { agpmConfig, bin, repoRoot } from './cli-harness.js';

// Every module the CLI process loads, ESM (a resolve hook) and CommonJS (the require cache at exit),
// written to $IMPORT_LOG: what `validate` of a valid file pays for at start.
const HOOKS = `
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const found = await next(specifier, context);
  appendFileSync(process.env.IMPORT_LOG, found.url + '\\n');
  return found;
}
`;
const PRELOAD = (hooks: string) => `
import { register, createRequire } from 'node:module';
import { appendFileSync } from 'node:fs';
register(${JSON.stringify(hooks)});
process.on('exit', () => appendFileSync(process.env.IMPORT_LOG, Object.keys(createRequire(import.meta.url).cache).join('\\n') + '\\n'));
`;

describe('cold start: a command loads only what it needs', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'regstate-imports-'));
    await writeFile(join(dir, 'hooks.mjs'), HOOKS);
    await writeFile(join(dir, 'preload.mjs'), PRELOAD(pathToFileURL(join(dir, 'hooks.mjs')).href));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  async function loadedBy(args: string[], log: string): Promise<{ exitCode: number; stderr: string; modules: string[] }> {
    const result = await execa('node', ['--import', pathToFileURL(join(dir, 'preload.mjs')).href, bin, ...args], {
      cwd: repoRoot,
      env: { NO_COLOR: '1', IMPORT_LOG: join(dir, log) },
      reject: false,
      timeout: 120_000,
    });
    const modules = (await readFile(join(dir, log), 'utf8')).split('\n').filter((l) => l !== '');
    return { exitCode: result.exitCode ?? -1, stderr: String(result.stderr), modules };
  }
  const heavy = (modules: string[]) => modules.filter((m) => /node_modules[\\/](?:yaml|string-width|ajv[\\/]dist[\\/](?:2020|compile|core))[\\/.]/.test(m));

  test('validate of a valid file loads neither the yaml library, ajv\'s compiler nor string-width', async () => {
    const { exitCode, modules } = await loadedBy(['validate', agpmConfig], 'valid.log');
    expect(exitCode).toBe(0);
    // the log is real: js-yaml, which loads the file, is in it
    expect(modules.some((m) => /node_modules[\\/]js-yaml[\\/]/.test(m))).toBe(true);
    expect(heavy(modules)).toEqual([]);
  });

  test('a file with an error loads the reference path and reports the error with its position', async () => {
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'version: 1\nkeys:\n  - path: HKLM\\SOFTWARE\\X\n    values:\n      - { name: a, type: REG_DWORD, data: x }\n');
    const { exitCode, stderr, modules } = await loadedBy(['validate', bad], 'invalid.log');
    expect(exitCode).toBe(1);
    expect(stderr).toContain('bad.yaml:5:43: keys[0].values[0].data: REG_DWORD data must be an integer');
    expect(heavy(modules).some((m) => /node_modules[\\/]yaml[\\/]/.test(m))).toBe(true);
  });
});
