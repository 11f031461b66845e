// @ts-check
// `npm run bench`: figures for plan and apply at 100 to 100,000 values on the .reg and PowerShell
// (simulated hive) backends, a per-value PowerShell baseline, the validate cold start, and growth.
// Prints a table and writes bench-results/bench.json. Sizes: BENCH_SIZES=100,1000 to run fewer.
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { YAML_STYLES, generateBenchData } from './bench-data.js';
import { firstTouchUsPerPage, formatShares, nodeStartMs, measureCli, median, phaseShares, repoRoot } from './bench-measure.js';
import { renderWine, runWine } from './bench-wine.js';
import { renderFleet, runFleet } from './bench-fleet.js';
import { floorMs } from './bench-floor.js';
import { createPowerShellBackend } from '../dist/registry/powershell/powershell-backend.js';
import { decodeReadAnswer, encodeReadRequest, encodeWriteRequest } from '../dist/registry/powershell/agent-protocol.js';
import { PowerShellSession } from '../dist/registry/powershell/powershell-session.js';

const SIZES = (process.env.BENCH_SIZES ?? '100,1000,10000,100000').split(',').map(Number);
// BENCH_PARTS=styles,regfile runs only those parts: cold, sizes (regfile and PowerShell), regfile, styles,
// inpwsh (the agent's time per value, simulated layer, 10,000 values), wine (the Windows layer under wine),
// fleet (32 hosts x 100 values over loopback SSH remoting, scripts/bench-fleet.js; needs root and sshd)
const PARTS = (process.env.BENCH_PARTS ?? 'cold,sizes,styles').split(',');
const STYLE_SIZES = [10_000, 100_000].filter((n) => SIZES.includes(n));
const PWSH_MAX = 10_000;
const BASELINE_SIZES = [20, 100];
const pwsh = join(repoRoot, '.tools', 'pwsh');

/** @param {ReturnType<typeof measureCli>} m @param {string} what */
function check(m, what, expected = [0, 2]) {
  if (!expected.includes(m.exitCode)) throw new Error(`${what} exited ${m.exitCode}:\n${m.stderr}`);
  return m;
}

/** @param {ReturnType<typeof measureCli>} m */
const pick = (m) => ({ ms: Math.round(m.ms), cpuMs: Math.round(m.cpuMs), sysMs: Math.round(m.sysMs), minorFaults: m.minorFaults, maxRssMb: Math.round(m.maxRssMb), processes: m.processes, roundTrips: m.roundTrips, phases: phaseShares(m) });

/** The median run of three (by wall time): one run on a shared machine says little. @param {() => ReturnType<typeof measureCli>} once */
function medianOf3(once) {
  const runs = [once(), once(), once()].sort((a, b) => a.ms - b.ms);
  return /** @type {ReturnType<typeof measureCli>} */ (runs[1]);
}

/** .reg plan of the same desired state written in every YAML style, median of 3, with memory per value. */
async function runStyles(/** @type {string} */ dir) {
  const rows = [];
  for (const count of STYLE_SIZES) {
    for (const style of YAML_STYLES) {
      const data = await generateBenchData(dir, count, style);
      const m = medianOf3(() => check(measureCli(['plan', data.config, '--registry', data.reg, '--detailed-exitcode']), `plan (${style})`, [2]));
      rows.push({ values: count, style, ...pick(m), kbPerValue: Math.round((m.maxRssMb * 1024) / count * 10) / 10, floor: floorMs(data.config, data.reg) });
      process.stderr.write(`styles: ${JSON.stringify(rows[rows.length - 1])}\n`);
    }
  }
  return rows;
}

