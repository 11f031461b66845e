// @ts-check
// BENCH_PARTS=fleet: 32 hosts x 100 values over loopback SSH remoting (scripts/ssh-fleet.js: real
// sshd and PowerShell's SSH subsystem; every "host" runs on this machine, so all remote PowerShell
// processes share its cores). Plan (one read per host) and apply (write + read back per host) through
// one fleet at --parallel 16 and at 1, session opening timed apart; then the same hosts as separate
// runs: one fleet of one host each (its own local PowerShell and session), one after another.
// Memory and CPU of the one local PowerShell from /proc; CPU of the remote processes too.
import { copyFile, readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { descendants, startSshFleet } from './ssh-fleet.js';
import { openFleet } from '../dist/fleet/fleet-session.js';
import { loadDesiredState } from '../dist/config/index.js';
import { planChanges, readRequestsFor } from '../dist/plan/plan-changes.js';
import { LiveState } from '../dist/model/live-state.js';
import { applyPlan } from '../dist/apply/apply-plan.js';

const HOSTS = Number(process.env.BENCH_FLEET_HOSTS ?? 32);
const VALUES = 100;
const SEPARATE = Number(process.env.BENCH_FLEET_SEPARATE ?? HOSTS);
const TICK_MS = 10; // USER_HZ on Linux is 100

/** CPU ms (user + system) of a process from /proc. @param {number | undefined} pid */
function cpuMs(pid) {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * TICK_MS;
  } catch {
    return 0;
  }
}

/** Peak resident memory (VmHWM) in MB. @param {number | undefined} pid */
function peakRssMb(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : NaN;
  } catch {
    return NaN;
  }
}

/**
 * The local side: the PowerShell (the .tools/pwsh launcher, the pwsh it starts) and its ssh clients.
 * CPU in ms; peak RSS of the largest process (pwsh) and the sum over the tree, in MB.
 * @param {number | undefined} pid
 */
function localSide(pid) {
  if (pid === undefined) return { cpuMs: 0, pwshPeakRssMb: NaN, treePeakRssMb: NaN };
  const tree = [pid, ...descendants(pid)];
  const rss = tree.map(peakRssMb).filter((n) => !Number.isNaN(n));
  return { cpuMs: tree.reduce((t, p) => t + cpuMs(p), 0), pwshPeakRssMb: Math.max(...rss), treePeakRssMb: rss.reduce((t, n) => t + n, 0) };
}

/** @param {any} ssh */
const remoteCpuMs = (ssh) => ssh.addresses.flatMap((/** @type {string} */ a, /** @type {number} */ i) => (i % 16 === 0 ? ssh.connectionPids(a) : [])).reduce((t, /** @type {number} */ p) => t + cpuMs(p), 0);

/** @param {any[]} hosts @param {string} hive */
async function resetHives(hosts, hive) {
  for (const h of hosts) await copyFile(hive, h.simulatedHive);
}

/** One fleet over `hosts`: open, plan, apply, close. @param {any[]} hosts @param {any} desired @param {number} parallel @param {any} [ssh] */
async function fleetRun(hosts, desired, parallel, ssh) {
  let t = performance.now();
  const fleet = await openFleet(hosts, { parallel, powershell: ssh?.pwsh, openTimeoutMs: 180_000 });
  const openMs = performance.now() - t;
  const open = fleet.connections.filter((c) => c.state === 'open');
  if (open.length !== hosts.length) throw new Error(`hosts failed to open: ${JSON.stringify(fleet.connections.filter((c) => c.state !== 'open').map((c) => [c.host.name, c.failure]))}`);
  const pid = fleet.stats().pid;
  const cpuAfterOpen = localSide(pid).cpuMs;
  t = performance.now();
  const plans = await Promise.all(open.map(async (c) => planChanges(desired, new LiveState(await c.backend.read(readRequestsFor(desired))))));
  const planMs = performance.now() - t;
  t = performance.now();
  const applied = await Promise.all(open.map((c, i) => applyPlan(plans[i], c.backend)));
  const applyMs = performance.now() - t;
  if (!applied.every((a) => a.converged)) throw new Error('a host did not converge');
  const local = localSide(pid);
  const result = {
    hosts: hosts.length,
    parallel,
    changesPerHost: plans[0]?.changes.length,
    openMs: Math.round(openMs),
    planMs: Math.round(planMs),
    applyMs: Math.round(applyMs),
    roundTrips: fleet.stats().roundTrips,
    localCpuMs: local.cpuMs,
    localOpenCpuMs: cpuAfterOpen,
    localPwshPeakRssMb: local.pwshPeakRssMb,
    localTreePeakRssMb: local.treePeakRssMb,
    nodeMaxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    remoteCpuMs: ssh ? remoteCpuMs(ssh) : undefined,
  };
  await fleet.close();
  return result;
}

