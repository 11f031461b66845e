import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { copyFile } from 'node:fs/promises';
import { agpmConfig, agpmSnapshot, bin, repoRoot } from './cli-harness.js';

// Every module the CLI process loads, ESM (a resolve hook) and CommonJS (the require cache at exit),
// written to $IMPORT_LOG: what `validate` of a valid file pays for at start. The CLI is a bundle
// (scripts/build-cli.js): a file of it that is loaded counts as every source module esbuild put in it,
// as its metafile lists them.
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

  // The bundle's files by path, each with the source modules it holds (paths from the package root).
  async function bundleInputs(): Promise<Map<string, string[]>> {
    const meta = JSON.parse(await readFile(join(repoRoot, 'dist', 'cli-bundle.meta.json'), 'utf8')) as { outputs: Record<string, { inputs: Record<string, unknown> }> };
    return new Map(Object.entries(meta.outputs).map(([file, output]) => [join(repoRoot, file), Object.keys(output.inputs)]));
  }

  async function loadedBy(args: string[], log: string, env: Record<string, string> = {}): Promise<{ exitCode: number; stderr: string; files: string[]; modules: string[] }> {
    const result = await execa('node', ['--import', pathToFileURL(join(dir, 'preload.mjs')).href, bin, ...args], {
      cwd: repoRoot,
      env: { NO_COLOR: '1', IMPORT_LOG: join(dir, log), ...env },
      reject: false,
      timeout: 120_000,
    });
    const files = (await readFile(join(dir, log), 'utf8'))
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => (l.startsWith('file:') ? fileURLToPath(l) : l));
    const bundled = await bundleInputs();
    const modules = files.flatMap((file) => bundled.get(file) ?? [file]);
    return { exitCode: result.exitCode ?? -1, stderr: String(result.stderr), files, modules };
  }
  const heavy = (modules: string[]) => modules.filter((m) => /node_modules[\\/](?:yaml|string-width|ajv[\\/]dist[\\/](?:2020|compile|core))[\\/.]/.test(m));

  test('validate of a valid file loads neither the yaml library, ajv\'s compiler nor string-width', async () => {
    const { exitCode, files, modules } = await loadedBy(['validate', agpmConfig], 'valid.log');
    expect(exitCode).toBe(0);
    // the log is real: js-yaml, which loads the file, is in it
    expect(modules.some((m) => /node_modules[\\/]js-yaml[\\/]/.test(m))).toBe(true);
    expect(heavy(modules)).toEqual([]);
    // the CLI runs from its bundle: no compiled module of dist/ is loaded on its own (the prebuilt
    // schema validator, required from beside dist/config/, is not JavaScript the bundle can hold)
    expect(files.some((f) => f.startsWith(join(repoRoot, 'dist', 'cli-bundle')))).toBe(true);
    expect(files.filter((f) => f.startsWith(join(repoRoot, 'dist')) && !f.startsWith(join(repoRoot, 'dist', 'cli-bundle')) && !f.endsWith('.cjs'))).toEqual([]);
    // nor does it resolve its dependencies one module at a time (ajv's runtime, which that validator requires, aside)
    expect(files.filter((f) => /node_modules[\\/](?!ajv[\\/])/.test(f))).toEqual([]);
  });

  test('a file with an error loads the reference path and reports the error with its position', async () => {
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'version: 1\nkeys:\n  - path: HKLM\\SOFTWARE\\X\n    values:\n      - { name: a, type: REG_DWORD, data: x }\n');
    const { exitCode, stderr, modules } = await loadedBy(['validate', bad], 'invalid.log');
    expect(exitCode).toBe(1);
    expect(stderr).toContain('bad.yaml:5:43: keys[0].values[0].data: REG_DWORD data must be an integer');
    expect(heavy(modules).some((m) => /node_modules[\\/]yaml[\\/]/.test(m))).toBe(true);
  });

  // A run on a .reg file uses neither PowerShell nor a saved plan: node-powershell (and the agent
  // protocol), the yaml library (the saved-plan reader's) and execa (Windows' icacls) stay unloaded.
  const notForRegFile = (modules: string[]) => modules.filter((m) => /node_modules[\\/](?:yaml|node-powershell|child-shell|execa)[\\/]|powershell-session/.test(m));

  test('plan and apply of a config on a .reg file load neither PowerShell\'s modules, the yaml library nor execa', async () => {
    const reg = join(dir, 'target.reg');
    await copyFile(agpmSnapshot, reg);
    const plan = await loadedBy(['plan', agpmConfig, '--registry', reg], 'plan.log');
    expect(plan.exitCode).toBe(0);
    expect(plan.modules.some((m) => /reg-file-backend/.test(m))).toBe(true);
    expect(notForRegFile(plan.modules)).toEqual([]);
    const apply = await loadedBy(['apply', agpmConfig, '--registry', reg, '--auto-approve', '--state-dir', join(dir, 'state')], 'apply.log');
    expect(apply.stderr).toBe('');
    expect(apply.exitCode).toBe(0);
    expect(apply.modules.some((m) => /journal/.test(m))).toBe(true);
    expect(notForRegFile(apply.modules)).toEqual([]);
    // the check can fail: a saved plan's apply does load the yaml library
    const saved = join(dir, 'saved.json');
    expect((await loadedBy(['plan', agpmConfig, '--registry', reg, '--out', saved], 'save.log')).exitCode).toBe(0);
    const fromPlan = await loadedBy(['apply', saved, '--auto-approve', '--state-dir', join(dir, 'state')], 'saved.log');
    expect(fromPlan.exitCode).toBe(0);
    expect(notForRegFile(fromPlan.modules).some((m) => /node_modules[\\/]yaml[\\/]/.test(m))).toBe(true);
  });
});
