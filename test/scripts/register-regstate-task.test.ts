import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

const PWSH = path.resolve('.tools/pwsh');
const SCRIPT = path.resolve('scripts/Register-RegstateTask.ps1');
const FIXTURES = path.resolve('test/scripts/fixtures');
// Never skipped: without pwsh the suite fails with the command that installs it.
const describePwsh = (name: string, body: () => void): void =>
  describe(name, () => {
    beforeAll(() => {
      if (!existsSync(PWSH)) throw new Error('PowerShell 7 is missing from .tools/pwsh: run `bash scripts/provision-test-tools.sh` (npm test runs it)');
    });
    body();
  });

interface TaskDefinition {
  Action: string;
  TaskName: string;
  Execute: string;
  Arguments: string;
  WorkingDirectory: string;
  EveryMinutes: number;
  RepetitionInterval: string;
  Principal: { UserId: string; LogonType: string; RunLevel: string };
  Settings: { MultipleInstances: string; ExecutionTimeLimit: string };
  ConfigPath: string[];
}

function pwshFile(file: string, args: string[], env: Record<string, string> = {}) {
  return execa(PWSH, ['-NoProfile', '-NonInteractive', '-File', file, ...args], { reject: false, env: { ProgramData: '', ...env } });
}

async function definition(args: string[], env?: Record<string, string>): Promise<TaskDefinition> {
  const result = await pwshFile(SCRIPT, ['-DefinitionOnly', ...args], env);
  expect(result).toMatchObject({ exitCode: 0, stderr: '' });
  return JSON.parse(result.stdout) as TaskDefinition;
}

/** The argv a program gets when started with `execute` and the task's argument string, split by the Windows rules. */
async function argvOf(execute: string, commandLine: string): Promise<string[]> {
  const result = await pwshFile(path.join(FIXTURES, 'start-with-arguments.ps1'), ['-Execute', execute, '-Arguments', commandLine]);
  expect(result).toMatchObject({ exitCode: 0, stderr: '' });
  return JSON.parse(result.stdout) as string[];
}

