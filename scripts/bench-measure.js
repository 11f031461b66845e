// @ts-check
// Runs one regstate command as a real CLI process under GNU time and returns what it cost.
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const bin = fileURLToPath(new URL('../bin/regstate.js', import.meta.url));
const nodeRss = fileURLToPath(new URL('./bench-node-rss.cjs', import.meta.url));

/**
 * @typedef {object} Measured
 * @property {number} ms wall time of the whole process, node start-up included
 * @property {number} cpuMs user + system CPU time of the process (less disturbed than wall time on a busy machine)
 * @property {number} sysMs system CPU time alone (most of it the kernel giving the process fresh memory)
 * @property {number} minorFaults page faults served without I/O (GNU time %R): one per fresh 4 KiB page touched
 * @property {number} maxRssMb peak resident memory (GNU time %M: the largest process of the tree it waited for)
 * @property {number} nodeMaxRssMb peak resident memory of the node process itself
 * @property {number} exitCode
 * @property {number | undefined} processes PowerShell processes (from --verbose)
 * @property {number | undefined} roundTrips round trips to the backend (from --verbose)
 * @property {Record<string, number> | undefined} phases milliseconds per phase (REGSTATE_TIMINGS=1)
 * @property {string} stderr
 */

/**
 * Runs `node bin/regstate.js ...args` under `/usr/bin/time -f '%M %U %S %R'`.
 * @param {string[]} args @param {{cwd?: string, env?: Record<string, string>}} [options] @returns {Measured}
 */
export function measureCli(args, options = {}) {
  const started = process.hrtime.bigint();
  const child = spawnSync('/usr/bin/time', ['-f', 'BENCH-RSS-KB %M %U %S %R', process.execPath, '--require', nodeRss, bin, ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, ...options.env, NO_COLOR: '1', REGSTATE_TIMINGS: '1' },
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const stderr = child.stderr ?? '';
  const rss = /BENCH-RSS-KB (\d+) ([\d.]+) ([\d.]+) (\d+)/.exec(stderr);
  const nodeRssKb = /BENCH-NODE-RSS-KB (\d+)/.exec(stderr);
  const timings = /^\{"regstate-timings-ms":.*\}$/m.exec(stderr);
  const stats = /(\d+) PowerShell process(?:es)?, (\d+) round trips?/.exec(stderr);
  return {
    ms,
    maxRssMb: rss ? Number(rss[1]) / 1024 : NaN,
    nodeMaxRssMb: nodeRssKb ? Number(nodeRssKb[1]) / 1024 : NaN,
    cpuMs: rss ? (Number(rss[2]) + Number(rss[3])) * 1000 : NaN,
    sysMs: rss ? Number(rss[3]) * 1000 : NaN,
    minorFaults: rss ? Number(rss[4]) : NaN,
    exitCode: child.status ?? -1,
    processes: stats ? Number(stats[1]) : undefined,
    roundTrips: stats ? Number(stats[2]) : undefined,
    phases: timings ? JSON.parse(timings[0])['regstate-timings-ms'] : undefined,
    stderr: stderr.replace(/BENCH-RSS-KB [\d. ]+\n?/, '').replace(/BENCH-NODE-RSS-KB \d+\n?/, ''),
  };
}

/** @param {number[]} xs */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? /** @type {number} */ (s[mid]) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/** Each phase's share of the process's wall time, in whole percent, `start` included. @param {Measured} m */
export function phaseShares(m) {
  if (!m.phases) return undefined;
  return Object.fromEntries(Object.entries(m.phases).map(([phase, ms]) => [phase, Math.round((ms / m.ms) * 100)]));
}

/** `load config 61%, read registry 12%, ...`, largest first. @param {Record<string, number> | undefined} shares */
export function formatShares(shares) {
  if (!shares) return '-';
  return Object.entries(shares)
    .sort((a, b) => b[1] - a[1])
    .map(([phase, pct]) => `${phase} ${pct}%`)
    .join(', ');
}

/**
 * What this machine charges for fresh memory: a node process touches 256 MiB of new memory one 4 KiB
 * page at a time, and the time per page is returned (microseconds, each of `runs` processes). On a
 * virtual machine whose host backs memory on first touch this moves by several times from hour to
 * hour, and with it every figure that allocates: printed beside them, it tells a slower run of the
 * same code from slower code.
 * @param {number} [runs] @returns {number[]}
 */
export function firstTouchUsPerPage(runs = 3) {
  const script = 'const n=256*1024*1024,b=Buffer.allocUnsafeSlow(n),t=process.hrtime.bigint();for(let i=0;i<n;i+=4096)b[i]=1;process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e3/(n/4096)))';
  return Array.from({ length: runs }, () => Math.round(Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) * 100) / 100);
}

/**
 * Node's own start (`node -e 0`, median of 7, ms) in this environment, and without NODE_EXTRA_CA_CERTS
 * when it is set: node reads and parses that certificate file at every start (here about 50 ms), though
 * regstate makes no TLS connection. Printed beside the figures, which are measured as the environment is.
 * @returns {{ asIs: number, withoutExtraCaCerts?: number }}
 */
export function nodeStartMs() {
  const once = (/** @type {NodeJS.ProcessEnv} */ env) => {
    const started = process.hrtime.bigint();
    execFileSync(process.execPath, ['-e', '0'], { env });
    return Number(process.hrtime.bigint() - started) / 1e6;
  };
  const medianOf7 = (/** @type {NodeJS.ProcessEnv} */ env) => Math.round(median(Array.from({ length: 7 }, () => once(env))));
  if (process.env.NODE_EXTRA_CA_CERTS === undefined) return { asIs: medianOf7(process.env) };
  const { NODE_EXTRA_CA_CERTS: _unused, ...without } = process.env;
  return { asIs: medianOf7(process.env), withoutExtraCaCerts: medianOf7(without) };
}
