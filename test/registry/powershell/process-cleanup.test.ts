import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import ts from 'typescript';
import { fixturesDir, repoRoot, tempDir } from './pwsh-helper.js';

// A child PowerShell must not outlive Node. The session module runs in a real Node process
// (transpiled here, since plain node cannot load .ts), starts a fake PowerShell that hangs and
// ignores SIGTERM, and then that Node process is ended in each way it can end.

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A killed child whose new parent has not reaped it yet is a zombie: it is no longer running.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    // No /proc (not Linux): the signal check above is all there is.
    return true;
  }
}

async function waitUntilGone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && isRunning(pid); i++) await new Promise((r) => setTimeout(r, 50));
  return !isRunning(pid);
}

const HARNESS = `
import { PowerShellSession } from './powershell-session.js';
const session = new PowerShellSession({ executable: process.argv[2], timeoutMs: 600000, env: { ...process.env, FAKE_PWSH_MODE: 'hang' } });
session.request({ op: 'read', keys: [] }).catch(() => undefined);
await new Promise((r) => setTimeout(r, 300));
console.log('pid ' + session.pid);
process.stdin.on('data', (d) => { if (String(d).startsWith('exit')) process.exit(0); });
setInterval(() => undefined, 1000);
`;

describe('no PowerShell process outlives Node', () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('regstate-cleanup-'));
    const src = join(repoRoot, 'src');
    const transpile = (from: string, to: string, rewrite: (code: string) => string = (c) => c): void => {
      const out = ts.transpileModule(readFileSync(from, 'utf8'), { compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 } });
      writeFileSync(to, rewrite(out.outputText));
    };
    const toErrors = (code: string): string => code.replace("'../../errors.js'", "'./errors.js'");
    transpile(join(src, 'registry/powershell/powershell-session.ts'), join(dir, 'powershell-session.js'), toErrors);
    transpile(join(src, 'registry/powershell/answer-line.ts'), join(dir, 'answer-line.js'), toErrors);
    transpile(join(src, 'errors.ts'), join(dir, 'errors.js'));
    mkdirSync(join(dir, 'model'));
    transpile(join(src, 'model/display-text.ts'), join(dir, 'model/display-text.js'));
    for (const script of ['agent.ps1', 'simulated-hive.ps1']) copyFileSync(join(src, 'registry/powershell', script), join(dir, script));
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
    writeFileSync(join(dir, 'harness.js'), HARNESS);
    symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'));
  });
  afterAll(() => cleanup?.());

  async function startHarness(): Promise<{ node: ChildProcess; pid: number }> {
    const node = spawn(process.execPath, [join(dir, 'harness.js'), join(fixturesDir, 'fake-pwsh.mjs')], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: node.stdout! });
    const [line] = (await once(lines, 'line')) as [string];
    const pid = Number(/^pid (\d+)$/.exec(line)?.[1]);
    expect(pid).toBeGreaterThan(0);
    expect(isRunning(pid)).toBe(true);
    return { node, pid };
  }

  test.each(['SIGTERM', 'SIGINT'] as const)('on %s the child is killed and Node still ends by the signal', async (signal) => {
    const { node, pid } = await startHarness();
    const exited = once(node, 'exit');
    node.kill(signal);
    const [code, how] = (await exited) as [number | null, NodeJS.Signals | null];
    expect({ code, how }).toEqual({ code: null, how: signal });
    expect(await waitUntilGone(pid)).toBe(true);
  });

  test('on process.exit() the child is killed', async () => {
    const { node, pid } = await startHarness();
    const exited = once(node, 'exit');
    node.stdin!.write('exit\n');
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
    expect(await waitUntilGone(pid)).toBe(true);
  });
});
