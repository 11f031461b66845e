import { jest } from '@jest/globals';
import { type ApplyResult, applyPlan } from '../../../src/apply/apply-plan.js';
import type { KeyRef } from '../../../src/model/key-ref.js';
import type { Plan } from '../../../src/plan/plan.js';
import type { ReadRequest, WriteOp } from '../../../src/registry/backend.js';
import { decodeProfilesAnswer, decodeReadAnswer, encodeProfilesRequest, encodeReadRequest } from '../../../src/registry/powershell/agent-protocol.js';
import { type WindowsHost, WINDOWS_TIMEOUT_MS, describeWine, openLiveBackend, useWindowsHost } from '../../windows-host.js';

jest.setTimeout(WINDOWS_TIMEOUT_MS);

// A live registry changes under a read: another program deletes values of a key while the agent reads
// it. A value deleted after the key's names were listed is absent from the answer, as a read a moment
// later would say; the key's read does not fail (through RegistryKey's calls it did, with "The
// specified registry key does not exist" from GetValueKind), and every value that is read has its own
// data. Enumeration by index (RegEnumValue and RegistryKey alike) skips a value when one before it goes,
// and a subkey when a subkey before it goes, so a read the key changed under is done again: every value
// and subkey never deleted is in the answer. A key that changes during every read is an error for that
// key (TARGET_CHANGED), within a bounded time. A key deleted while it is read (its handle then answers
// "Key deleted.") is what its path holds a moment later: absent, or left out of a recursive read.
const COUNT = 2000;
const KEYS = 1000;
const key: KeyRef = { hive: 'HKCU', path: 'Software\\RegstateTest\\Vanishing', view: 64 };
const busyKey: KeyRef = { hive: 'HKCU', path: 'Software\\RegstateTest\\Busy', view: 64 };
const dataOf = (i: number): number => (i * 40_503 + 7) >>> 0;

// RsTestDeleter deletes v(COUNT-1), v(COUNT-3), ... v1 from a thread of the agent's own process, one a
// millisecond: from the end, so most go after the reader listed the names and before it reaches them.
// RsTestWriter sets one value of a key again and again, without a pause (a pause leaves quiet moments a
// quick read can fit in), until stopped (at most a minute, so a failed test leaves no endless thread).
const HELPERS = `
using System;
using System.Diagnostics;
using System.Threading;
using Microsoft.Win32;
public static class RsTestDeleter
{
    // Runs work on the key at path from a thread of its own, returning once the key is open.
    private static Thread Run(RegistryKey root, string path, Action<RegistryKey> work)
    {
        ManualResetEvent started = new ManualResetEvent(false);
        Thread thread = new Thread(delegate ()
        {
            using (RegistryKey key = root.OpenSubKey(path, true))
            {
                started.Set();
                work(key);
            }
        });
        thread.Start();
        started.WaitOne();
        return thread;
    }

    public static Thread Start(string path, int count)
    {
        return Run(Registry.CurrentUser, path, delegate (RegistryKey key)
        {
            for (int i = count - 1; i >= 1; i -= 2) { key.DeleteValue("v" + i, false); Thread.Sleep(1); }
        });
    }

    // Subkeys k0001, k0003, ... from the first, one a millisecond: each goes before the listing's cursor.
    public static Thread StartSubKeys(string path, int count)
    {
        return Run(Registry.CurrentUser, path, delegate (RegistryKey key)
        {
            for (int i = 1; i < count; i += 2) { key.DeleteSubKey("k" + i.ToString("D4"), false); Thread.Sleep(1); }
        });
    }

    // The subtree child of parent (HKCU), deleted as soon as the agent has begun its passes-th key read
    // from now on (RsWinKey.ReadPasses, found by name: the agent's assembly is compiled apart from this one).
    public static Thread DeleteWhenRead(string parent, string child, int passes)
    {
        System.Reflection.FieldInfo counter = null;
        foreach (System.Reflection.Assembly a in AppDomain.CurrentDomain.GetAssemblies())
        {
            Type t = a.GetType("Regstate.Agent.RsWinKey", false);
            if (t != null) counter = t.GetField("ReadPasses");
        }
        int start = (int)counter.GetValue(null);
        return Run(Registry.CurrentUser, parent, delegate (RegistryKey key)
        {
            Stopwatch clock = Stopwatch.StartNew();
            while ((int)counter.GetValue(null) < start + passes && clock.ElapsedMilliseconds < 60000) Thread.SpinWait(50);
            key.DeleteSubKeyTree(child, false);
        });
    }

    // ProfileList entries prefix + 1, prefix + 3, ... (HKLM) from the first, one a millisecond.
    public static Thread StartProfiles(string prefix, int count)
    {
        return Run(Registry.LocalMachine, @"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList", delegate (RegistryKey key)
        {
            for (int i = 1; i < count; i += 2) { key.DeleteSubKeyTree(prefix + (1000 + i).ToString(), false); Thread.Sleep(1); }
        });
    }
}
public static class RsTestWriter
{
    private static volatile bool stop;
    private static Thread thread;
    public static int Writes;

    public static bool Running { get { return thread != null && thread.IsAlive; } }

    public static void Start(string path)
    {
        stop = false;
        Writes = 0;
        ManualResetEvent started = new ManualResetEvent(false);
        thread = new Thread(delegate ()
        {
            using (RegistryKey key = Registry.CurrentUser.OpenSubKey(path, true))
            {
                Stopwatch clock = Stopwatch.StartNew();
                for (int i = 0; !stop && clock.ElapsedMilliseconds < 60000; i++)
                {
                    key.SetValue("tick", i, RegistryValueKind.DWord);
                    Writes++;
                    if (i == 0) started.Set();
                }
            }
        });
        thread.Start();
        started.WaitOne();
    }

    public static void Stop()
    {
        stop = true;
        if (thread != null) thread.Join();
    }
}`;

