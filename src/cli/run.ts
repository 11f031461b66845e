import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { RegstateError } from '../errors.js';
import { describeFsError, isFsError } from '../fs/describe-fs-error.js';
import { escapeControl } from '../model/display-text.js';
import { type NamedFile, refuseOutputsInStateDir, refuseOutputsThatAreInputs } from './check-output-paths.js';
import { EXIT } from './exit-codes.js';
import { type Io, useColor } from './io.js';
import { normalizeArgv } from './normalize-argv.js';
// Each command's module is loaded when it runs: `validate` does not pay for PowerShell, locks and apply.
import { describeVersion } from './package-info.js';
import { reportTimings, startTimings } from './phase-timings.js';
import { addInventoryOptions, addVarOptions } from './var-options.js';
import { resolveStateDir } from '../state/state-dir.js';

// Numeric options are checked when the command line is parsed, whatever backend or command uses them
// (a `--timeout abc` given with `--registry` is an error, not ignored). The value stays a string.
function numberOption(kind: 'seconds' | 'positive seconds' | 'count'): (value: string) => string {
  return (value) => {
    const n = Number(value);
    const ok = value.trim() !== '' && (kind === 'count' ? Number.isInteger(n) && n >= 0 : Number.isFinite(n) && (kind === 'seconds' ? n >= 0 : n > 0));
    if (!ok) throw new InvalidArgumentError(kind === 'count' ? 'It must be a whole number (0 or more).' : `It must be a number of seconds${kind === 'positive seconds' ? ' above 0' : ''}.`);
    return value;
  };
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function addBackendOptions(cmd: Command): Command {
  return cmd
    .option('--registry <file.reg>', 'use a .reg file as the registry (offline plan and apply)')
    .option('--simulated-hive <file.json>', 'run the PowerShell agent against a simulated hive file (machines without a Windows registry)')
    .option('--powershell <path>', 'PowerShell executable (default: $REGSTATE_POWERSHELL, then pwsh, then powershell.exe on Windows)')
    .option('--timeout <seconds>', 'PowerShell call timeout in seconds', numberOption('positive seconds'), '120')
    .option('--create-registry', 'a --registry or --simulated-hive file that does not exist is an empty registry, created by apply (else it is an error)')
    .option('-v, --verbose', 'print PowerShell process and round-trip counts to stderr');
}

// Fleet runs: many hosts from an inventory (README, "Fleet").
function addFleetOptions(cmd: Command): Command {
  return cmd
    .option('--inventory <file>', 'run on the hosts of this inventory (a fleet run) instead of this machine')
    .option('--limit <hosts>', 'only these hosts and groups of the inventory (comma-separated)')
    .option('--parallel <n>', 'hosts worked on at once (default 16)', (value: string) => {
      if (!/^\d+$/.test(value.trim()) || Number(value) < 1) throw new InvalidArgumentError('It must be a whole number of hosts, 1 or more.');
      return value;
    })
    .option('--registry-dir <dir>', "rehearse a fleet offline: each host's registry is DIR/NAME.reg (its reg export)");
}

function formatOption(choices: string[]): Option {
  return new Option('-f, --format <format>', 'output format').choices(choices).default('text');
}

function addRunOptions(cmd: Command): Command {
  return cmd
    .option('--auto-approve', 'apply without asking (required when there is no terminal)')
    .option('--state-dir <dir>', 'where journals and reports live (default: %ProgramData%\\regstate on Windows; $XDG_STATE_HOME/regstate or ~/.local/state/regstate elsewhere, /var/lib/regstate for root)')
    .option('--lock-timeout <seconds>', 'how long to wait for another run on the same target', numberOption('seconds'), '60')
    .option('--report <file>', 'write a JSON report of the run to this file')
    .option('--no-color', 'no colour in text output');
}

/** The whole CLI as a function: parses argv, runs one command, returns the exit code. Never throws. */
export async function run(argv: string[], io: Io): Promise<number> {
  startTimings();
  let code: number = EXIT.OK;
  const program = new Command('regstate')
    .description('Keep Windows registry values at a declared state: validate, plan, apply.')
    .version(describeVersion(), '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

  // No output file may be one of the run's own inputs (`plan c.yaml --out c.yaml` replaced the config).
  program.hook('preAction', (_program, action) => {
    const opts = action.opts() as Record<string, unknown>;
    const named = (value: unknown, role: string): NamedFile[] =>
      (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string' && v !== '').map((path) => ({ path, role }));
    const inputs = [
      ...named(action.processedArgs.flat(), 'a file named on the command line'),
      ...named(opts.registry, 'the --registry file'),
      ...named(opts.simulatedHive, 'the --simulated-hive file'),
      ...named(opts.varFile, 'a --var-file'),
      ...named(opts.inventory, 'the --inventory file'),
    ];
    const outputs = [...named(opts.out, '--out'), ...named(opts.report, '--report')];
    refuseOutputsThatAreInputs(outputs, inputs, io.cwd, io.platform);
    // Nor one of regstate's own journals or reports (in the state directory every command uses).
    if (outputs.length === 0) return;
    const stateDir = resolveStateDir({ stateDir: typeof opts.stateDir === 'string' ? opts.stateDir : undefined, platform: io.platform, env: io.env, cwd: io.cwd, uid: process.getuid?.() });
    refuseOutputsInStateDir(outputs, stateDir, io.cwd, io.platform);
  });

  const act = <A extends unknown[]>(fn: (...args: A) => Promise<number>) =>
    async (...args: A) => {
      code = await fn(...args);
    };

  addInventoryOptions(
    addVarOptions(
      program
        .command('validate')
        .description('check desired-state files; every error as FILE:LINE:COLUMN: message')
        .argument('<config...>', 'desired-state YAML files')
        .addOption(formatOption(['text', 'json'])),
    ),
  ).action(act(async (configs: string[], opts) => (await import('./commands/validate.js')).runValidate(configs, opts, io)));

  addFleetOptions(
    addVarOptions(
      addBackendOptions(
        program
          .command('plan')
          .description('show what apply would change (a dry run)')
          .argument('<config...>', 'desired-state YAML files')
          .addOption(formatOption(['text', 'json', 'markdown']))
          .option('-o, --out <plan.json>', 'save the plan for review and an exact `regstate apply PLAN.json`')
          .option('--detailed-exitcode', 'exit 2 when changes are pending (0 in desired state, 1 error)')
          .option('--no-color', 'no colour in text output'),
      ),
    ),
  ).action(act(async (configs: string[], opts) => (await import('./commands/plan.js')).runPlan(configs, opts, io)));

  addVarOptions(
    addBackendOptions(
      program
        .command('status')
        .description('list every declared value and key: current state, desired state, whether it is in the desired state')
        .argument('<config...>', 'desired-state YAML files')
        .addOption(formatOption(['text', 'json']))
        .option('--detailed-exitcode', 'exit 2 when something is not in the desired state (0 when all is, 1 error)')
        .option('--no-color', 'no colour in text output'),
    ),
  ).action(act(async (configs: string[], opts) => (await import('./commands/status.js')).runStatus(configs, opts, io)));

  addFleetOptions(
    addVarOptions(
      addRunOptions(
        addBackendOptions(
          program
            .command('apply')
            .description('apply the changes a plan shows, then read back to prove convergence')
            .argument('<config-or-plan...>', 'desired-state YAML files, or one saved plan (PLAN.json)')
            .addOption(formatOption(['text', 'json']))
            .option('--max-changes <n>', 'refuse a plan with more than N changes (per host in a fleet run)', numberOption('count')),
        ),
      ),
    ),
  ).action(act(async (inputs: string[], opts) => (await import('./commands/apply.js')).runApply(inputs, opts, io)));

  addRunOptions(
    addBackendOptions(
      program
        .command('rollback')
        .description('undo an apply from its journal (default: the last apply)')
        .argument('[journal]', 'journal file (default: the newest apply journal in the state directory)')
        .addOption(formatOption(['text', 'json']))
        .option('--force', 'roll back even values someone changed since the apply')
        .option('--host <name>', 'roll back this host of a fleet apply (its newest apply, or the one the fleet journal names)')
        .option('--inventory <file>', 'the inventory that reaches the host (for hosts reached through remoting)'),
    ),
  ).action(act(async (journal: string | undefined, opts) => (await import('./commands/rollback.js')).runRollback(journal, opts, io)));

  program
    .command('show')
    .description('render a saved plan')
    .argument('<plan.json>', 'a plan saved with plan --out')
    .addOption(formatOption(['text', 'json', 'markdown']))
    .option('--no-color', 'no colour in text output')
    .action(act(async (file: string, opts) => (await import('./commands/show.js')).runShow(file, opts, io)));

  program
    .command('schema')
    .description('print the JSON Schema of desired-state files (for editors)')
    .option('--inventory', 'print the JSON Schema of inventories instead')
    .action(act(async (opts: { inventory?: boolean }) => (await import('./commands/schema.js')).runSchema(io, opts)));

  program
    .command('import')
    .description('turn a .reg export into a desired-state file')
    .argument('<file.reg>', 'a .reg file (reg export / regedit)')
    .option('--key <prefix>', 'only this subtree (repeatable)', collect)
    .option('-o, --out <file.yaml>', 'write here instead of stdout')
    .option('--force', 'replace the --out file if it exists')
    .action(act(async (file: string, opts) => (await import('./commands/import.js')).runImport(file, opts, io)));

  addVarOptions(
    program
      .command('export')
      .description('write desired state as a .reg file (reg import) or a Group Policy Preferences Registry.xml')
      .argument('<config...>', 'desired-state YAML files')
      .addOption(new Option('-f, --format <format>', 'output format').choices(['reg', 'gpp']).makeOptionMandatory())
      .option('-o, --out <file>', 'write here instead of stdout')
      .option('--force', 'replace the --out file if it exists'),
  ).action(act(async (configs: string[], opts) => (await import('./commands/export.js')).runExport(configs, opts, io)));

  for (const cmd of [program, ...program.commands]) {
    const where = cmd === program ? 'regstate' : `regstate ${cmd.name()}`;
    cmd.configureOutput({ outputError: (message) => io.stderr.write(formatUsageError(message, where)) });
  }

  try {
    await program.parseAsync(normalizeArgv(argv, program), { from: 'user' });
    return code;
  } catch (error) {
    return await reportError(error, io, !argv.includes('--no-color') && !argv.includes('-no-color'));
  } finally {
    reportTimings(io);
  }
}

async function reportError(error: unknown, io: Io, colorAllowed: boolean): Promise<number> {
  if (error instanceof CommanderError) {
    // --help and --version end here with exit code 0; usage errors were already printed.
    return error.exitCode === 0 ? EXIT.OK : EXIT.ERROR;
  }
  if (error instanceof RegstateError) {
    // loaded on this path only (it measures text width for the caret): a run without errors does not pay for it
    const { formatErrorLines } = await import('./format-error-lines.js');
    io.stderr.write(formatErrorLines(error.diagnostics, { cwd: io.cwd, color: colorAllowed && useColor({ ...io, stdout: io.stderr }, undefined) }));
    return EXIT.ERROR;
  }
  if (isFsError(error)) {
    // A file call no command wrapped: still a message naming the path, not node's errno text.
    io.stderr.write(`regstate: error: ${error.path ? `${error.path}: ` : ''}${describeFsError(error)}\n`);
    return EXIT.ERROR;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(`regstate: internal error: ${escapeControl(message)}\n`);
  if (io.env.REGSTATE_DEBUG && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
  return EXIT.ERROR;
}

// Commander's own usage errors ("error: ...\n(Did you mean --x?)\n") as one line, like every other error.
function formatUsageError(message: string, where: string): string {
  const text = message.trim().replace(/^error: /, '').replace(/\.$/, '').replace(/\s*\n\s*/g, ' ').replace(/\(Did you mean/g, '(did you mean');
  return `regstate: error: ${text}; run ${where} --help for usage\n`;
}
