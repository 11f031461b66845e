import { expectRoot } from '../builders.js';
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, readFile, readdir, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { acquireRunLock } from '../../src/state/run-lock.js';
import { locateLock } from '../../src/state/lock-location.js';
import { agpmConfig, bin, listJournals, pwsh, readHive, runCli, startCli, tempWorkspace, waitFor, writeHive } from './cli-harness.js';

const smtpOnly = (port: number) => `version: 1\nkeys:\n  - path: HKLM\\SOFTWARE\\Microsoft\\AGPM\n    values:\n      - name: SmtpPort\n        type: REG_DWORD\n        data: ${port}\n`;
const fromUtf16 = (bytes: Buffer): string => bytes.subarray(2).toString('utf16le');

describe('one writer per target, whatever the path or the state directory', () => {
  test('the lock is on the canonical target: a run through a symlinked folder and another state dir waits for it', async () => {
    const { dir, snapshot } = await tempWorkspace();
    await symlink(dir, join(dir, '..', `${dir.split('/').pop()}-link`));
    const viaLink = join(`${dir}-link`, 'snapshot.reg');
    const where = await locateLock({ backend: 'regfile', file: snapshot }, { platform: process.platform, env: process.env });
    const held = await acquireRunLock({ dir: where.dir, target: where.id, timeoutMs: 0, command: 'test holder' });
    try {
      const result = await runCli(['apply', agpmConfig, '--registry', viaLink, '--auto-approve', '--lock-timeout', '0', '--state-dir', join(dir, 'other-state')]);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toMatch(/^regstate: error: regfile:.*snapshot\.reg is locked by another regstate run: pid \d+/m);
    } finally {
      await held.release();
    }
    expect(await readdir(dir)).not.toContain('.snapshot.reg.regstate-lock');
  });

  test('two concurrent applies through two paths and two state dirs both land: no lost update', async () => {
    const { dir, snapshot } = await tempWorkspace();
    await mkdir(join(dir, 'sub'));
    await symlink(dir, join(dir, 'sub', 'link'));
    await writeFile(join(dir, 'a.yaml'), smtpOnly(587));
    const b = `version: 1\nkeys:\n  - path: HKLM\\SOFTWARE\\Microsoft\\AGPM\\Other\n    values:\n      - name: Flag\n        type: REG_DWORD\n        data: 1\n`;
    await writeFile(join(dir, 'b.yaml'), b);
    const runs = await Promise.all([
      runCli(['apply', join(dir, 'a.yaml'), '--registry', snapshot, '--auto-approve', '--state-dir', join(dir, 's1')]),
      runCli(['apply', join(dir, 'b.yaml'), '--registry', join(dir, 'sub', 'link', 'snapshot.reg'), '--auto-approve', '--state-dir', join(dir, 's2')]),
    ]);
    expect(runs.map((r) => [r.exitCode, r.stderr.replace(/regstate: waiting[^\n]*\n?/, '')])).toEqual([[0, ''], [0, '']]);
    const text = fromUtf16(await readFile(snapshot));
    expect(text).toContain('"SmtpPort"=dword:0000024b');
    expect(text).toContain('[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\AGPM\\Other]\r\n"Flag"=dword:00000001');
  }, 60_000);
});

describe('--registry and --simulated-hive that do not exist', () => {
  test('a missing .reg is exit 1 naming it, nothing created; --create-registry starts a new one', async () => {
    const { dir } = await tempWorkspace();
    const typo = join(dir, 'snapshto.reg');
    for (const args of [['plan'], ['apply', '--auto-approve', '--state-dir', join(dir, 'state')]]) {
      const result = await runCli([...args, agpmConfig, '--registry', typo]);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toBe(`regstate: error: the registry file ${typo} does not exist (to start a new .reg file, ask for it: --create-registry)`);
    }
    await expect(stat(typo)).rejects.toMatchObject({ code: 'ENOENT' });
    const missingDir = await runCli(['plan', agpmConfig, '--registry', join(dir, 'nope', 'x.reg'), '--create-registry']);
    expect(missingDir).toMatchObject({ exitCode: 1, stderr: `regstate: error: cannot write ${join(dir, 'nope', 'x.reg')}: the folder ${join(dir, 'nope')} does not exist` });
    const created = await runCli(['apply', agpmConfig, '--registry', typo, '--create-registry', '--auto-approve', '--state-dir', join(dir, 'state')]);
    expect(created).toMatchObject({ exitCode: 0, stderr: '' });
    expect(fromUtf16(await readFile(typo))).toContain('"EncryptSmtp"=dword:00000001');
  }, 60_000);

  test('a missing simulated hive, or a folder given as one, is exit 1 naming it', async () => {
    const { dir } = await tempWorkspace();
    const hive = join(dir, 'hive.json');
    const missing = await runCli(['plan', agpmConfig, '--simulated-hive', hive]);
    expect(missing).toMatchObject({ exitCode: 1, stderr: `regstate: error: the simulated hive ${hive} does not exist (to start a new one, ask for it: --create-registry)` });
    const folder = await runCli(['plan', agpmConfig, '--simulated-hive', dir]);
    expect(folder).toMatchObject({ exitCode: 1, stderr: `regstate: error: cannot use the simulated hive ${dir}: it is a directory, not a regular file` });
  });
});