/** @param {string} dir @param {(dir: string, count: number) => Promise<{config: string, hive: string}>} generateBenchData */
export async function runFleet(dir, generateBenchData) {
  const data = await generateBenchData(dir, VALUES);
  const desired = await loadDesiredState([data.config]);
  const ssh = await startSshFleet({ hosts: HOSTS });
  try {
    const hosts = ssh.addresses.map((address, i) => ({
      name: `host${String(i + 1).padStart(2, '0')}`,
      address,
      transport: /** @type {const} */ ('ssh'),
      port: ssh.port,
      user: 'root',
      keyFile: ssh.keyFile,
      hostKeyChecking: /** @type {const} */ ('strict'),
      knownHostsFile: ssh.knownHostsFile,
      simulatedHive: join(ssh.dir, `host${i + 1}.json`),
      groups: [],
      vars: new Map(),
      source: { file: 'bench', line: 1, column: 1 },
    }));
    /** @type {any} */
    const out = { values: VALUES };
    for (const parallel of [16, 1]) {
      await resetHives(hosts, data.hive);
      out[`parallel${parallel}`] = await fleetRun(hosts, desired, parallel, ssh);
      process.stderr.write(`fleet --parallel ${parallel}: ${JSON.stringify(out[`parallel${parallel}`])}\n`);
    }
    await resetHives(hosts, data.hive);
    const started = performance.now();
    const runs = [];
    for (const h of hosts.slice(0, SEPARATE)) runs.push(await fleetRun([h], desired, 1, ssh));
    const totalMs = performance.now() - started;
    out.separate = {
      runs: runs.length,
      totalMs: Math.round(totalMs),
      // Scaled to all hosts when fewer runs were measured (BENCH_FLEET_SEPARATE).
      totalForAllHostsMs: Math.round((totalMs / runs.length) * hosts.length),
      planApplyMs: Math.round(runs.reduce((t, r) => t + r.planMs + r.applyMs, 0)),
      openMs: Math.round(runs.reduce((t, r) => t + r.openMs, 0)),
    };
    process.stderr.write(`fleet separate runs: ${JSON.stringify(out.separate)}\n`);
    // Every host holds the desired values now: the last apply converged them.
    out.hiveBytes = (await readFile(hosts[0].simulatedHive)).length;
    return out;
  } finally {
    await ssh.close();
  }
}

/** @param {any} f */
export function renderFleet(f) {
  if (!f) return [];
  const p16 = f.parallel16;
  const p1 = f.parallel1;
  const row = (/** @type {any} */ r) =>
    `| ${r.parallel} | ${r.openMs} ms | ${r.planMs} ms | ${r.applyMs} ms | ${r.roundTrips} | ${r.localCpuMs} ms (open ${r.localOpenCpuMs}) | ${r.localPwshPeakRssMb} MB (with ssh clients ${r.localTreePeakRssMb} MB) | ${r.remoteCpuMs} ms |`;
  const ratio = (/** @type {number} */ a, /** @type {number} */ b) => Math.round((a / b) * 10) / 10;
  return [
    `Fleet: ${p16.hosts} hosts x ${f.values} values over loopback SSH remoting (${p16.changesPerHost} changes per host); every host on this machine`,
    '| --parallel | open sessions | plan | apply | local round trips | local CPU (pwsh + ssh clients) | local pwsh peak RSS | remote CPU (sshd + pwsh per host) |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    row(p16),
    row(p1),
    `parallel 1 / parallel 16: open ${ratio(p1.openMs, p16.openMs)}x, plan ${ratio(p1.planMs, p16.planMs)}x, apply ${ratio(p1.applyMs, p16.applyMs)}x`,
    `${f.separate.runs} separate one-host runs (each its own local PowerShell and SSH session), one after another: ${f.separate.totalMs} ms` +
      ` (open ${f.separate.openMs} ms, plan + apply ${f.separate.planApplyMs} ms); for ${p16.hosts} hosts ${f.separate.totalForAllHostsMs} ms vs one fleet at --parallel 16 ${p16.openMs + p16.planMs + p16.applyMs} ms`,
    '',
  ];
}