const COMPILE = `if (-not ('RsTestWriter' -as [type])) { Add-Type -TypeDefinition ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('${Buffer.from(HELPERS, 'utf8').toString('base64')}'))) }`;

describeWine('values and subkeys deleted by another program during a read (Windows pwsh under wine)', () => {
  let host: WindowsHost;
  useWindowsHost((started) => (host = started));

  // The value of a PowerShell expression (test constants only), answered on the agent's answer line.
  const probe = async (expression: string): Promise<unknown> => {
    const answerLine = `[Console]::Out.WriteLine('REGSTATE:' + [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes((ConvertTo-Json -Compress -InputObject @{ ok = $true; errors = @(); results = $(${expression}) }))))`;
    const answer = await host.session.request({ op: 'probe' }, `& { param($RequestBase64) ${answerLine} }`);
    return answer.results;
  };

  test.each([
    ['RegistryKey calls (the fallback read)', '$false'],
    ['the native read', '$true'],
  ])('%s: the key is read, without the deleted values, with every value never deleted, each with its own data', async (_label, native) => {
    const backend = await openLiveBackend(host);
    const ops: WriteOp[] = Array.from({ length: COUNT }, (_, i): WriteOp => ({ op: 'set-value', key, name: `v${i}`, value: { type: 'REG_DWORD', data: dataOf(i) } }));
    expect((await backend.write(ops)).filter((o) => !o.ok)).toEqual([]);

    const requests: ReadRequest[] = [{ key }];
    // The entry ends in Invoke-RegstateRequest: the session appends the request to it.
    const entry = `${COMPILE}; [Regstate.Agent.RsWinKey]::NativeReads = ${native}; $global:RsTestPasses = [Regstate.Agent.RsWinKey]::ReadPasses; $global:RsTestDeleting = [RsTestDeleter]::Start('${key.path}', ${COUNT}); Invoke-RegstateRequest`;
    const answer = await host.session.request(encodeReadRequest(requests, undefined), entry);
    const passes = await probe('[Regstate.Agent.RsWinKey]::ReadPasses - $global:RsTestPasses');
    // the deleter done, reads back to native ones, the key as it is now
    const settled = await host.session.request(encodeReadRequest(requests, undefined), '$global:RsTestDeleting.Join(); [Regstate.Agent.RsWinKey]::NativeReads = $true; Invoke-RegstateRequest');
    expect(answer.errors).toEqual([]);
    const [live] = decodeReadAnswer(requests, answer);

    const read = new Map(live?.values.map((v) => [v.name, v.value]));
    const wrong = [...read].filter(([name, value]) => JSON.stringify(value) !== JSON.stringify({ type: 'REG_DWORD', data: dataOf(Number(name.slice(1))) }));
    expect(wrong).toEqual([]);
    // every value never deleted (the even ones) is read, though the first read of the key missed some
    const neverDeleted = Array.from({ length: COUNT / 2 }, (_, i) => `v${2 * i}`);
    expect(neverDeleted.filter((name) => !read.has(name))).toEqual([]);
    expect(passes).toBeGreaterThan(1);
    // deletions were seen (the first ones go before the listing reaches the end of the key)
    expect(read.size).toBeLessThan(COUNT);
    expect(decodeReadAnswer(requests, settled)[0]?.values).toHaveLength(COUNT / 2);
    await backend.write([{ op: 'delete-key', key }]);
  }, 300_000);

  test('subkeys deleted during a recursive read: every subkey never deleted is listed and read', async () => {
    const backend = await openLiveBackend(host);
    const root: KeyRef = { hive: 'HKCU', path: 'Software\\RegstateTest\\VanishingKeys', view: 64 };
    const nameOf = (i: number): string => `k${String(i).padStart(4, '0')}`;
    const ops: WriteOp[] = Array.from({ length: KEYS }, (_, i): WriteOp => ({ op: 'create-key', key: { ...root, path: `${root.path}\\${nameOf(i)}` } }));
    expect((await backend.write(ops)).filter((o) => !o.ok)).toEqual([]);

    const requests: ReadRequest[] = [{ key: root, recursive: true }];
    const entry = `${COMPILE}; [Regstate.Agent.RsWinKey]::NativeReads = $true; $global:RsTestDeleting = [RsTestDeleter]::StartSubKeys('${root.path}', ${KEYS}); Invoke-RegstateRequest`;
    const answer = await host.session.request(encodeReadRequest(requests, undefined), entry);
    await host.session.request(encodeReadRequest([], undefined), '$global:RsTestDeleting.Join(); Invoke-RegstateRequest');
    expect(answer.errors).toEqual([]);
    const [top, ...below] = decodeReadAnswer(requests, answer);

    const listed = new Set(top?.subkeys);
    const read = new Set(below.filter((k) => k.exists).map((k) => k.key.path.slice(root.path.length + 1)));
    const neverDeleted = Array.from({ length: KEYS / 2 }, (_, i) => nameOf(2 * i));
    expect(neverDeleted.filter((name) => !listed.has(name))).toEqual([]);
    expect(neverDeleted.filter((name) => !read.has(name))).toEqual([]);
    // deletions were seen
    expect(listed.size).toBeLessThan(KEYS);
    await backend.write([{ op: 'delete-key', key: root }]);
  }, 300_000);

  test('a key deleted while it is read is absent, as a read a moment later would say; a subkey deleted while it is read is left out', async () => {
    const backend = await openLiveBackend(host);
    const parent: KeyRef = { hive: 'HKCU', path: 'Software\\RegstateTest\\Going', view: 64 };
    const doomed: KeyRef = { ...parent, path: `${parent.path}\\Doomed` };
    const kept: KeyRef = { ...parent, path: `${parent.path}\\Kept` };
    const fill = async (target: KeyRef): Promise<void> => {
      const ops: WriteOp[] = Array.from({ length: COUNT }, (_, i): WriteOp => ({ op: 'set-value', key: target, name: `v${i}`, value: { type: 'REG_DWORD', data: dataOf(i) } }));
      expect((await backend.write(ops)).filter((o) => !o.ok)).toEqual([]);
    };
    try {
      // The requested key itself: deleted once its read has begun (its first pass).
      await fill(doomed);
      const requests: ReadRequest[] = [{ key: doomed }];
      const entry = `${COMPILE}; [Regstate.Agent.RsWinKey]::NativeReads = $true; $global:RsTestDeleting = [RsTestDeleter]::DeleteWhenRead('${parent.path}', 'Doomed', 1); Invoke-RegstateRequest`;
      const answer = await host.session.request(encodeReadRequest(requests, undefined), entry);
      await probe('$global:RsTestDeleting.Join(); 0');
      expect(answer.errors).toEqual([]);
      expect(decodeReadAnswer(requests, answer)).toEqual([{ key: doomed, exists: false, values: [], subkeys: [] }]);

      // A subkey of a recursive read: the parent is read first (pass 1), Doomed second (it sorts before Kept).
      await fill(doomed);
      await fill(kept);
      const tree: ReadRequest[] = [{ key: parent, recursive: true }];
      const recursive = `${COMPILE}; [Regstate.Agent.RsWinKey]::NativeReads = $true; $global:RsTestDeleting = [RsTestDeleter]::DeleteWhenRead('${parent.path}', 'Doomed', 2); Invoke-RegstateRequest`;
      const read = await host.session.request(encodeReadRequest(tree, undefined), recursive);
      await probe('$global:RsTestDeleting.Join(); 0');
      expect(read.errors).toEqual([]);
      const keys = decodeReadAnswer(tree, read);
      expect(keys.map((k) => [k.key.path, k.exists])).toEqual([
        [parent.path, true],
        [kept.path, true],
      ]);
      expect(keys[0]?.subkeys).toEqual(['Doomed', 'Kept']);
      expect(keys[1]?.values).toHaveLength(COUNT);
    } finally {
      await backend.write([{ op: 'delete-key', key: parent }]);
    }
  }, 300_000);

  test('profiles deleted from ProfileList during the profiles request: every profile never deleted is listed', async () => {
    const backend = await openLiveBackend(host);
    const profileList: KeyRef = { hive: 'HKLM', path: 'SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList', view: 64 };
    const prefix = 'S-1-5-21-9-9-9-';
    const sidOf = (i: number): string => `${prefix}${1000 + i}`;
    const count = 400;
    const entryOf = (i: number): KeyRef => ({ ...profileList, path: `${profileList.path}\\${sidOf(i)}` });
    const ops: WriteOp[] = Array.from({ length: count }, (_, i): WriteOp => ({ op: 'set-value', key: entryOf(i), name: 'ProfileImagePath', value: { type: 'REG_SZ', data: `C:\\users\\p${i}` } }));
    expect((await backend.write(ops)).filter((o) => !o.ok)).toEqual([]);
    try {
      const entry = `${COMPILE}; $global:RsTestPasses = [Regstate.Agent.RsWinKey]::ReadPasses; $global:RsTestDeleting = [RsTestDeleter]::StartProfiles('${prefix}', ${count}); Invoke-RegstateRequest`;
      const answer = await host.session.request(encodeProfilesRequest(undefined), entry);
      const passes = await probe('[Regstate.Agent.RsWinKey]::ReadPasses - $global:RsTestPasses');
      await probe('$global:RsTestDeleting.Join(); 0');
      expect(answer.errors).toEqual([]);
      const listed = new Set(decodeProfilesAnswer(answer).map((p) => p.sid));
      const neverDeleted = Array.from({ length: count / 2 }, (_, i) => sidOf(2 * i));
      expect(neverDeleted.filter((sid) => !listed.has(sid))).toEqual([]);
      // ProfileList changed during its first read, and was read again
      expect(passes).toBeGreaterThan(1);
    } finally {
      await backend.write(Array.from({ length: count }, (_, i): WriteOp => ({ op: 'delete-key', key: entryOf(i) })));
    }
  }, 300_000);

  test("an apply whose read-back meets a key written during every read: only that key's changes are VERIFY_FAILED", async () => {
    const backend = await openLiveBackend(host);
    const quiet: KeyRef = { hive: 'HKCU', path: 'Software\\RegstateTest\\Quiet', view: 64 };
    // a key of 1,000 values takes long enough to read that the writer changes it during every read
    // (a key of one value reads in a moment the writer may leave quiet on a loaded machine)
    const seed: WriteOp[] = Array.from({ length: 1000 }, (_, i): WriteOp => ({ op: 'set-value', key: busyKey, name: `v${i}`, value: { type: 'REG_DWORD', data: dataOf(i) } }));
    seed.push({ op: 'set-value', key: busyKey, name: 'v', value: { type: 'REG_DWORD', data: 0 } });
    expect((await backend.write(seed)).filter((o) => !o.ok)).toEqual([]);
    const plan: Plan = {
      changes: [
        { action: 'create', key: quiet, name: 'a', before: null, after: { type: 'REG_DWORD', data: 1 }, source: { file: 't.yaml', line: 1, column: 1 } },
        { action: 'update', key: busyKey, name: 'v', before: { type: 'REG_DWORD', data: 0 }, after: { type: 'REG_DWORD', data: 2 }, source: { file: 't.yaml', line: 2, column: 1 } },
      ],
      unchanged: 0,
    };
    try {
      // another program writes the busy key all along: the apply's write lands, its read-back of that key cannot settle
      await probe(`${COMPILE}; [RsTestWriter]::Start('${busyKey.path}'); 0`);
      let result: ApplyResult;
      try {
        result = await applyPlan(plan, backend);
      } finally {
        await probe('[RsTestWriter]::Stop(); 0');
      }
      expect(result.results.map((r) => [r.outcome, r.error?.code])).toEqual([
        ['applied', undefined],
        ['not-converged', 'VERIFY_FAILED'],
      ]);
      expect(result.results[1]?.error?.message).toMatch(/could not read back: cannot read HKCU\\Software\\RegstateTest\\Busy: .*changed during each of 5 reads/);
      // the busy key's change did land: a read once the writer stopped shows it
      const [now] = decodeReadAnswer([{ key: busyKey }], await host.session.request(encodeReadRequest([{ key: busyKey }], undefined)));
      expect(now?.values.find((v) => v.name === 'v')?.value).toEqual({ type: 'REG_DWORD', data: 2 });
    } finally {
      // whatever happened, the next tests start without these keys
      await backend.write([{ op: 'delete-key', key: busyKey }, { op: 'delete-key', key: quiet }]);
    }
  }, 300_000);

  test.each([
    ['RegistryKey calls (the fallback read)', '$false'],
    ['the native read', '$true'],
  ])('%s: a key written during every read is TARGET_CHANGED for that key after a bounded number of reads, while the writer goes on', async (_label, native) => {
    const backend = await openLiveBackend(host);
    const values = 1000;
    const ops: WriteOp[] = Array.from({ length: values }, (_, i): WriteOp => ({ op: 'set-value', key: busyKey, name: `v${i}`, value: { type: 'REG_DWORD', data: dataOf(i) } }));
    expect((await backend.write(ops)).filter((o) => !o.ok)).toEqual([]);

    // the busy key and a quiet one in the same request: only the busy one fails
    const requests: ReadRequest[] = [{ key: busyKey }, { key }];
    const entry = `${COMPILE}; [Regstate.Agent.RsWinKey]::NativeReads = ${native}; $global:RsTestPasses = [Regstate.Agent.RsWinKey]::ReadPasses; [RsTestWriter]::Start('${busyKey.path}'); Invoke-RegstateRequest`;
    const started = Date.now();
    const answer = await host.session.request(encodeReadRequest(requests, undefined), entry);
    const elapsed = Date.now() - started;
    const after = (await probe('@{ passes = [Regstate.Agent.RsWinKey]::ReadPasses - $global:RsTestPasses; attempts = [Regstate.Agent.RsWinKey]::ReadAttempts; running = [RsTestWriter]::Running; writes = [RsTestWriter]::Writes }')) as { passes: number; attempts: number; running: boolean; writes: number };
    await probe('[RsTestWriter]::Stop(); 0');

    // the answer came while the writer was still writing (the read gave up, it did not wait it out)
    expect(after.running).toBe(true);
    expect(elapsed).toBeLessThan(30_000);
    // the busy key read ReadAttempts times, the quiet one (missing) not at all
    expect(after.passes).toBe(after.attempts);
    expect(answer.errors).toEqual([expect.objectContaining({ code: 'TARGET_CHANGED', request: 0 })]);
    let error: unknown;
    try {
      decodeReadAnswer(requests, answer);
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: 'TARGET_CHANGED', diagnostics: [{ code: 'TARGET_CHANGED', key: busyKey, message: expect.stringContaining(busyKey.path) }] });

    // once the writer stopped, the same key reads whole
    const settled = await host.session.request(encodeReadRequest([{ key: busyKey }], undefined), `[Regstate.Agent.RsWinKey]::NativeReads = ${native}; Invoke-RegstateRequest`);
    expect(settled.errors).toEqual([]);
    expect(decodeReadAnswer([{ key: busyKey }], settled)[0]?.values).toHaveLength(values + 1);
    await backend.write([{ op: 'delete-key', key: busyKey }]);
  }, 300_000);
});