describe('links, modes and output paths', () => {
  test('--registry LINK writes through to the target, keeps its mode 0600, also after rollback; the link stays a link', async () => {
    const { dir, snapshot } = await tempWorkspace();
    await chmod(snapshot, 0o600);
    const original = await readFile(snapshot);
    const link = join(dir, 'link.reg');
    await symlink(snapshot, link);
    const state = join(dir, 'state');
    const applied = await runCli(['apply', agpmConfig, '--registry', link, '--auto-approve', '--state-dir', state]);
    expect(applied).toMatchObject({ exitCode: 0, stderr: '' });
    expect(await readlink(link)).toBe(snapshot);
    expect(fromUtf16(await readFile(snapshot))).toContain('"SmtpPort"=dword:0000024b');
    expect((await stat(snapshot)).mode & 0o777).toBe(0o600);
    const rolled = await runCli(['rollback', '--auto-approve', '--state-dir', state]);
    expect(rolled).toMatchObject({ exitCode: 0, stderr: '' });
    expect(await readFile(snapshot)).toEqual(original);
    expect(await readlink(link)).toBe(snapshot);
    expect((await stat(snapshot)).mode & 0o777).toBe(0o600);
  }, 60_000);

  test('--report LINK and plan --out LINK write through the link', async () => {
    const { dir, snapshot } = await tempWorkspace();
    await writeFile(join(dir, 'real.json'), '');
    await symlink(join(dir, 'real.json'), join(dir, 'report.json'));
    const applied = await runCli(['apply', agpmConfig, '--registry', snapshot, '--auto-approve', '--state-dir', join(dir, 'state'), '--report', join(dir, 'report.json')]);
    expect(applied.exitCode).toBe(0);
    expect(await readlink(join(dir, 'report.json'))).toBe(join(dir, 'real.json'));
    expect(JSON.parse(await readFile(join(dir, 'real.json'), 'utf8'))).toMatchObject({ command: 'apply', exitCode: 0 });
  }, 60_000);

  test('apply --report DIR (or in a missing folder) is exit 1 before anything is written', async () => {
    const { dir, snapshot } = await tempWorkspace();
    const before = await readFile(snapshot);
    for (const report of [dir, join(dir, 'missing', 'r.json')]) {
      const result = await runCli(['apply', agpmConfig, '--registry', snapshot, '--auto-approve', '--state-dir', join(dir, 'state'), '--report', report]);
      expect(result.exitCode).toBe(1);
      expect(result.stdout).not.toContain('Apply complete');
      expect(result.stderr).toMatch(new RegExp(`^regstate: error: cannot write ${report.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: (it is a directory, not a regular file|the folder .* does not exist)$`));
    }
    expect(await readFile(snapshot)).toEqual(before);
  }, 60_000);

  test('a report that cannot be saved after the registry was written: the exit code still says the apply converged', async () => {
    const { dir } = await tempWorkspace();
    const hive = join(dir, 'hive.json');
    const agpm = 'HKLM\\SOFTWARE\\Microsoft\\AGPM';
    await writeHive(hive, [{ path: agpm, values: [{ name: 'EncryptSmtp', kind: 'DWord', data: 0 }] }], { delayMsPerWrite: 1500 });
    const state = join(dir, 'state');
    const reports = join(dir, 'reports');
    await mkdir(reports);
    const run = startCli(['apply', agpmConfig, '--simulated-hive', hive, '--auto-approve', '--powershell', pwsh, '--state-dir', state, '--report', join(reports, 'r.json')]);
    // The folder checked before the run is replaced by a file while the batch writes.
    await waitFor(async () => (await listJournals(state)).length === 1);
    await rm(reports, { recursive: true });
    await writeFile(reports, '');
    const result = await run;
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Apply complete');
    expect(result.stderr).toMatch(/^regstate: error: cannot write report .*r\.json: .* \(the registry was written and verified; exit code 0 tells what happened to it\)$/);
    expect((await readHive(hive))[agpm]?.SmtpPort?.data).toBe(587);
  }, 90_000);

  test('plan --out DIR, --out missing/x.json and a state dir that is a file: clear errors, nothing left behind', async () => {
    const { dir, snapshot } = await tempWorkspace();
    const asDir = await runCli(['plan', agpmConfig, '--registry', snapshot, '--out', dir]);
    expect(asDir).toMatchObject({ exitCode: 1, stdout: '', stderr: `regstate: error: cannot write ${dir}: it is a directory, not a regular file` });
    const missing = await runCli(['plan', agpmConfig, '--registry', snapshot, '--out', 'missing/x.json'], { cwd: dir });
    expect(missing).toMatchObject({ exitCode: 1, stdout: '', stderr: `regstate: error: cannot write ${join(dir, 'missing', 'x.json')}: the folder ${join(dir, 'missing')} does not exist` });
    await writeFile(join(dir, 'state'), '');
    const stateFile = await runCli(['apply', agpmConfig, '--registry', snapshot, '--auto-approve', '--state-dir', join(dir, 'state')]);
    expect(stateFile).toMatchObject({ exitCode: 1, stderr: `regstate: error: cannot create state directory ${join(dir, 'state')}: it, or a folder on its path, is a file, not a directory` });
    expect((await readdir(dir)).sort()).toEqual(['snapshot.reg', 'state']);
  }, 60_000);
});

