// @ts-check
// The `wine` bench part: plan and apply through the agent's Windows layer (a Windows PowerShell 7
// under wine, against wine's registry), and the agent's own time per value there.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { measureCli } from './bench-measure.js';
import { WINDOWS_PWSH, createWinePrefix } from './wine-prefix.js';
import { decodeReadAnswer, encodeReadRequest, encodeWriteRequest } from '../dist/registry/powershell/agent-protocol.js';
import { PowerShellSession } from '../dist/registry/powershell/powershell-session.js';

export const WINE_SIZES = [1000, 10_000];
const TIMEOUT_S = 1200;
const BENCH_ROOT = 'HKLM\\SOFTWARE\\RegstateBench';

/** @param {ReturnType<typeof measureCli>} m @param {string} what @param {number[]} expected */
function check(m, what, expected) {
  if (!expected.includes(m.exitCode)) throw new Error(`${what} exited ${m.exitCode}:\n${m.stderr}`);
  return m;
}

/** @param {ReturnType<typeof measureCli>} m */
const pick = (m) => ({ ms: Math.round(m.ms), cpuMs: Math.round(m.cpuMs), nodeMaxRssMb: Math.round(m.nodeMaxRssMb), processes: m.processes, roundTrips: m.roundTrips });

/**
 * One size in a fresh prefix: an apply into the empty registry (seeds every value), a converged plan,
 * then the bench's .reg registry (about 10% drift) imported in place of the values, a plan and an apply
 * of that drift, and a last plan that must be converged.
 * @param {string} dir @param {{config: string, reg: string, drift: number}} data
 */
async function runWineSize(dir, data) {
  const wine = createWinePrefix();
  try {
    const env = wine.env;
    const target = ['--powershell', WINDOWS_PWSH, '--timeout', String(TIMEOUT_S), '--verbose'];
    const state = ['--state-dir', join(dir, `wine-state-${Date.now()}`), '--auto-approve'];
    const seed = check(measureCli(['apply', data.config, ...target, ...state], { env }), 'wine seeding apply', [0]);
    const converged = check(measureCli(['plan', data.config, ...target, '--detailed-exitcode'], { env }), 'wine plan after seeding', [0]);
    const reg = (/** @type {string[]} */ ...args) => execFileSync('wine', ['reg', ...args], { env: { ...process.env, ...env }, stdio: 'ignore', timeout: 600_000 });
    reg('delete', BENCH_ROOT, '/f');
    reg('import', data.reg);
    const plan = check(measureCli(['plan', data.config, ...target, '--detailed-exitcode'], { env }), 'wine plan with drift', [2]);
    const apply = check(measureCli(['apply', data.config, ...target, ...state], { env }), 'wine apply of the drift', [0]);
    const again = check(measureCli(['plan', data.config, ...target, '--detailed-exitcode'], { env }), 'wine plan after apply', [0, 2]);
    const inPwsh = await runInWindowsPwsh(env);
    return { seedApply: pick(seed), convergedPlan: pick(converged), plan: pick(plan), apply: pick(apply), converged: again.exitCode === 0, inPwsh };
  } finally {
    wine.dispose();
  }
}

/** Time inside the Windows pwsh per value (the agent's own Stopwatch): a cold and a warm read of the bench root, then a write of every value. @param {Record<string, string>} env */
async function runInWindowsPwsh(env) {
  const session = new PowerShellSession({ executable: WINDOWS_PWSH, env: { ...process.env, ...env }, timeoutMs: TIMEOUT_S * 1000 });
  try {
    const requests = [{ key: /** @type {any} */ ({ hive: 'HKLM', path: 'SOFTWARE\\RegstateBench', view: 64 }), recursive: true }];
    const perValue = (/** @type {any} */ a) => ({ values: a.stats.values, usPerValue: Math.round((a.stats.workMs * 1000) / Math.max(1, a.stats.values)), cpuMs: a.stats.cpuMs });
    const cold = await session.request(encodeReadRequest(requests, undefined));
    const warm = await session.request(encodeReadRequest(requests, undefined));
    const ops = decodeReadAnswer(requests, warm).flatMap((live) => live.values.map((v) => ({ op: 'set-value', key: live.key, name: v.name, value: v.value })));
    const write = await session.request(encodeWriteRequest(/** @type {any} */ (ops), undefined));
    return { readCold: perValue(cold), read: perValue(warm), write: perValue(write) };
  } finally {
    await session.close();
  }
}

/** The wine part for every size in `sizes` that is one of WINE_SIZES. @param {string} dir @param {number[]} sizes @param {(dir: string, count: number) => Promise<any>} generate */
export async function runWine(dir, sizes, generate) {
  const rows = [];
  for (const count of WINE_SIZES.filter((n) => sizes.includes(n))) {
    const data = await generate(dir, count);
    rows.push({ values: count, drift: data.drift, ...(await runWineSize(dir, data)) });
    process.stderr.write(`wine, ${count} values: ${JSON.stringify(rows[rows.length - 1])}\n`);
  }
  return rows;
}

/** The wine rows of the printed table. @param {any[]} rows */
export function renderWine(rows) {
  if (rows.length === 0) return [];
  const cell = (/** @type {any} */ m) => `${m.ms} ms (cpu ${m.cpuMs}), node ${m.nodeMaxRssMb} MB, ${m.processes} proc/${m.roundTrips} rt`;
  const us = (/** @type {any} */ p) => `read ${p.read.usPerValue} us/value (first ${p.readCold.usPerValue}), write ${p.write.usPerValue} us/value; pwsh CPU ${p.readCold.cpuMs} / ${p.read.cpuMs} / ${p.write.cpuMs} ms`;
  return [
    '| values (wine) | apply into empty registry | plan, converged | plan, drift | apply, drift | inside pwsh (Windows layer) |',
    '|---:|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.values} (${r.drift} drift) | ${cell(r.seedApply)} | ${cell(r.convergedPlan)} | ${cell(r.plan)} | ${cell(r.apply)}${r.converged ? '' : ' (NOT converged)'} | ${us(r.inPwsh)} |`),
    '',
  ];
}