/** Plan and apply of one size on one backend, each on a fresh copy of the registry. */
async function runBackend(/** @type {string} */ dir, /** @type {any} */ data, /** @type {'regfile' | 'powershell'} */ backend) {
  const copy = join(dir, `${backend}-${Date.now()}${backend === 'regfile' ? '.reg' : '.json'}`);
  await copyFile(backend === 'regfile' ? data.reg : data.hive, copy);
  const target = backend === 'regfile' ? ['--registry', copy] : ['--simulated-hive', copy, '--powershell', pwsh, '--timeout', '600'];
  const plan = check(measureCli(['plan', data.config, ...target, '--verbose', '--detailed-exitcode']), 'plan', [2]);
  const state = ['--state-dir', join(dir, 'state'), '--auto-approve'];
  const apply = check(measureCli(['apply', data.config, ...target, ...state, '--verbose']), 'apply', [0]);
  const again = check(measureCli(['plan', data.config, ...target, '--detailed-exitcode']), 'plan after apply', [0]);
  await rm(copy, { force: true });
  return { plan: pick(plan), apply: pick(apply), converged: again.exitCode === 0 };
}

/** The per-value way: a fresh PowerShell process (agent loaded, one read) for every value. */
async function runBaseline(/** @type {any} */ data, /** @type {number} */ count) {
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const backend = await createPowerShellBackend({ executable: pwsh, simulatedHive: data.hive, timeoutMs: 600_000 });
    const key = { hive: 'HKLM', path: `SOFTWARE\\RegstateBench\\Group0\\Key${Math.floor(i / 10)}`, view: 64 };
    await backend.read([{ key: /** @type {any} */ (key) }]);
    await backend.close();
  }
  return Math.round(Number(process.hrtime.bigint() - started) / 1e6);
}

/** Time inside pwsh per value (the agent's own Stopwatch), simulated layer: a cold and a warm read, then a write of every value. */
async function runInPwsh(/** @type {string} */ dir, /** @type {any} */ data) {
  const hive = join(dir, `inpwsh-${Date.now()}.json`);
  await copyFile(data.hive, hive);
  const session = new PowerShellSession({ executable: pwsh, timeoutMs: 600_000 });
  try {
    const requests = [{ key: /** @type {any} */ ({ hive: 'HKLM', path: 'SOFTWARE\\RegstateBench', view: 64 }), recursive: true }];
    const perValue = (/** @type {any} */ a) => ({ values: a.stats.values, loadMs: Math.round(a.stats.loadMs), usPerValue: Math.round((a.stats.workMs * 1000) / Math.max(1, a.stats.values)), cpuMs: a.stats.cpuMs });
    const cold = await session.request(encodeReadRequest(requests, hive));
    const warm = await session.request(encodeReadRequest(requests, hive));
    const ops = decodeReadAnswer(requests, warm).flatMap((live) => live.values.map((v) => ({ op: 'set-value', key: live.key, name: v.name, value: v.value })));
    const write = await session.request(encodeWriteRequest(/** @type {any} */ (ops), hive));
    return { readCold: perValue(cold), read: perValue(warm), write: perValue(write) };
  } finally {
    await session.close();
    await rm(hive, { force: true });
  }
}

function machine() {
  const version = (/** @type {string} */ cmd, /** @type {string[]} */ args) => {
    try {
      return execFileSync(cmd, args, { encoding: 'utf8' }).trim();
    } catch {
      return 'unavailable';
    }
  };
  return {
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cpus: os.cpus().length,
    memoryGb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    pwsh: version(pwsh, ['-NoProfile', '-Command', '$PSVersionTable.PSVersion.ToString()']),
    firstTouchUsPerPage: firstTouchUsPerPage(),
    nodeStartMs: nodeStartMs(),
  };
}

const ratio = (/** @type {number | undefined} */ a, /** @type {number | undefined} */ b) => (a && b ? Math.round((a / b) * 100) / 100 : undefined);

