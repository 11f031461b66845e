// regstate.exe (Node single executable for Windows) under wine, compared with the Linux CLI.
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { agpmConfig, agpmSnapshot, bin, repoRoot } from '../cli/cli-harness.js';
import { WinePrefix, describeWine } from '../wine-prefix.js';
import { type ExeResult, ensureExeBuilt, runExe } from './exe-harness.js';

const badConfig = 'version: 1\nkeys:\n  - path: HKXX\\SOFTWARE\\X\n    values:\n      - name: A\n        type: REG_DWORD\n        data: 4294967296\n';

// The one difference allowed between the two: how each names its own working directory.
function normalize(text: string, dir: string): string {
  const windowsDir = `Z:${dir.replaceAll('/', '\\')}\\`;
  const inJson = JSON.stringify(windowsDir).slice(1, -1);
  return text.replaceAll(inJson, '<dir>/').replaceAll(windowsDir, '<dir>/').replaceAll(`${dir}/`, '<dir>/');
}

function comparable(result: ExeResult, dir: string) {
  return { exitCode: result.exitCode, stdout: normalize(result.stdout, dir), stderr: normalize(result.stderr, dir) };
}

describeWine('regstate.exe under wine', () => {
  let wine: WinePrefix;
  let linuxDir: string;
  let exeDir: string;
  const exe = (args: string[]) => runExe(wine, args, exeDir, { NO_COLOR: '1' });
  // As runCli, but keeping the final newline, which the exe's output keeps too.
  const linux = async (args: string[]): Promise<ExeResult> => {
    const result = await execa('node', [bin, ...args], { cwd: linuxDir, env: { NO_COLOR: '1' }, reject: false, stripFinalNewline: false, timeout: 120_000 });
    return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
  };
  // Runs the same command line in both directories and expects the same outcome, paths aside.
  async function expectSame(args: string[]): Promise<ExeResult> {
    const [fromExe, fromLinux] = [await exe(args), await linux(args)];
    expect(comparable(fromExe, exeDir)).toEqual(comparable(fromLinux, linuxDir));
    return fromExe;
  }

  beforeAll(async () => {
    await ensureExeBuilt();
    // A copy of the provisioned prefix (booted, Windows 10: Node 20 refuses Windows 7), with its own persistent wineserver.
    wine = await WinePrefix.create();
    const parent = await mkdtemp(join(tmpdir(), 'regstate-exe-'));
    [linuxDir, exeDir] = [join(parent, 'linux'), join(parent, 'exe')];
    for (const dir of [linuxDir, exeDir]) {
      await mkdir(dir);
      await cp(agpmConfig, join(dir, 'agpm.yaml'));
      await cp(agpmSnapshot, join(dir, 'server.reg'));
      await writeFile(join(dir, 'bad.yaml'), badConfig);
    }
  }, 300_000);
  afterAll(async () => {
    await wine?.dispose();
    if (linuxDir) await rm(join(linuxDir, '..'), { recursive: true, force: true });
  });

  test('--version says it is the single executable, on Windows x64', async () => {
    const pkg = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    expect(await exe(['--version'])).toEqual({ exitCode: 0, stdout: `regstate ${pkg.version} (single executable, Node.js ${process.versions.node}, win32-x64)\n`, stderr: '' });
  });

  test('validate: a valid file, and every error of a bad one as FILE:LINE:COLUMN, as the Linux CLI prints them', async () => {
    expect(await expectSame(['validate', 'agpm.yaml'])).toMatchObject({ exitCode: 0 });
    const bad = await expectSame(['validate', 'bad.yaml']);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toMatch(/^bad\.yaml:3:\d+: /m);
  }, 120_000);

  test('the embedded schema is the shipped one', async () => {
    const schema = await expectSame(['schema']);
    expect(schema.stdout).toBe(await readFile(join(repoRoot, 'configs', 'regstate.schema.json'), 'utf8'));
  });

  test('plan as text, json and markdown, byte for byte the Linux CLI\'s', async () => {
    for (const format of ['text', 'json', 'markdown']) {
      const plan = await expectSame(['plan', 'agpm.yaml', '--registry', 'server.reg', '--format', format, '--detailed-exitcode']);
      expect(plan.exitCode).toBe(2);
    }
  }, 120_000);

  test('plan --out, show, apply the saved plan, re-plan clean, a stale plan refused, rollback: the .reg files as the Linux CLI writes them', async () => {
    const original = await readFile(agpmSnapshot);
    const readBoth = async (file: string) => [await readFile(join(exeDir, file)), await readFile(join(linuxDir, file))];

    await expectSame(['plan', 'agpm.yaml', '--registry', 'server.reg', '--out', 'agpm.plan.json']);
    const [exePlan, linuxPlan] = (await readBoth('agpm.plan.json')).map((bytes) => JSON.parse(bytes!.toString('utf8')) as Record<string, any>);
    const samePlanPart = (plan: Record<string, any>) => ({ ...plan, createdAt: undefined, target: undefined, configs: plan.configs.map((c: { sha256: string }) => c.sha256) });
    expect(samePlanPart(exePlan!)).toEqual(samePlanPart(linuxPlan!));
    expect(exePlan!.target).toEqual({ backend: 'regfile', file: `Z:${exeDir.replaceAll('/', '\\')}\\server.reg` });
    for (const format of ['text', 'markdown']) await expectSame(['show', 'agpm.plan.json', '--format', format]);

    expect(await expectSame(['apply', 'agpm.plan.json', '--state-dir', 'state'])).toMatchObject({ exitCode: 0 });
    const [exeApplied, linuxApplied] = await readBoth('server.reg');
    expect(exeApplied!.equals(linuxApplied!)).toBe(true);
    expect(exeApplied!.equals(original)).toBe(false);

    expect(await expectSame(['plan', 'agpm.yaml', '--registry', 'server.reg', '--detailed-exitcode'])).toMatchObject({ exitCode: 0 });

    // The saved plan's `before` no longer holds: nothing is written.
    const stale = await expectSame(['apply', 'agpm.plan.json', '--state-dir', 'state']);
    expect(stale.exitCode).toBe(1);
    expect(stale.stderr).toContain('stale plan');
    expect((await readFile(join(exeDir, 'server.reg'))).equals(exeApplied!)).toBe(true);

    const rollback = await exe(['rollback', '--auto-approve', '--state-dir', 'state']);
    expect(rollback).toMatchObject({ exitCode: 0, stderr: '' });
    expect(rollback.stdout).toContain('Rollback complete');
    expect((await readFile(join(exeDir, 'server.reg'))).equals(original)).toBe(true);
  }, 300_000);

  test('with no --powershell, Wine\'s stub powershell.exe is named with how to choose another, exit 1', async () => {
    const result = await exe(['plan', 'agpm.yaml']);
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^regstate: error: PowerShell \(C:\\windows\\system32\\WindowsPowerShell\\v1\.0\\powershell\.exe\) exited .*before it answered.*--powershell PATH or the REGSTATE_POWERSHELL environment variable\n$/i);
  });

  // The live registry through the Windows PowerShell host that npm test provisions (the .exe itself:
  // regstate.exe already runs inside wine); REGSTATE_TEST_WINDOWS_PWSH names another.
  const windowsPwsh = process.env['REGSTATE_TEST_WINDOWS_PWSH'] ?? join(repoRoot, '.tools', 'windows-pwsh', 'pwsh.exe');
  test('apply, clean re-plan and rollback against wine\'s live registry, through a Windows PowerShell', async () => {
    const powershell = `Z:${windowsPwsh.replaceAll('/', '\\')}`;
    const key = 'HKLM\\SOFTWARE\\Microsoft\\AGPM';
    const live = ['--powershell', powershell, '--state-dir', 'live-state'];
    expect(await runExe(wine, ['apply', 'agpm.yaml', '--auto-approve', ...live], exeDir)).toMatchObject({ exitCode: 0, stderr: '' });
    const values = await wine.query(key);
    expect([values.get('EncryptSmtp'), values.get('SmtpPort')]).toEqual([['REG_DWORD', '0x1'], ['REG_DWORD', '0x24b']]);
    // REGSTATE_POWERSHELL chooses it as well as --powershell does.
    expect(await runExe(wine, ['plan', 'agpm.yaml', '--detailed-exitcode'], exeDir, { REGSTATE_POWERSHELL: powershell })).toMatchObject({ exitCode: 0, stderr: '' });
    expect(await runExe(wine, ['rollback', '--auto-approve', ...live], exeDir)).toMatchObject({ exitCode: 0, stderr: '' });
    expect((await wine.tryReg('query', key)).exitCode).not.toBe(0);
  }, 300_000);

  test('the exe was built (CI must not skip these tests)', () => {
    expect(existsSync(join(repoRoot, 'dist-exe', 'regstate.exe'))).toBe(true);
  });
});
