// @ts-check
// Runs one regstate command as a real CLI process under GNU time and returns what it cost.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const bin = fileURLToPath(new URL('../bin/regstate.js', import.meta.url));

/**
 * @typedef {object} Measured
 * @property {number} ms wall time of the whole process, node start-up included
 * @property {number} maxRssMb peak resident memory (GNU time %M: the largest process of the tree it waited for)
 * @property {number} exitCode
 * @property {number | undefined} processes PowerShell processes (from --verbose)
 * @property {number | undefined} roundTrips round trips to the backend (from --verbose)
 * @property {string} stderr
 */

/**
 * Runs `node bin/regstate.js ...args` under `/usr/bin/time -f %M`.
 * @param {string[]} args @param {{cwd?: string}} [options] @returns {Measured}
 */
export function measureCli(args, options = {}) {
  const started = process.hrtime.bigint();
  const child = spawnSync('/usr/bin/time', ['-f', 'BENCH-RSS-KB %M', process.execPath, bin, ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, NO_COLOR: '1' },
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const stderr = child.stderr ?? '';
  const rss = /BENCH-RSS-KB (\d+)/.exec(stderr);
  const stats = /(\d+) PowerShell process(?:es)?, (\d+) round trips?/.exec(stderr);
  return {
    ms,
    maxRssMb: rss ? Number(rss[1]) / 1024 : NaN,
    exitCode: child.status ?? -1,
    processes: stats ? Number(stats[1]) : undefined,
    roundTrips: stats ? Number(stats[2]) : undefined,
    stderr: stderr.replace(/BENCH-RSS-KB \d+\n?/, ''),
  };
}

/** @param {number[]} xs */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? /** @type {number} */ (s[mid]) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}