/** Plan and apply per size on the .reg file and (up to PWSH_MAX, unless only `regfile`) PowerShell, the per-value baseline and growth. */
async function runSizes(/** @type {string} */ dir, /** @type {any} */ results) {
  const withPwsh = PARTS.includes('sizes');
  for (const count of [...new Set([...(withPwsh ? BASELINE_SIZES : []), ...SIZES])].sort((a, b) => a - b)) {
    const data = await generateBenchData(dir, count);
    /** @type {any} */
    const row = { values: count, drift: data.drift };
    if (SIZES.includes(count) && (withPwsh || PARTS.includes('regfile'))) row.regfile = await runBackend(dir, data, 'regfile');
    if (withPwsh && count <= PWSH_MAX) row.powershell = await runBackend(dir, data, 'powershell');
    if ((withPwsh || PARTS.includes('inpwsh')) && count === PWSH_MAX) results.inPwsh = await runInPwsh(dir, data);
    if (withPwsh && BASELINE_SIZES.includes(count)) {
      const ms = await runBaseline(data, count);
      results.baseline.push({ values: count, perValueMs: ms, regstatePlanMs: row.powershell.plan.ms, speedup: ratio(ms, row.powershell.plan.ms) });
    }
    results.sizes.push(row);
    process.stderr.write(`${count} values: ${JSON.stringify(row)}\n`);
  }
  const planMs = (/** @type {number} */ n) => results.sizes.find((/** @type {any} */ r) => r.values === n)?.regfile?.plan.ms;
  results.growth = { regfilePlan10kOver1k: ratio(planMs(10_000), planMs(1000)), regfilePlan100kOver10k: ratio(planMs(100_000), planMs(10_000)) };
}

