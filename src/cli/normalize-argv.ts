import type { Command, Option } from 'commander';
import { RegstateError } from '../errors.js';

// Terraform habits: `-out PLAN`, `-detailed-exitcode`, `-out=PLAN`. Commander reads a single-dash word as
// bundled short flags (`-out` as `-o ut`), so argv is rewritten first, from the options commander knows.

interface KnownOptions {
  longs: Map<string, Option | undefined>;
  shorts: Map<string, Option>;
}

function knownOptions(cmd: Command): KnownOptions {
  const longs = new Map<string, Option | undefined>([['help', undefined]]);
  const shorts = new Map<string, Option>();
  for (const option of cmd.options) {
    if (option.long) longs.set(option.long.replace(/^--/, ''), option);
    if (option.short) shorts.set(option.short.replace(/^-/, ''), option);
  }
  return { longs, shorts };
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

function suggest(word: string, longs: Iterable<string>): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of longs) {
    const distance = name.startsWith(word) ? 0 : editDistance(word, name);
    if (distance <= Math.max(1, Math.floor(name.length / 3)) && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

function unknownOption(token: string, cmd: Command, known: KnownOptions): RegstateError {
  const word = token.replace(/^-+/, '').split('=')[0]!;
  const hint = suggest(word, known.longs.keys());
  const where = cmd.parent ? `regstate ${cmd.name()}` : 'regstate';
  return new RegstateError('USAGE', `unknown option '${token.split('=')[0]}'${hint ? ` (did you mean --${hint}?)` : ''}; run ${where} --help for usage`);
}

function takesValue(option: Option | undefined): boolean {
  return option !== undefined && (option.required || option.optional);
}

/**
 * Rewrites argv so that commander reads Terraform's spellings as regstate's: `-name` and `-name=value` for
 * every long option the command has; `-x=value` for a short one. A single-dash word of two or more letters
 * that is no long option is refused (never split into short flags). Words after `--` are left alone.
 */
export function normalizeArgv(argv: readonly string[], program: Command): string[] {
  const out: string[] = [];
  let cmd = program;
  let known = knownOptions(program);
  let expectValue = false;
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (expectValue) {
      out.push(token);
      expectValue = false;
      continue;
    }
    if (cmd === program && !token.startsWith('-')) {
      const sub = program.commands.find((c) => c.name() === token || c.aliases().includes(token));
      if (sub) {
        cmd = sub;
        known = knownOptions(sub);
      }
      out.push(token);
      continue;
    }
    if (!token.startsWith('-') || token === '-' || /^-\d/.test(token)) {
      out.push(token);
      continue;
    }
    const eq = token.indexOf('=');
    const name = (eq < 0 ? token : token.slice(0, eq)).replace(/^--?/, '');
    const value = eq < 0 ? undefined : token.slice(eq + 1);
    const long = token.startsWith('--') || name.length > 1;
    if (long) {
      if (!known.longs.has(name)) {
        // An unknown --word is left to commander (which suggests too); an unknown -word must not become short flags.
        if (token.startsWith('--')) {
          out.push(token);
          continue;
        }
        throw unknownOption(token, cmd, known);
      }
      const option = known.longs.get(name);
      out.push(value === undefined ? `--${name}` : `--${name}=${value}`);
      expectValue = value === undefined && option?.required === true;
      continue;
    }
    const option = known.shorts.get(name);
    if (value !== undefined && option && takesValue(option)) {
      out.push(`-${name}`, value);
      continue;
    }
    out.push(token);
    expectValue = value === undefined && option?.required === true;
  }
  return out;
}