describe('FIFOs, devices and signals', () => {
  test('validate FIFO and --registry /dev/zero are refused at once', async () => {
    const { dir, snapshot } = await tempWorkspace();
    const fifo = join(dir, 'pipe.yaml');
    execFileSync('mkfifo', [fifo]);
    expect(await runCli(['validate', fifo])).toMatchObject({ exitCode: 1, stderr: `${fifo}:1:1: it is a FIFO (named pipe), not a regular file` });
    expect(await runCli(['plan', agpmConfig, '--registry', '/dev/zero'])).toMatchObject({ exitCode: 1, stderr: 'regstate: error: cannot read /dev/zero: it is a character device, not a regular file' });
    expect(await runCli(['plan', agpmConfig, '--registry', snapshot, '--out', '/dev/full'])).toMatchObject({ exitCode: 1, stderr: 'regstate: error: cannot write /dev/full: it is a character device, not a regular file' });
  }, 60_000);

  test('the first SIGTERM ends a run at once, even one waiting for a lock', async () => {
    const { dir, snapshot } = await tempWorkspace();
    const where = await locateLock({ backend: 'regfile', file: snapshot }, { platform: process.platform, env: process.env });
    const held = await acquireRunLock({ dir: where.dir, target: where.id, timeoutMs: 0 });
    try {
      const run = startCli(['apply', agpmConfig, '--registry', snapshot, '--auto-approve', '--state-dir', join(dir, 'state'), '--lock-timeout', '60']);
      let stderr = '';
      await new Promise<void>((resolve) => run.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('waiting for another run')) resolve();
      }));
      run.kill('SIGTERM');
      const result = await run;
      expect(result.signal).toBe('SIGTERM');
      expect(result.stderr).toContain('regstate: interrupted (SIGTERM)');
    } finally {
      await held.release();
    }
  }, 60_000);

  // A full disk: a 64 KiB tmpfs in a private mount namespace (root only; CI runs as root).
  test('a full disk: plan --out and apply say "no space left", leave the target as it was and no temporary file', async () => {
    expectRoot();
    const { dir, snapshot } = await tempWorkspace();
    const disk = join(dir, 'disk');
    await mkdir(disk);
    const script = [
      `mount -t tmpfs -o size=64k tmpfs "${disk}"`,
      `cp "${snapshot}" "${disk}/snap.reg"`,
      // Full but for one page: room for the run lock, none for the new .reg.
      `head -c 4096 /dev/zero > "${disk}/spare"`,
      `head -c 1048576 /dev/zero > "${disk}/fill" 2>/dev/null`,
      `node "${bin}" plan "${agpmConfig}" --registry "${disk}/snap.reg" --out "${disk}/plan.json"; echo "plan=$?"`,
      `rm "${disk}/spare"`,
      `node "${bin}" apply "${agpmConfig}" --registry "${disk}/snap.reg" --auto-approve --state-dir "${dir}/state"; echo "apply=$?"`,
      `cmp -s "${snapshot}" "${disk}/snap.reg" && echo same`,
      `ls -A "${disk}"`,
    ].join('\n');
    const out = execFileSync('unshare', ['-m', 'sh', '-c', script], { env: { ...process.env, NO_COLOR: '1' }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(out).toContain('plan=1');
    expect(out).toMatch(/plan=1[\s\S]*apply=3\nsame\nfill\nsnap\.reg\n$/);
    expect(out).toContain('no space left on the device');
  }, 60_000);
});
