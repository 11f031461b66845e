import { jest } from '@jest/globals';
import type { KeyRef } from '../../../src/model/key-ref.js';
import type { ReadRequest, WriteOp } from '../../../src/registry/backend.js';
import { decodeReadAnswer, encodeReadRequest } from '../../../src/registry/powershell/agent-protocol.js';
import { type WindowsHost, WINDOWS_TIMEOUT_MS, describeWine, openLiveBackend, useWindowsHost } from '../../windows-host.js';

jest.setTimeout(WINDOWS_TIMEOUT_MS);

// A live registry changes under a read: another program deletes values of a key while the agent reads
// it. A value deleted after the key's names were listed is absent from the answer, as a read a moment
// later would say; the key's read does not fail (through RegistryKey's calls it did, with "The
// specified registry key does not exist" from GetValueKind), and every value that is read has its own
// data. The native read enumerates by index and never failed this way; it is held to the same.
const COUNT = 2000;
const key: KeyRef = { hive: 'HKCU', path: 'Software\\RegstateTest\\Vanishing', view: 64 };
const dataOf = (i: number): number => (i * 40_503 + 7) >>> 0;

// Deletes v(COUNT-1), v(COUNT-3), ... v1 from a thread of the agent's own process, one a millisecond:
// from the end, so most go after the reader listed the names and before it reaches them.
const DELETER = `
using System;
using System.Threading;
using Microsoft.Win32;
public static class RsTestDeleter
{
    public static Thread Start(string path, int count)
    {
        ManualResetEvent started = new ManualResetEvent(false);
        Thread thread = new Thread(delegate ()
        {
            using (RegistryKey key = Registry.CurrentUser.OpenSubKey(path, true))
            {
                started.Set();
                for (int i = count - 1; i >= 1; i -= 2) { key.DeleteValue("v" + i, false); Thread.Sleep(1); }
            }
        });
        thread.Start();
        started.WaitOne();
        return thread;
    }
}`;

describeWine('values deleted by another program during a read (Windows pwsh under wine)', () => {
  let host: WindowsHost;
  useWindowsHost((started) => (host = started));

  test.each([
    ['RegistryKey calls (the fallback read)', '$false'],
    ['the native read', '$true'],
  ])('%s: the key is read, without the deleted values, each value read with its own data', async (_label, native) => {
    const backend = await openLiveBackend(host);
    const ops: WriteOp[] = Array.from({ length: COUNT }, (_, i): WriteOp => ({ op: 'set-value', key, name: `v${i}`, value: { type: 'REG_DWORD', data: dataOf(i) } }));
    expect((await backend.write(ops)).filter((o) => !o.ok)).toEqual([]);

    const requests: ReadRequest[] = [{ key }];
    // The entry ends in Invoke-RegstateRequest: the session appends the request to it.
    const compile = `if (-not ('RsTestDeleter' -as [type])) { Add-Type -TypeDefinition ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('${Buffer.from(DELETER, 'utf8').toString('base64')}'))) }`;
    const entry = `${compile}; [Regstate.Agent.RsWinKey]::NativeReads = ${native}; $global:RsTestDeleting = [RsTestDeleter]::Start('${key.path}', ${COUNT}); Invoke-RegstateRequest`;
    const answer = await host.session.request(encodeReadRequest(requests, undefined), entry);
    // the deleter done, reads back to native ones, the key as it is now
    const settled = await host.session.request(encodeReadRequest(requests, undefined), '$global:RsTestDeleting.Join(); [Regstate.Agent.RsWinKey]::NativeReads = $true; Invoke-RegstateRequest');
    expect(answer.errors).toEqual([]);
    const [live] = decodeReadAnswer(requests, answer);

    const read = new Map(live?.values.map((v) => [v.name, v.value]));
    const wrong = [...read].filter(([name, value]) => JSON.stringify(value) !== JSON.stringify({ type: 'REG_DWORD', data: dataOf(Number(name.slice(1))) }));
    expect(wrong).toEqual([]);
    // deletions were seen (the first ones go before the listing reaches the end of the key); which
    // others are missing is up to the registry: enumeration by index skips a value when one before it
    // goes (RegEnumValue and RegistryKey alike), so values never deleted may be missing too
    expect(read.size).toBeLessThan(COUNT);
    expect(decodeReadAnswer(requests, settled)[0]?.values).toHaveLength(COUNT / 2);
    await backend.write([{ op: 'delete-key', key }]);
  }, 300_000);
});