async function main() {
  const dir = await mkdtemp(join(os.tmpdir(), 'regstate-bench-'));
  /** @type {any} */
  const results = { machine: machine(), startedAt: new Date().toISOString(), sizes: [], baseline: [], coldStart: undefined, growth: {}, styles: [] };
  try {
    if (PARTS.includes('cold')) {
      const cold = [];
      for (let i = 0; i < 11; i++) cold.push(measureCli(['validate', 'configs/agpm-email-security.yaml']).ms);
      results.coldStart = { medianMs: Math.round(median(cold)), runs: cold.length };
      process.stderr.write(`validate cold start: ${results.coldStart.medianMs} ms\n`);
    }
    if (PARTS.includes('sizes') || PARTS.includes('regfile') || PARTS.includes('inpwsh')) await runSizes(dir, results);
    if (PARTS.includes('wine')) results.wine = await runWine(dir, SIZES, generateBenchData);
    if (PARTS.includes('styles')) results.styles = await runStyles(dir);
    if (PARTS.includes('fleet')) results.fleet = await runFleet(dir, generateBenchData);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  await mkdir(join(repoRoot, 'bench-results'), { recursive: true });
  await writeFile(join(repoRoot, 'bench-results', 'bench.json'), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(renderTable(results));
}

/** @param {any} r */
function renderTable(r) {
  const cell = (/** @type {any} */ m) => (m ? `${m.ms} ms (cpu ${m.cpuMs}, sys ${m.sysMs}), ${m.maxRssMb} MB, ${m.minorFaults} faults${m.processes === undefined || m.processes === 0 ? '' : `, ${m.processes} proc/${m.roundTrips} rt`}` : '-');
  const lines = [
    `Machine: ${r.machine.cpu} x${r.machine.cpus}, ${r.machine.memoryGb} GB, ${r.machine.os}, node ${r.machine.node}, pwsh ${r.machine.pwsh}`,
    `Fresh memory at the start: ${r.machine.firstTouchUsPerPage.join(', ')} us a 4 KiB page (256 MiB touched, 3 processes); a run's page faults and system time are beside its figure`,
    `node -e 0: ${r.machine.nodeStartMs.asIs} ms${r.machine.nodeStartMs.withoutExtraCaCerts === undefined ? '' : ` with NODE_EXTRA_CA_CERTS as set here, ${r.machine.nodeStartMs.withoutExtraCaCerts} ms without it (every figure below is measured with it)`}`,
    '',
    // only the tables of the parts that ran
    ...(r.sizes.some((/** @type {any} */ s) => s.regfile || s.powershell)
      ? [
          '| values | .reg plan | .reg apply | PowerShell plan | PowerShell apply |',
          '|---:|---|---|---|---|',
          ...r.sizes.map((/** @type {any} */ s) => `| ${s.values} | ${cell(s.regfile?.plan)} | ${cell(s.regfile?.apply)} | ${cell(s.powershell?.plan)} | ${cell(s.powershell?.apply)} |`),
          '',
        ]
      : []),
    ...(r.baseline.length
      ? [
          '| values | per-value PowerShell (one process per value) | regstate plan (PowerShell) | speed-up |',
          '|---:|---:|---:|---:|',
          ...r.baseline.map((/** @type {any} */ b) => `| ${b.values} | ${b.perValueMs} ms | ${b.regstatePlanMs} ms | ${b.speedup}x |`),
          '',
        ]
      : []),
    ...(r.inPwsh
      ? [`inside pwsh, simulated layer, ${r.inPwsh.read.values} values: read ${r.inPwsh.read.usPerValue} us/value (first read ${r.inPwsh.readCold.usPerValue}), write ${r.inPwsh.write.usPerValue} us/value; hive load ${r.inPwsh.read.loadMs} ms; process CPU per request (load and work) ${r.inPwsh.readCold.cpuMs} / ${r.inPwsh.read.cpuMs} / ${r.inPwsh.write.cpuMs} ms`, '']
      : []),
    ...renderWine(r.wine ?? []),
    ...renderFleet(r.fleet),
    ...renderStyles(r.styles, r.machine.nodeStartMs.asIs),
    ...renderPhases(r.sizes),
    ...(r.coldStart ? [`validate cold start (median of ${r.coldStart.runs}): ${r.coldStart.medianMs} ms`] : []),
    ...(r.growth.regfilePlan10kOver1k || r.growth.regfilePlan100kOver10k
      ? [`.reg plan growth: ${[['10k/1k', r.growth.regfilePlan10kOver1k], ['100k/10k', r.growth.regfilePlan100kOver10k]].filter(([, x]) => x !== undefined).map(([n, x]) => `${n} = ${x}`).join(', ')} (linear is 10)`]
      : []),
    '',
  ];
  return lines.join('\n');
}

/** The .reg plan per YAML style, and the floor under it (scripts/bench-floor.js). @param {any[]} styles @param {number} nodeStart */
function renderStyles(styles, nodeStart) {
  if (styles.length === 0) return [];
  return [
    '| values | YAML style | .reg plan (median of 3) | memory per value | page faults (system time) | share of time per phase | floor: js-yaml bare load + .reg decode and split | above node start and the floor |',
    '|---:|---|---|---:|---:|---|---|---:|',
    ...styles.map(
      (s) =>
        `| ${s.values} | ${s.style} | ${s.ms} ms (cpu ${s.cpuMs} ms), ${s.maxRssMb} MB | ${s.kbPerValue} KB | ${s.minorFaults} (${s.sysMs} ms) | ${formatShares(s.phases)} | ${s.floor.yamlMs} + ${s.floor.regMs} ms | ${s.ms - nodeStart - s.floor.yamlMs - s.floor.regMs} ms |`,
    ),
    '',
  ];
}

/** Share of time per phase of each .reg plan and apply. @param {any[]} sizes */
function renderPhases(sizes) {
  const rows = sizes.filter((s) => s.regfile);
  if (rows.length === 0) return [];
  return [
    '| values | .reg plan: share per phase | .reg apply: share per phase | apply memory per value |',
    '|---:|---|---|---:|',
    ...rows.map((s) => `| ${s.values} | ${formatShares(s.regfile.plan.phases)} | ${formatShares(s.regfile.apply.phases)} | ${Math.round((s.regfile.apply.maxRssMb * 1024) / s.values * 10) / 10} KB |`),
    '',
  ];
}

await main();
