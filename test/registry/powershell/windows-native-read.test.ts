import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { jest } from '@jest/globals';
import fc from 'fast-check';
import { encodeReadRequest } from '../../../src/registry/powershell/agent-protocol.js';
import type { AgentAnswer } from '../../../src/registry/powershell/answer-line.js';
import { type WindowsHost, WINDOWS_TIMEOUT_MS, describeWine, useWindowsHost } from '../../windows-host.js';

jest.setTimeout(WINDOWS_TIMEOUT_MS);

// The Windows layer reads a key's values with one RegEnumValueW call each and decodes the bytes itself
// (agent.cs, RsWinKey.ReadValues and RsWinDecode) instead of RegistryKey's GetValueNames, GetValueKind
// and GetValue. Its answer must be the one RegistryKey's own calls give (RsWinKey.NativeReads = $false,
// the reference) for every kind number and every size, well-formed or not: raw values are imported
// with RegSetValueExW (any kind, any bytes), then the same keys are read both ways.
const ROOT = 'HKCU\\Software\\RegstateTest\\NativeRead';
const REFERENCE = '[Regstate.Agent.RsWinKey]::NativeReads = $false; Invoke-RegstateRequest';
const NATIVE = '[Regstate.Agent.RsWinKey]::NativeReads = $true; Invoke-RegstateRequest';

interface RawValue {
  name: string;
  kind: number;
  bytes: number[];
}

const utf16 = (text: string): number[] => [...Buffer.from(text, 'utf16le')];

// Hand-picked edges: every kind number .NET treats apart, sizes around 4 and 8, strings with and
// without terminators, odd sizes, REG_MULTI_SZ's empty strings and missing terminators.
function edgeValues(): RawValue[] {
  const values: RawValue[] = [];
  const add = (kind: number, bytes: number[]): void => {
    values.push({ name: `k${kind.toString(16)}-${values.length}`, kind, bytes });
  };
  const sizes = [0, 1, 2, 3, 4, 5, 7, 8, 9, 12];
  for (const kind of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x1234, 0xffffffff]) {
    for (const size of sizes) add(kind, Array.from({ length: size }, (_, i) => (i * 37 + kind + 1) & 0xff));
  }
  for (const kind of [1, 2, 7]) {
    for (const text of ['', '\0', '\0\0', '\0\0\0', 'a', 'a\0', 'a\0\0', 'a\0\0\0', '\0a', '\0a\0\0', 'a\0\0b\0\0', 'ab\0cd\0\0', 'ab\0cd', 'x\0\0\0y', '%PATH%\0']) {
      add(kind, utf16(text));
      add(kind, [...utf16(text), 0x41]);
    }
  }
  // Bigger than the agent's first data buffer (4 KB) and than wine's own stack buffer for a value.
  add(3, Array.from({ length: 10_000 }, (_, i) => i & 0xff));
  add(1, utf16(`${'long '.repeat(2000)}\0`));
  add(7, utf16(`${'a'.repeat(3000)}\0${'b'.repeat(3000)}\0\0`));
  values.push({ name: `long name ${'n'.repeat(400)}`, kind: 1, bytes: utf16('x\0') });
  values.push({ name: '', kind: 4, bytes: [1, 2, 3, 4] });
  return values;
}

// Generated: kinds near the named ones, short byte strings rich in zeros (terminators) and in letters.
function randomValues(count: number): RawValue[] {
  const kind = fc.constantFrom(0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 0x7fffffff);
  const bytes = fc.array(fc.constantFrom(0, 0, 0, 0x41, 0x42, 0x00, 0xff, 0x25, 0xd8, 0xdc), { maxLength: 24 });
  return fc.sample(fc.tuple(kind, bytes), { numRuns: count, seed: 20_260_212 }).map(([k, b], i) => ({ name: `r${i}`, kind: k, bytes: b }));
}

