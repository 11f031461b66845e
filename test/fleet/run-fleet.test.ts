import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { RegstateError } from '../../src/errors.js';
import { loadDesiredState } from '../../src/config/load-desired-state.js';
import { fleetExitCode } from '../../src/fleet/fleet-exit-code.js';
import { parseFleetJournal } from '../../src/fleet/fleet-journal.js';
import type { FleetConnector } from '../../src/fleet/fleet-connector.js';
import { buildFleetRunReport } from '../../src/fleet/fleet-run-report.js';
import { type ProgressSink, applyFleet, hostJournalDir, planFleet } from '../../src/fleet/run-fleet.js';
import { regDirConnector } from '../../src/fleet/reg-dir-fleet.js';
import { runInProcess } from '../fuzz/run-in-process.js';
import { agpmConfig } from '../cli/cli-harness.js';
import { DROPPED, REFUSED, faultyConnector, regFleet } from './fleet-fixtures.js';

const desiredFor = () => loadDesiredState([agpmConfig]);
const lockEnv = { platform: 'linux' as const, env: {} };

function recordingProgress(): ProgressSink & { events: string[] } {
  const events: string[] = [];
  return { events, phase: (host, phase) => events.push(`${host} ${phase}`), done: (host, status) => events.push(`${host} done ${status}`) };
}

async function regText(regs: string, host: string): Promise<string> {
  return (await readFile(join(regs, `${host}.reg`))).toString('utf16le');
}