describePwsh('Register-RegstateTask.ps1', () => {
  let tmp: string;
  let spaced: string;
  let quoted: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'regstate-task-'));
    await mkdir(path.join(tmp, 'Program Files', 'configs'), { recursive: true });
    spaced = path.join(tmp, 'Program Files', 'configs', 'agpm email.yaml');
    quoted = path.join(tmp, `it's a "quoted" config.yaml`);
    for (const file of [spaced, quoted]) await writeFile(file, 'keys: []\n');
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  test('pwsh is there (CI must not skip these tests)', () => {
    expect(existsSync(PWSH)).toBe(true);
  });

  test('defines the task: node + bin/regstate.js, every N minutes, as SYSTEM with highest privileges', async () => {
    const def = await definition(['-EveryMinutes', '15', '-NodePath', process.execPath, spaced, quoted], { ProgramData: 'D:\\Data' });
    const bin = path.resolve('bin/regstate.js');
    expect(def).toMatchObject({
      Action: 'Register',
      TaskName: 'regstate',
      Execute: process.execPath,
      WorkingDirectory: path.dirname(bin),
      EveryMinutes: 15,
      RepetitionInterval: 'PT15M',
      Principal: { UserId: 'SYSTEM', LogonType: 'ServiceAccount', RunLevel: 'Highest' },
      Settings: { MultipleInstances: 'IgnoreNew', ExecutionTimeLimit: 'PT15M' },
      ConfigPath: [spaced, quoted],
    });
    const quotedArg = `"${quoted.replace(/"/g, '\\"')}"`;
    expect(def.Arguments).toBe(
      `"${bin}" apply --auto-approve --report "D:\\Data\\regstate\\last-report.json" --state-dir "D:\\Data\\regstate" "${spaced}" ${quotedArg}`,
    );
  });

  test('node reads back exactly the paths, with spaces, quotes and trailing backslashes', async () => {
    const report = 'C:\\Reports\\last "run"\\';
    const stateDir = 'C:\\State Dir\\';
    const def = await definition([
      '-TaskName', 'regstate-agpm', '-NodePath', process.execPath, '-RegstatePath', path.join(FIXTURES, 'print-argv.js'),
      '-ReportPath', report, '-StateDir', stateDir, spaced, quoted,
    ]);
    expect(def.TaskName).toBe('regstate-agpm');
    expect(await argvOf(def.Execute, def.Arguments)).toEqual(['apply', '--auto-approve', '--report', report, '--state-dir', stateDir, spaced, quoted]);
  });

  test('beside regstate.exe (as the single-executable build ships it) it schedules the exe itself, not node', async () => {
    const exeDir = path.join(tmp, 'regstate exe');
    await mkdir(exeDir, { recursive: true });
    await copyFile(SCRIPT, path.join(exeDir, 'Register-RegstateTask.ps1'));
    const exe = path.join(exeDir, 'regstate.exe');
    await writeFile(exe, '');
    const result = await pwshFile(path.join(exeDir, 'Register-RegstateTask.ps1'), ['-DefinitionOnly', '-StateDir', 'C:\\State', '-ReportPath', 'C:\\State\\last.json', spaced]);
    expect(result).toMatchObject({ exitCode: 0, stderr: '' });
    const def = JSON.parse(result.stdout) as TaskDefinition;
    expect(def).toMatchObject({ Execute: exe, WorkingDirectory: exeDir });
    expect(def.Arguments).toBe(`apply --auto-approve --report "C:\\State\\last.json" --state-dir "C:\\State" "${spaced}"`);
  });

  test('-RegstatePath naming an executable runs it directly, without -NodePath', async () => {
    const exe = path.join(tmp, 'regstate exe', 'regstate.exe');
    const def = await definition(['-RegstatePath', exe, spaced]);
    expect(def.Execute).toBe(exe);
    expect(def.Arguments).toMatch(/^apply --auto-approve /);
  });

  test('relative config paths are made absolute; defaults without ProgramData use C:\\ProgramData', async () => {
    const result = await execa(PWSH, ['-NoProfile', '-NonInteractive', '-File', SCRIPT, '-DefinitionOnly', '-NodePath', process.execPath, 'Program Files/configs/agpm email.yaml'], {
      cwd: tmp,
      reject: false,
      env: { ProgramData: '' },
    });
    expect(result).toMatchObject({ exitCode: 0, stderr: '' });
    const def = JSON.parse(result.stdout) as TaskDefinition & { ReportPath: string; StateDir: string };
    expect(def.ConfigPath).toEqual([spaced]);
    expect(def).toMatchObject({ ReportPath: 'C:\\ProgramData\\regstate\\last-report.json', StateDir: 'C:\\ProgramData\\regstate', EveryMinutes: 30 });
  });

  test.each([
    ['a missing config file', ['-NodePath', process.execPath, '/no/such/config.yaml'], '/no/such/config.yaml'],
    ['a missing regstate', ['-NodePath', process.execPath, '-RegstatePath', '/no/regstate.js', 'CONFIG'], '/no/regstate.js'],
  ])('%s is refused, naming the path, without a stack trace', async (_name, args, named) => {
    const result = await pwshFile(SCRIPT, ['-DefinitionOnly', ...args.map((a) => (a === 'CONFIG' ? spaced : a))]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringContaining(named)]);
  });

  test('an interval out of range is refused', async () => {
    const result = await pwshFile(SCRIPT, ['-DefinitionOnly', '-EveryMinutes', '0', '-NodePath', process.execPath, spaced]);
    expect(result.exitCode).not.toBe(0);
    expect(result.stdout).toBe('');
  });

  test.each([
    ['-Unregister', ['-Unregister']],
    ['registering', ['-NodePath', process.execPath, 'CONFIG']],
  ])('%s without Windows says it needs Windows, in one line', async (_name, args) => {
    const result = await pwshFile(SCRIPT, args.map((a) => (a === 'CONFIG' ? spaced : a)));
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/needs Windows/);
  });

  test('-Unregister -DefinitionOnly shows what it would unregister', async () => {
    const result = await pwshFile(SCRIPT, ['-Unregister', '-TaskName', 'regstate-agpm', '-DefinitionOnly']);
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ Action: 'Unregister', TaskName: 'regstate-agpm', TaskPath: '\\' });
  });

  describe('Windows PowerShell 5.1 syntax', () => {
    async function findings(file: string): Promise<{ line: number; construct: string }[]> {
      const result = await pwshFile(path.join(FIXTURES, 'check-ps51-syntax.ps1'), ['-Path', file]);
      expect(result).toMatchObject({ exitCode: 0, stderr: '' });
      return JSON.parse(result.stdout) as { line: number; construct: string }[];
    }

    test('the script uses none of the PowerShell 7-only constructs', async () => {
      expect(await findings(SCRIPT)).toEqual([]);
    });

    test('the check finds each PowerShell 7-only construct', async () => {
      expect((await findings(path.join(FIXTURES, 'uses-ps7-syntax.ps1'))).map((f) => f.construct)).toEqual([
        'ternary ?:',
        'null-coalescing ??',
        'null-coalescing assignment ??=',
        'null-conditional ?. ?[]',
        'pipeline chain && ||',
        '-AsHashtable',
      ]);
    });
  });
});
