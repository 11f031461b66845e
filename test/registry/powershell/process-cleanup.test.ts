import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createInterface } from 'node:readline';
import { fixturesDir, repoRoot, tempDir } from './pwsh-helper.js';

// A child PowerShell must not outlive Node. The session module runs in a real Node process
// (the built dist/ module, since plain node cannot load .ts), starts a fake PowerShell that hangs and
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
const { PowerShellSession } = await import(process.argv[3]);
const session = new PowerShellSession({ executable: process.argv[2], timeoutMs: 600000, env: { ...process.env, FAKE_PWSH_MODE: 'hang' } });
session.request({ op: 'read', keys: [] }).catch(() => undefined);
await new Promise((r) => setTimeout(r, 300));
console.log('pid ' + session.pid);
process.stdin.on('data', (d) => { if (String(d).startsWith('exit')) process.exit(0); });
setInterval(() => undefined, 1000);
`;

const sessionModule = join(repoRoot, 'dist', 'registry', 'powershell', 'powershell-session.js');

describe('no PowerShell process outlives Node', () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('regstate-cleanup-'));
    // The session as built (npm test builds dist/ first), in a Node process of its own.
    writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
    writeFileSync(join(dir, 'harness.js'), HARNESS);
  });
  afterAll(() => cleanup?.());

  async function startHarness(): Promise<{ node: ChildProcess; pid: number }> {
    const node = spawn(process.execPath, [join(dir, 'harness.js'), join(fixturesDir, 'fake-pwsh.mjs'), pathToFileURL(sessionModule).href], { stdio: ['pipe', 'pipe', 'inherit'] });
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