// Wine's `reg import` crashes on a string kind of odd size, so the raw values are written with
// RegSetValueExW from a helper compiled in the same Windows pwsh: one file per key, each value a record
// (name length in UTF-16 units, name, kind, size, bytes; numbers as little-endian uint32).
const WRITER = `
using System;
using System.IO;
using System.Runtime.InteropServices;
using Microsoft.Win32;
using Microsoft.Win32.SafeHandles;
public static class RsTestRawValues
{
    [DllImport("advapi32.dll", CharSet = CharSet.Unicode, EntryPoint = "RegSetValueExW")]
    private static extern int RegSetValueEx(SafeRegistryHandle key, string name, int reserved, int type, byte[] data, int size);

    public static void Write(string path, string file)
    {
        byte[] all = File.ReadAllBytes(file);
        using (RegistryKey key = Registry.CurrentUser.CreateSubKey(path))
        {
            int at = 0;
            while (at < all.Length)
            {
                int chars = BitConverter.ToInt32(all, at); at += 4;
                string name = System.Text.Encoding.Unicode.GetString(all, at, chars * 2); at += chars * 2;
                int kind = BitConverter.ToInt32(all, at); at += 4;
                int size = BitConverter.ToInt32(all, at); at += 4;
                byte[] data = new byte[size];
                Array.Copy(all, at, data, 0, size); at += size;
                int rc = RegSetValueEx(key.Handle, name, 0, kind, data, size);
                if (rc != 0) throw new InvalidOperationException("RegSetValueEx " + rc);
            }
        }
    }
}
`;

function records(values: RawValue[]): Buffer {
  const u32 = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n >>> 0);
    return b;
  };
  return Buffer.concat(values.flatMap((v) => [u32(v.name.length), Buffer.from(v.name, 'utf16le'), u32(v.kind), u32(v.bytes.length), Buffer.from(v.bytes)]));
}

describeWine('the Windows layer reads values natively, with the answers RegistryKey gives (Windows pwsh under wine)', () => {
  let host: WindowsHost;
  useWindowsHost((started) => (host = started));

  const read = async (entry: string): Promise<AgentAnswer> => {
    const answer = await host.session.request(encodeReadRequest([{ key: { hive: 'HKCU', path: ROOT.slice('HKCU\\'.length), view: 64 }, recursive: true }], undefined), entry);
    delete (answer as { stats?: unknown }).stats;
    return answer;
  };

  test('every kind number and size, and generated values: the native read answers as RegistryKey does', async () => {
    const edges = edgeValues();
    const random = randomValues(400);
    // Test constants only in the PowerShell line: the values travel in files, named by Windows path (Z: is /).
    const files: [string, string][] = [];
    for (const [sub, values] of [['Edges', edges], ['Random', random], ['Empty', []]] as [string, RawValue[]][]) {
      const file = join(host.wine.work, `native-read-${sub}.bin`);
      await writeFile(file, records(values));
      files.push([`${ROOT.slice('HKCU\\'.length)}\\${sub}`, `Z:${file.replace(/\//g, '\\')}`]);
    }
    const compile = `Add-Type -TypeDefinition ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('${Buffer.from(WRITER, 'utf8').toString('base64')}')))`;
    const writes = files.map(([path, file]) => `[RsTestRawValues]::Write('${path}', '${file}')`).join('; ');
    await host.session.request({ op: 'hello' }, `${compile}; ${writes}; Invoke-RegstateRequest`);

    const reference = await read(REFERENCE);
    const native = await read(NATIVE);
    expect(native).toEqual(reference);

    // The reference really holds every value, and all three ways a value comes out.
    const results = reference.results as { sub: string[]; values: { name: string; type: string }[]; unreadable: { name: string }[] }[];
    const of = (sub: string) => results.find((r) => r.sub.join('\\') === sub);
    expect(of('Edges')!.values.length + of('Edges')!.unreadable.length).toBe(edges.length);
    expect(of('Random')!.values.length + of('Random')!.unreadable.length).toBe(random.length);
    expect(of('Empty')!.values).toEqual([]);
    const types = new Set(of('Edges')!.values.map((v) => v.type));
    expect([...types].sort()).toEqual(['REG_BINARY', 'REG_DWORD', 'REG_EXPAND_SZ', 'REG_MULTI_SZ', 'REG_NONE', 'REG_OTHER', 'REG_QWORD', 'REG_SZ']);
    expect(of('Edges')!.unreadable.length).toBeGreaterThan(0);
  }, 300_000);
});