describe('a fleet run over 12 real .reg files, one host unreachable and one dropping mid-apply', () => {
  test('plan: every reached host planned, the unreachable one reported with the reason', async () => {
    const { regs, hosts } = await regFleet(12);
    const calls: { parallel: number; hosts: string[] }[] = [];
    const progress = recordingProgress();
    const { runs } = await planFleet({ hosts, connector: faultyConnector(regs, { unreachable: ['web03'] }, calls), parallel: 4, progress, desiredFor });
    expect(calls).toEqual([{ parallel: 4, hosts: hosts.map((h) => h.name) }]);
    expect(runs.map((r) => [r.host, r.status])).toEqual(hosts.map((h) => [h.name, h.name === 'web03' ? 'unreachable' : 'drift']));
    expect(runs[2]?.problems).toEqual([{ code: 'HOST_UNREACHABLE', message: REFUSED }]);
    expect(runs[0]?.plan?.changes.map((c) => [c.action, 'name' in c ? c.name : null])).toEqual([['update', 'EncryptSmtp'], ['create', 'SmtpPort']]);
    expect(progress.events.filter((e) => e.includes(' done ')).sort()).toEqual(hosts.map((h) => `${h.name} done ${h.name === 'web03' ? 'unreachable' : 'drift'}`).sort());
    expect(fleetExitCode('plan', runs.map((r) => r.status), { detailedExitcode: true })).toBe(1);
  });

  test('apply: ten hosts converge, web03 is not reached, web07 drops mid-write; the report says which and why', async () => {
    const { dir, regs, hosts } = await regFleet(12);
    const stateDir = join(dir, 'state');
    const startedAt = new Date();
    const { runs, fleetJournal } = await applyFleet({
      hosts,
      connector: faultyConnector(regs, { unreachable: ['web03'], dropOnWrite: ['web07'] }),
      parallel: 16,
      desiredFor,
      stateDir,
      configs: [],
      lockTimeoutMs: 5000,
      lockEnv,
    });
    const statusOf = (name: string) => runs.find((r) => r.host === name)?.status;
    expect(runs.filter((r) => r.status === 'converged').map((r) => r.host)).toEqual(hosts.map((h) => h.name).filter((n) => n !== 'web03' && n !== 'web07'));
    expect(statusOf('web03')).toBe('unreachable');
    expect(statusOf('web07')).toBe('partial');
    const web07 = runs.find((r) => r.host === 'web07');
    expect(web07?.result?.results.map((r) => [r.outcome, r.error?.code])).toEqual([
      ['failed', 'HOST_UNREACHABLE'],
      ['failed', 'HOST_UNREACHABLE'],
    ]);
    expect(web07?.result?.results[0]?.error?.message).toContain(DROPPED);

    // What is on disk: the converged hosts hold the desired values (a fresh plan finds nothing), web03
    // is untouched, web07 got its first write only.
    const replan = await planFleet({ hosts, connector: regDirConnector(regs), parallel: 16, desiredFor });
    expect(replan.runs.map((r) => [r.host, r.plan?.changes.length])).toEqual(hosts.map((h) => [h.name, h.name === 'web03' ? 2 : h.name === 'web07' ? 1 : 0]));
    expect(await regText(regs, 'web03')).toContain('"EncryptSmtp"=dword:00000000');

    // One journal per host that wrote, each in its own folder; the fleet journal names them.
    const exitCode = fleetExitCode('apply', runs.map((r) => r.status));
    expect(exitCode).toBe(3);
    const recorded = JSON.parse(await readFile(fleetJournal as string, 'utf8'));
    expect(recorded.status).toBe('finished');
    expect(recorded.hosts.map((h: { host: string }) => h.host)).toEqual(hosts.map((h) => h.name).filter((n) => n !== 'web03'));
    for (const h of hosts.filter((x) => x.name !== 'web03')) expect((await readdir(hostJournalDir(stateDir, h.name))).filter((f) => f.endsWith('.json'))).toHaveLength(1);
    await expect(readdir(hostJournalDir(stateDir, 'web03'))).rejects.toThrow();

    const report = buildFleetRunReport('apply', startedAt, runs, [], exitCode);
    expect(report.hosts?.map((h) => [h.host, h.status])).toEqual(runs.map((r) => [r.host, r.status]));
    expect(report.hosts?.find((h) => h.host === 'web03')).toMatchObject({ status: 'unreachable', problems: [{ code: 'HOST_UNREACHABLE', message: REFUSED }], changes: [] });
    expect(report.hosts?.find((h) => h.host === 'web07')).toMatchObject({ status: 'partial', changes: [{ outcome: 'failed', error: { code: 'HOST_UNREACHABLE' } }, { outcome: 'failed' }] });
    expect(report.plan?.summary).toEqual({ create: 11, update: 11, delete: 0, unchanged: 0 });

    // web07's journal undoes its half-done write: rollback --host puts its file back to the snapshot's values.
    const back = await runInProcess(['rollback', '--host', 'web07', '--state-dir', stateDir, '--auto-approve'], dir);
    expect(back.stderr).toBe('');
    expect(back.exitCode).toBe(0);
    const after = await planFleet({ hosts: hosts.filter((h) => h.name === 'web07'), connector: regDirConnector(regs), parallel: 1, desiredFor });
    expect(after.runs[0]?.plan?.changes.map((c) => c.action)).toEqual(['update', 'create']);
  });

  test('a host whose config fails is stopped with the reason; a declined approval writes nothing anywhere', async () => {
    const { dir, regs, hosts } = await regFleet(3);
    const failing = async (host: { name: string }) => (host.name === 'web02' ? loadDesiredState([join(dir, 'missing.yaml')]) : desiredFor());
    const planned = await planFleet({ hosts, connector: regDirConnector(regs), parallel: 2, desiredFor: failing });
    expect(planned.runs.map((r) => r.status)).toEqual(['drift', 'error', 'drift']);
    expect(planned.runs[1]?.problems?.[0]?.code).toBe('FILE_NOT_FOUND');

    const before = await regText(regs, 'web01');
    const shown: string[][] = [];
    await expect(
      applyFleet({ hosts, connector: regDirConnector(regs), parallel: 2, desiredFor, stateDir: join(dir, 'state'), configs: [], lockTimeoutMs: 5000, lockEnv, onPlanned: (runs) => shown.push(runs.map((r) => r.status)), approve: async () => false }),
    ).rejects.toMatchObject({ code: 'NOT_APPROVED' });
    expect(shown).toHaveLength(1);
    expect(await regText(regs, 'web01')).toBe(before);
    await expect(readdir(join(dir, 'state', 'journals'))).rejects.toThrow();
  });

  test('no host writes before every host that is to write has its journal on disk (one fan-out); a host failing before its journal holds nobody', async () => {
    const { dir, regs, hosts } = await regFleet(4);
    const stateDir = join(dir, 'state');
    const names = hosts.map((h) => h.name);
    const journaled = async (): Promise<string[]> =>
      (await Promise.all(names.map(async (n) => ((await readdir(hostJournalDir(stateDir, n)).catch(() => [])).some((f) => f.endsWith('.json')) ? [n] : [])))).flat();
    const seenAtWrite = new Map<string, string[]>();
    const base = regDirConnector(regs);
    const connector: FleetConnector = async (list, o) => {
      const session = await base(list, o);
      const connections = session.connections.map((c) => {
        const backend = c.backend;
        if (!backend) return c;
        const name = c.host.name;
        const wrapped = {
          target: backend.target,
          read: (r: Parameters<typeof backend.read>[0]) => backend.read(r),
          stats: () => backend.stats(),
          close: () => backend.close(),
          write: async (ops: Parameters<typeof backend.write>[0]) => (seenAtWrite.has(name) || seenAtWrite.set(name, await journaled()), backend.write(ops)),
          // web01's journal comes last (its image takes a while); web04 fails before it has one
          captureImage: async () => {
            if (name === 'web04') throw new RegstateError('HOST_DROPPED', 'the connection ended while the image was taken');
            if (name === 'web01') await new Promise((resolve) => setTimeout(resolve, 300));
            return { bytes: null, sha256: null };
          },
        };
        return { ...c, backend: wrapped };
      });
      return { ...session, connections };
    };
    const { runs } = await applyFleet({ hosts, connector, parallel: 4, desiredFor, stateDir, configs: [], lockTimeoutMs: 5000, lockEnv });
    expect(runs.map((r) => [r.host, r.status])).toEqual([['web01', 'converged'], ['web02', 'converged'], ['web03', 'converged'], ['web04', 'unreachable']]);
    expect(runs[3]?.problems?.[0]).toEqual({ code: 'HOST_DROPPED', message: 'the connection ended while the image was taken' });
    expect([...seenAtWrite.keys()].sort()).toEqual(['web01', 'web02', 'web03']);
    for (const seen of seenAtWrite.values()) expect(seen).toEqual(['web01', 'web02', 'web03']);
  });

  test('the fleet journal names each host before that host writes: a run stopped mid-fleet leaves it, and rollback finds the host through it', async () => {
    const { dir, regs, hosts } = await regFleet(3);
    const stateDir = join(dir, 'state');
    // web02's write batch waits until released: the run is stopped there, mid-fleet.
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    let entered = (): void => undefined;
    const writing = new Promise<void>((resolve) => (entered = resolve));
    const base = regDirConnector(regs);
    const connector: FleetConnector = async (list, o) => {
      const session = await base(list, o);
      const connections = session.connections.map((c) => {
        const backend = c.backend;
        if (c.host.name !== 'web02' || !backend) return c;
        return { ...c, backend: { ...backend, target: backend.target, read: (r: Parameters<typeof backend.read>[0]) => backend.read(r), stats: () => backend.stats(), close: () => backend.close(), write: async (ops: Parameters<typeof backend.write>[0]) => (entered(), await held, backend.write(ops)) } };
      });
      return { ...session, connections };
    };
    const run = applyFleet({ hosts, connector, parallel: 3, desiredFor, stateDir, configs: [], lockTimeoutMs: 5000, lockEnv });
    await writing;
    const names = (await readdir(join(stateDir, 'journals'))).filter((n) => n.endsWith('-fleet-apply.json'));
    expect(names).toHaveLength(1);
    const file = join(stateDir, 'journals', names[0] as string);
    const during = parseFleetJournal(await readFile(file, 'utf8'), file);
    expect(during.status).toBe('started');
    expect(during.hosts.map((h) => h.host)).toContain('web02');
    // web02's own journal is on disk too: rollback through the fleet journal would find it
    expect(await readdir(hostJournalDir(stateDir, 'web02'))).toHaveLength(1);
    release();
    const outcome = await run;
    expect(outcome.fleetJournal).toBe(file);
    const after = parseFleetJournal(await readFile(file, 'utf8'), file);
    expect(after.status).toBe('finished');
    expect(after.hosts.map((h) => h.host)).toEqual(['web01', 'web02', 'web03']);

    const back = await runInProcess(['rollback', file, '--host', 'web02', '--state-dir', stateDir, '--auto-approve'], dir);
    expect(back.stderr).toBe('');
    expect(back.exitCode).toBe(0);
    const replan = await planFleet({ hosts, connector: regDirConnector(regs), parallel: 3, desiredFor });
    expect(replan.runs.map((r) => [r.host, r.plan?.changes.length])).toEqual([['web01', 0], ['web02', 2], ['web03', 0]]);
  });
});
