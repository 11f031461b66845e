// regstate PowerShell agent, compiled part: the registry layers and the per-value loops.
// agent.ps1 compiles this file once (Add-Type: Roslyn in PowerShell 7, the .NET Framework's csc in
// Windows PowerShell 5.1, so C# 5 syntax only) and keeps the assembly in a cache (see agent.ps1).
// It holds no data: requests and hive files reach it only as arguments. ASCII only.
// RS_CORE is defined by agent.ps1 under PowerShell 7, which reads JSON with System.Text.Json (see
// RsPlainConverter); Windows PowerShell 5.1 reads it with JavaScriptSerializer.
// The using directives sit inside the namespace, so agent.ps1 can compile this file and
// simulated-hive.cs and user-hives.cs as one text.
namespace Regstate.Agent
{
    using System;
    using System.Collections;
    using System.Collections.Generic;
    using System.Collections.Specialized;
    using System.Globalization;
    using System.Runtime.InteropServices;
    using System.Security;
    using System.Security.Principal;
    using System.Text;
    using System.Threading;
    using Microsoft.Win32;
    using Microsoft.Win32.SafeHandles;
#if RS_CORE
    using System.Text.Json;
    using System.Text.Json.Serialization;
#endif

    // ------------------------------------------------------------ the request, as either JSON reader fills it

    public class RsValueReq
    {
        public string type { get; set; }
#if RS_CORE
        [JsonConverter(typeof(RsPlainConverter))]
#endif
        public object data { get; set; }
    }

    public class RsItemReq
    {
        public string op { get; set; }
        public string hive { get; set; }
        public string path { get; set; }
        public int view { get; set; }
        public bool recursive { get; set; }
        public string name { get; set; }
        public RsValueReq value { get; set; }
    }

    public class RsRequest
    {
        public string op { get; set; }
        public string simulatedHive { get; set; }
        public RsItemReq[] keys { get; set; }
        public RsItemReq[] ops { get; set; }
    }

#if RS_CORE
    // PowerShell 7's reader (System.Text.Json) would give a JsonElement for a field typed object, a
    // parsed copy per value; this gives the plain values Windows PowerShell 5.1's reader gives.
    public sealed class RsPlainConverter : JsonConverter<object>
    {
        public override object Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.String: return reader.GetString();
                case JsonTokenType.Number: return reader.GetDecimal();
                case JsonTokenType.True: return true;
                case JsonTokenType.False: return false;
                case JsonTokenType.Null: return null;
                case JsonTokenType.StartArray:
                    List<object> list = new List<object>();
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) list.Add(Read(ref reader, typeToConvert, options));
                    return list.ToArray();
                default:
                    // An object: no field takes one, so it stays a value of no use (its checks refuse it).
                    reader.Skip();
                    return new Dictionary<string, object>();
            }
        }

        public override void Write(Utf8JsonWriter writer, object value, JsonSerializerOptions options)
        {
            throw new NotSupportedException();
        }
    }
#endif

    // ------------------------------------------------------------ the layer: the methods of Microsoft.Win32.RegistryKey

    // The methods the loops call. The Windows layer hands each call to RegistryKey unchanged (its
    // results and exceptions are .NET's own); the simulated layer does what .NET does.
    public abstract class RsKey
    {
        public abstract RsKey OpenSubKey(string sub, bool writable);
        public abstract RsKey CreateSubKey(string sub);
        public abstract string[] GetValueNames();
        public abstract string[] GetSubKeyNames();
        public abstract RegistryValueKind GetValueKind(string name);
        public abstract object GetValue(string name, object defaultValue, RegistryValueOptions options);
        public abstract void SetValue(string name, object data, RegistryValueKind kind);
        public abstract void DeleteValue(string name, bool throwOnMissing);
        public abstract void DeleteSubKeyTree(string sub, bool throwOnMissing);
        public abstract void Close();

        // Every value of the key, in GetValueNames' order, each with what GetValueKind and
        // GetValue(name, null, DoNotExpandEnvironmentNames) give for it. This is those calls; the
        // Windows layer reads each value with one native call instead (RsWinKey.ReadNative).
        public List<RsValueRead> ReadValues()
        {
            List<RsValueRead> all = new List<RsValueRead>();
            HashSet<string> namesNow = null;
            foreach (string name in GetValueNames())
            {
                RsValueRead read = ReadByName(name, ref namesNow);
                if (read != null) all.Add(read);
            }
            return all;
        }

        // The key's values (ReadValues) and its subkeys' names (GetSubKeyNames). The Windows layer reads
        // both again when the key changed meanwhile (RsWinKey.Read).
        public virtual RsKeyRead Read()
        {
            return new RsKeyRead(ReadValues(), GetSubKeyNames());
        }

        // One value by GetValueKind and GetValue; null when another program deleted it after it was
        // enumerated (it is absent now, as a read a moment later would say), instead of failing the whole
        // key. Only then is the key enumerated again (namesNow) to tell a deleted value from one that
        // cannot be read: afresh after a failed GetValueKind (values may be going one after another),
        // once a read for values without data (.NET leaves every odd value without it).
        public RsValueRead ReadByName(string name, ref HashSet<string> namesNow)
        {
            RegistryValueKind kind;
            try { kind = GetValueKind(name); }
            catch (System.IO.IOException)
            {
                namesNow = null;
                if (HasValueNow(name, ref namesNow)) throw;
                return null;
            }
            object data = GetValue(name, null, RegistryValueOptions.DoNotExpandEnvironmentNames);
            // No data: a value .NET does not read (kept, and reported as unreadable), or one deleted since.
            if (data == null && !HasValueNow(name, ref namesNow)) return null;
            return new RsValueRead(name, kind, data);
        }

        private bool HasValueNow(string name, ref HashSet<string> namesNow)
        {
            if (namesNow == null) namesNow = new HashSet<string>(GetValueNames(), StringComparer.OrdinalIgnoreCase);
            return namesNow.Contains(name);
        }
    }

    public sealed class RsKeyRead
    {
        public readonly List<RsValueRead> Values;
        public readonly string[] SubKeys;

        public RsKeyRead(List<RsValueRead> values, string[] subkeys) { Values = values; SubKeys = subkeys; }
    }

    public sealed class RsValueRead
    {
        public readonly string Name;
        public readonly RegistryValueKind Kind;
        public readonly object Data;

        public RsValueRead(string name, RegistryValueKind kind, object data) { Name = name; Kind = kind; Data = data; }
    }

    public sealed class RsWinKey : RsKey
    {
        private readonly RegistryKey key;
        // Opened below a base key: its Handle is its own (a base key's Handle opens a new handle per call).
        private readonly bool opened;

        // False: Read reads values through RegistryKey's own methods, the reference the native read is tested against.
        public static bool NativeReads = true;

        public RsWinKey(RegistryKey key) { this.key = key; }

        private RsWinKey(RegistryKey key, bool opened) { this.key = key; this.opened = opened; }

        private static RsKey Wrap(RegistryKey key) { return key == null ? null : new RsWinKey(key, true); }

        public override RsKey OpenSubKey(string sub, bool writable) { return Wrap(key.OpenSubKey(sub, writable)); }
        public override RsKey CreateSubKey(string sub) { return Wrap(key.CreateSubKey(sub)); }
        public override string[] GetValueNames() { return key.GetValueNames(); }
        public override string[] GetSubKeyNames() { return key.GetSubKeyNames(); }
        public override RegistryValueKind GetValueKind(string name) { return key.GetValueKind(name); }
        public override object GetValue(string name, object defaultValue, RegistryValueOptions options) { return key.GetValue(name, defaultValue, options); }
        public override void SetValue(string name, object data, RegistryValueKind kind) { key.SetValue(name, data, kind); }
        public override void DeleteValue(string name, bool throwOnMissing) { key.DeleteValue(name, throwOnMissing); }
        public override void DeleteSubKeyTree(string sub, bool throwOnMissing) { key.DeleteSubKeyTree(sub, throwOnMissing); }
        public override void Close() { key.Close(); }

        // ---- the native read: RegistryKey costs four registry calls a value (RegEnumValue in
        // GetValueNames, RegQueryValueEx in GetValueKind, twice more in GetValue), each a round trip to
        // wineserver under wine; RegEnumValueW hands out name, kind and data in one. Only data whose
        // meaning every .NET agrees on is decoded here (RsWinDecode); any other value (a size or kind
        // out of the ordinary) is read with RegistryKey's own GetValueKind and GetValue.

        [DllImport("advapi32.dll", CharSet = CharSet.Unicode, EntryPoint = "RegEnumValueW", ExactSpelling = true)]
        private static extern int RegEnumValue(SafeRegistryHandle hKey, int dwIndex, char[] lpValueName, ref int lpcchValueName, IntPtr lpReserved, out int lpType, byte[] lpData, ref int lpcbData);

        private const int ErrorMoreData = 234;
        private const int ErrorNoMoreItems = 259;
        // A value name is at most 16,383 characters.
        private const int NameChars = 16384;

        [ThreadStatic] private static char[] nameBuffer;
        [ThreadStatic] private static byte[] dataBuffer;

        // ---- a read the key changed under. Enumeration by index (RegEnumValue and RegEnumKeyEx, and so
        // RegistryKey's GetValueNames and GetSubKeyNames) skips an item when one before it is deleted
        // meanwhile: a value never deleted would be read as absent, planned as created, and deleted by a
        // rollback; a subkey never deleted would be left out of a subtree's journal. Every change to a key
        // stamps its last-write time, so a read is kept only when the stamp and the counts of values and
        // subkeys are the same after it as before it; otherwise the key is read again after a pause, and
        // a key that changes during every one of ReadAttempts reads is an error, never a list that may be short.

        [DllImport("advapi32.dll", CharSet = CharSet.Unicode, EntryPoint = "RegQueryInfoKeyW", ExactSpelling = true)]
        private static extern int RegQueryInfoKey(SafeRegistryHandle hKey, IntPtr lpClass, IntPtr lpcchClass, IntPtr lpReserved, out int lpcSubKeys, IntPtr lpcbMaxSubKeyLen, IntPtr lpcbMaxClassLen, out int lpcValues, IntPtr lpcbMaxValueNameLen, IntPtr lpcbMaxValueLen, IntPtr lpcbSecurityDescriptor, out long lpftLastWriteTime);

        // The clock that stamps keys (the system time, updated once a clock tick: about 1 to 16 ms).
        [DllImport("kernel32.dll")]
        private static extern void GetSystemTimeAsFileTime(out long time);

        public const int ReadAttempts = 5;
        // Every read of a key so far, a read again included (tests look at it).
        public static int ReadPasses;
        // The pause before each further read, in milliseconds: a burst of writes (an installer) can end.
        private static readonly int[] ReadPauses = { 20, 100, 500, 2000 };
        private const long OneSecond = 10000000;

        public override RsKeyRead Read()
        {
            // A base key's Handle is a new handle per call: taken once, and closed here.
            SafeRegistryHandle handle = key.Handle;
            try
            {
                for (int attempt = 1; ; attempt++)
                {
                    long clock = Now();
                    int valuesBefore, subkeysBefore;
                    long before = Stamp(handle, out valuesBefore, out subkeysBefore);
                    // Stamped in this clock tick: a change during the read could get the very same stamp.
                    // Waits for the next tick (bounded: a stamp ahead of a clock set back never comes).
                    for (int waits = 0; before >= clock && before - clock < OneSecond && waits < 100; waits++)
                    {
                        Thread.Sleep(1);
                        clock = Now();
                        before = Stamp(handle, out valuesBefore, out subkeysBefore);
                    }
                    Interlocked.Increment(ref ReadPasses);
                    List<RsValueRead> values = opened && NativeReads ? ReadNative(handle) : ReadValues();
                    string[] subkeys = key.GetSubKeyNames();
                    int valuesAfter, subkeysAfter;
                    long after = Stamp(handle, out valuesAfter, out subkeysAfter);
                    // A change during the read is stamped at a time from clock on, so it differs from a stamp
                    // before clock, or from one far enough ahead of the clock now.
                    bool unchanged = after == before && valuesAfter == valuesBefore && subkeysAfter == subkeysBefore && (before < clock || before - Now() > OneSecond);
                    if (unchanged) return new RsKeyRead(values, subkeys);
                    if (attempt == ReadAttempts)
                        throw RsAgent.Error("TARGET_CHANGED", "it changed during each of " + ReadAttempts.ToString(CultureInfo.InvariantCulture) + " reads (another program kept writing it), so no complete list of its values and subkeys could be taken; run again later");
                    Thread.Sleep(ReadPauses[attempt - 1]);
                }
            }
            finally
            {
                if (!opened) handle.Dispose();
            }
        }

        private static long Now()
        {
            long time;
            GetSystemTimeAsFileTime(out time);
            return time;
        }

        // The key's last-write time, and its counts of values and subkeys.
        private static long Stamp(SafeRegistryHandle handle, out int values, out int subkeys)
        {
            long lastWrite;
            int rc = RegQueryInfoKey(handle, IntPtr.Zero, IntPtr.Zero, IntPtr.Zero, out subkeys, IntPtr.Zero, IntPtr.Zero, out values, IntPtr.Zero, IntPtr.Zero, IntPtr.Zero, out lastWrite);
            if (rc == 5) throw new UnauthorizedAccessException("access to the key is denied");
            // The key deleted meanwhile, ...: the system's own words, as RegistryKey's calls would give them.
            if (rc != 0) throw new System.IO.IOException(new System.ComponentModel.Win32Exception(rc).Message, rc);
            return lastWrite;
        }

        private List<RsValueRead> ReadNative(SafeRegistryHandle handle)
        {
            char[] name = nameBuffer;
            if (name == null) { name = new char[NameChars]; nameBuffer = name; }
            byte[] data = dataBuffer;
            if (data == null) { data = new byte[4096]; dataBuffer = data; }
            List<RsValueRead> all = new List<RsValueRead>();
            HashSet<string> namesNow = null;
            int retries = 0;
            for (int index = 0; ; )
            {
                int nameLength = name.Length;
                int size = data.Length;
                int type;
                int rc = RegEnumValue(handle, index, name, ref nameLength, IntPtr.Zero, out type, data, ref size);
                if (rc == ErrorNoMoreItems) break;
                if (rc == ErrorMoreData && retries < 8)
                {
                    // The data did not fit (size is what it needs), or the name: grow and ask again.
                    retries++;
                    if (size > data.Length) { data = new byte[Math.Max(size, data.Length * 2)]; dataBuffer = data; }
                    else { name = new char[name.Length * 2]; nameBuffer = name; }
                    continue;
                }
                // Anything else (the key deleted meanwhile, ...): RegistryKey's own calls, and its own exception.
                if (rc != 0 || size < 0 || size > data.Length || nameLength < 0 || nameLength > name.Length) return ReadValues();
                string valueName = new string(name, 0, nameLength);
                object decoded;
                if (RsWinDecode.TryData(type, data, size, out decoded)) all.Add(new RsValueRead(valueName, RsWinDecode.Kind(type), decoded));
                else
                {
                    RsValueRead read = ReadByName(valueName, ref namesNow);
                    if (read != null) all.Add(read);
                }
                index++;
                retries = 0;
            }
            return all;
        }
    }

    // What RegistryKey's GetValueKind and GetValue(name, null, DoNotExpandEnvironmentNames) give for a
    // value's kind number and bytes, for the well-formed values whose reading every .NET (Framework 4.x,
    // .NET) agrees on; TryData declines the rest (their reading differs between versions).
    public static class RsWinDecode
    {
        // GetValueKind, for the kinds TryData decodes.
        public static RegistryValueKind Kind(int type)
        {
            switch (type)
            {
                case 0: return RegistryValueKind.None;
                case 1: case 2: case 3: case 4: case 7: case 11: return (RegistryValueKind)type;
                default: return RegistryValueKind.Unknown;
            }
        }

        // REG_NONE and REG_BINARY: the bytes. REG_DWORD of 4 bytes: Int32; REG_QWORD of 8: Int64.
        // REG_SZ and REG_EXPAND_SZ (unexpanded) of an even size ending in NUL: the text before it.
        // REG_MULTI_SZ of an even size ending in NUL: every NUL ends a string, an empty one included,
        // except the last NUL's (the list's own terminator).
        public static bool TryData(int type, byte[] data, int size, out object value)
        {
            value = null;
            switch (type)
            {
                case 0: case 3:
                    {
                        byte[] bytes = new byte[size];
                        Buffer.BlockCopy(data, 0, bytes, 0, size);
                        value = bytes;
                        return true;
                    }
                case 4:
                    if (size != 4) return false;
                    value = BitConverter.ToInt32(data, 0);
                    return true;
                case 11:
                    if (size != 8) return false;
                    value = BitConverter.ToInt64(data, 0);
                    return true;
                case 1: case 2:
                    if (!Terminated(data, size)) return false;
                    {
                        // Copied as UTF-16 units, as .NET does: a lone surrogate stays as it is.
                        char[] blob = new char[size / 2 - 1];
                        Buffer.BlockCopy(data, 0, blob, 0, size - 2);
                        value = new string(blob);
                        return true;
                    }
                case 7:
                    if (!Terminated(data, size)) return false;
                    value = Multi(data, size / 2);
                    return true;
                default:
                    return false;
            }
        }

        private static bool Terminated(byte[] data, int size)
        {
            return size >= 2 && size % 2 == 0 && data[size - 1] == 0 && data[size - 2] == 0;
        }

        private static string[] Multi(byte[] data, int len)
        {
            char[] blob = new char[len];
            Buffer.BlockCopy(data, 0, blob, 0, len * 2);
            List<string> strings = new List<string>();
            int cur = 0;
            while (cur < len)
            {
                int nextNull = cur;
                while (blob[nextNull] != (char)0) nextNull++;
                if (nextNull - cur > 0) strings.Add(new string(blob, cur, nextNull - cur));
                else if (nextNull != len - 1) strings.Add(string.Empty);
                cur = nextNull + 1;
            }
            return strings.ToArray();
        }
    }

    // Where the keys come from: the Windows registry, or a simulated hive file.
    public sealed class RsLayer
    {
        private static readonly Dictionary<string, RegistryHive> Hives = NewHives();
        public readonly RsSimStore Store;

        public RsLayer(RsSimStore store) { Store = store; }

        private static Dictionary<string, RegistryHive> NewHives()
        {
            // Hive names compare as PowerShell hashtables do: ignoring case.
            Dictionary<string, RegistryHive> hives = new Dictionary<string, RegistryHive>(StringComparer.OrdinalIgnoreCase);
            hives.Add("HKLM", RegistryHive.LocalMachine);
            hives.Add("HKCU", RegistryHive.CurrentUser);
            hives.Add("HKCR", RegistryHive.ClassesRoot);
            hives.Add("HKU", RegistryHive.Users);
            hives.Add("HKCC", RegistryHive.CurrentConfig);
            return hives;
        }

        public static string[] HiveNames() { return new string[] { "HKLM", "HKCU", "HKCR", "HKU", "HKCC" }; }

        public static bool IsHive(string hive) { return hive != null && Hives.ContainsKey(hive); }

        public RsKey OpenBase(string hive, int view)
        {
            if (!IsHive(hive)) throw RsAgent.Error("KEY_PATH", "unknown hive " + hive);
            if (Store != null) return Store.OpenBase(hive, view);
            RegistryView v = view == 32 ? RegistryView.Registry32 : RegistryView.Registry64;
            return new RsWinKey(RegistryKey.OpenBaseKey(Hives[hive], v));
        }

        public static bool IsUsers(string hive) { return string.Equals(hive, "HKU", StringComparison.OrdinalIgnoreCase); }

        /// <summary>DOMAIN\name of a SID, or null when it does not translate (the simulated layer: the hive file's "accounts").</summary>
        public string Account(string sid)
        {
            if (Store != null) return Store.Account(sid);
            try
            {
                return new SecurityIdentifier(sid).Translate(typeof(NTAccount)).Value;
            }
            catch (Exception)
            {
                return null;
            }
        }

        /// <summary>Loads a user hive file under HKU\name; throws with the reason when it cannot.</summary>
        public void LoadHive(string name, string file)
        {
            if (Store != null) Store.Mount(name, file);
            else RsWinHives.Load(name, file);
        }

        /// <summary>Unloads HKU\name (every handle into it closed); the simulated layer writes the file back if it changed.</summary>
        public void UnloadHive(string name)
        {
            if (Store != null) Store.Unmount(name);
            else RsWinHives.Unload(name);
        }
    }

    // ------------------------------------------------------------ the loops

    public static class RsAgent
    {
        public static readonly UTF8Encoding Utf8 = new UTF8Encoding(false);

        public static Exception Error(string code, string message)
        {
            InvalidOperationException e = new InvalidOperationException(message);
            e.Data["RegstateCode"] = code;
            return e;
        }

        // PowerShell wraps .NET method exceptions (MethodInvocationException): look down the chain.
        public static Dictionary<string, object> ErrorInfo(Exception exception, string fallback)
        {
            string code = null;
            Exception last = exception;
            for (Exception e = exception; e != null; e = e.InnerException)
            {
                if (e.Data != null && e.Data.Contains("RegstateCode")) code = Convert.ToString(e.Data["RegstateCode"], CultureInfo.InvariantCulture);
                else if (code == null && (e is UnauthorizedAccessException || e is SecurityException)) code = "ACCESS_DENIED";
                else if (code == null && e is PlatformNotSupportedException) code = "NO_REGISTRY";
                last = e;
            }
            Dictionary<string, object> info = new Dictionary<string, object>();
            info["code"] = code ?? fallback;
            info["message"] = last.Message;
            return info;
        }

        public static string FromBase64(string text) { return Utf8.GetString(Convert.FromBase64String(text)); }

        public static string ToHex(byte[] bytes)
        {
            if (bytes == null) return "";
            const string digits = "0123456789abcdef";
            char[] chars = new char[bytes.Length * 2];
            for (int i = 0; i < bytes.Length; i++)
            {
                chars[2 * i] = digits[bytes[i] >> 4];
                chars[2 * i + 1] = digits[bytes[i] & 15];
            }
            return new string(chars);
        }

        // Null when the text is not an even-length hex string.
        public static byte[] FromHex(string hex)
        {
            if (hex == null || hex.Length % 2 != 0) return null;
            byte[] bytes = new byte[hex.Length / 2];
            for (int i = 0; i < bytes.Length; i++)
            {
                int hi = HexDigit(hex[2 * i]);
                int lo = HexDigit(hex[2 * i + 1]);
                if (hi < 0 || lo < 0) return null;
                bytes[i] = (byte)((hi << 4) | lo);
            }
            return bytes;
        }

        private static int HexDigit(char c)
        {
            if (c >= '0' && c <= '9') return c - '0';
            if (c >= 'a' && c <= 'f') return c - 'a' + 10;
            if (c >= 'A' && c <= 'F') return c - 'A' + 10;
            return -1;
        }

        // A field typed object, as plain .NET: string, decimal, object[], bool or null (Windows PowerShell
        // 5.1's reader gives int, long or decimal for numbers and ArrayList or object[] for lists).
        public static object Plain(object item)
        {
            if (item == null || item is string || item is bool || item is decimal) return item;
            if (item is int || item is long || item is double || item is float || item is short || item is byte || item is uint || item is ulong)
                return Convert.ToDecimal(item, CultureInfo.InvariantCulture);
            IEnumerable items = item as IEnumerable;
            if (items != null && !(item is IDictionary))
            {
                List<object> list = new List<object>();
                foreach (object x in items) list.Add(Plain(x));
                return list.ToArray();
            }
            return item;
        }

        private static string[] Split(string path)
        {
            // As .NET does, empty components (doubled or trailing backslashes) are ignored.
            return (path ?? "").Split(new char[] { '\\' }, StringSplitOptions.RemoveEmptyEntries);
        }

        private static Dictionary<string, object> Map() { return new Dictionary<string, object>(); }

        private static Dictionary<string, object> Value(string name, string type, object data)
        {
            Dictionary<string, object> v = Map();
            v["name"] = name;
            v["type"] = type;
            v["data"] = data;
            return v;
        }

        // A key deleted during each of this many reads of it (made again by another program each time) is an error.
        private const int DeletedKeyReads = 3;

        // What RegistryKey's calls and the native read throw on a handle whose key another program
        // deleted: ERROR_KEY_DELETED (1018), as the code or as its HRESULT.
        public static bool IsKeyDeleted(Exception e)
        {
            return e is System.IO.IOException && (e.HResult == 1018 || e.HResult == unchecked((int)0x800703FA));
        }

        // A subkey, or null when it is not there, also when its parent was deleted meanwhile (its subtree with it).
        private static RsKey OpenUnlessDeleted(RsKey parent, string sub)
        {
            try { return parent.OpenSubKey(sub, false); }
            catch (System.IO.IOException e)
            {
                if (IsKeyDeleted(e)) return null;
                throw;
            }
        }

        // The key's read. When another program deletes the key meanwhile, what its path (below parent)
        // holds now is the answer, as a read a moment later would say: nothing there, null (handle is
        // then null too); a key made again, that key, read through a new handle (handle is replaced).
        private static RsKeyRead ReadUnlessGone(ref RsKey handle, RsKey parent, string path)
        {
            for (int deletions = 1; ; deletions++)
            {
                try { return handle.Read(); }
                catch (System.IO.IOException e)
                {
                    if (!IsKeyDeleted(e) || deletions == DeletedKeyReads) throw;
                }
                RsKey again = OpenUnlessDeleted(parent, path);
                handle.Close();
                handle = again;
                if (handle == null) return null;
            }
        }

        private static Dictionary<string, object> Missing(int request)
        {
            Dictionary<string, object> missing = Map();
            missing["request"] = request; missing["sub"] = new string[0]; missing["exists"] = false;
            missing["values"] = new object[0]; missing["subkeys"] = new string[0]; missing["unreadable"] = new object[0];
            return missing;
        }

        /// <summary>The read request: every key (and, when recursive, its subtree), depth-first, parent before children.</summary>
        public static Dictionary<string, object> Read(RsLayer layer, RsRequest request)
        {
            List<object> results = new List<object>();
            List<object> errors = new List<object>();
            RsItemReq[] keys = request.keys ?? new RsItemReq[0];
            int count = 0;
            RsUserHives hives = new RsUserHives(layer);
            try
            {
                for (int i = 0; i < keys.Length; i++)
                {
                    RsItemReq k = keys[i];
                    RsKey baseKey = null;
                    try
                    {
                        if (k == null) throw Error("KEY_PATH", "a key request is empty");
                        baseKey = layer.OpenBase(k.hive, k.view);
                        // A profile that is not logged on: its hive is loaded for this request under a name of its own.
                        string path = hives.Map(k.hive, FromBase64(k.path), i);
                        // Handles are closed by what opened them.
                        bool hasPath = Split(path).Length > 0;
                        RsKey top = hasPath ? baseKey.OpenSubKey(path, false) : baseKey;
                        if (top == null)
                        {
                            results.Add(Missing(i));
                            continue;
                        }
                        try
                        {
                            // Descendants are opened from the requested key, so one that fails is reported alone.
                            Stack<string[]> stack = new Stack<string[]>();
                            stack.Push(new string[0]);
                            while (stack.Count > 0)
                            {
                                string[] sub = stack.Pop();
                                RsKey handle = top;
                                try
                                {
                                    string subPath = sub.Length > 0 ? string.Join("\\", sub) : null;
                                    if (subPath != null) handle = OpenUnlessDeleted(top, subPath);
                                    if (handle == null) continue;
                                    List<object> values = new List<object>();
                                    List<object> unreadable = new List<object>();
                                    // A base key is never deleted: only a key with a path is opened again. The
                                    // requested key's new handle replaces top (closed by the finally below).
                                    RsKeyRead keyRead;
                                    if (subPath != null) keyRead = ReadUnlessGone(ref handle, top, subPath);
                                    else if (hasPath) { keyRead = ReadUnlessGone(ref top, baseKey, path); handle = top; }
                                    else keyRead = handle.Read();
                                    if (keyRead == null)
                                    {
                                        // Gone: a subkey is left out (as one deleted before it was opened), the requested key is absent.
                                        if (sub.Length == 0) results.Add(Missing(i));
                                        continue;
                                    }
                                    foreach (RsValueRead read in keyRead.Values)
                                    {
                                        count++;
                                        string name = read.Name;
                                        RegistryValueKind kind = read.Kind;
                                        object data = read.Data;
                                        if (kind == RegistryValueKind.String && data is string) values.Add(Value(name, "REG_SZ", data));
                                        // .NET hands REG_DWORD out as a signed Int32; the registry's number is unsigned.
                                        else if (kind == RegistryValueKind.DWord && data is int) values.Add(Value(name, "REG_DWORD", (long)unchecked((uint)(int)data)));
                                        else if (kind == RegistryValueKind.ExpandString && data is string) values.Add(Value(name, "REG_EXPAND_SZ", data));
                                        else if (kind == RegistryValueKind.MultiString && data is string[]) values.Add(Value(name, "REG_MULTI_SZ", data));
                                        else if (kind == RegistryValueKind.QWord && data is long) values.Add(Value(name, "REG_QWORD", unchecked((ulong)(long)data).ToString(CultureInfo.InvariantCulture)));
                                        else if (kind == RegistryValueKind.Binary && data is byte[]) values.Add(Value(name, "REG_BINARY", ToHex((byte[])data)));
                                        else if (kind == RegistryValueKind.None && data is byte[]) values.Add(Value(name, "REG_NONE", ToHex((byte[])data)));
                                        else if (kind == RegistryValueKind.Unknown && data is byte[])
                                        {
                                            // Kind Unknown with bytes is REG_DWORD_BIG_ENDIAN, the only such kind .NET reads as bytes.
                                            Dictionary<string, object> other = Value(name, "REG_OTHER", ToHex((byte[])data));
                                            other["kind"] = 5;
                                            values.Add(other);
                                        }
                                        else
                                        {
                                            string what = "its kind is one .NET cannot read (REG_LINK, a resource list, or a kind number .NET does not name)";
                                            if (kind != RegistryValueKind.Unknown) what = "its " + kind + " data has a size .NET does not read as " + kind;
                                            Dictionary<string, object> u = Map();
                                            u["name"] = name; u["code"] = "UNSUPPORTED_KIND"; u["message"] = "value cannot be read: " + what;
                                            unreadable.Add(u);
                                        }
                                    }
                                    string[] subkeys = keyRead.SubKeys;
                                    // HKU itself: the hives this request loaded are not the machine's.
                                    if (!hasPath && sub.Length == 0 && RsLayer.IsUsers(k.hive)) subkeys = hives.Hide(subkeys);
                                    Dictionary<string, object> result = Map();
                                    result["request"] = i; result["sub"] = sub; result["exists"] = true;
                                    result["values"] = values.ToArray(); result["subkeys"] = subkeys; result["unreadable"] = unreadable.ToArray();
                                    results.Add(result);
                                    if (k.recursive)
                                    {
                                        for (int j = subkeys.Length - 1; j >= 0; j--)
                                        {
                                            string[] child = new string[sub.Length + 1];
                                            Array.Copy(sub, child, sub.Length);
                                            child[sub.Length] = subkeys[j];
                                            stack.Push(child);
                                        }
                                    }
                                }
                                catch (Exception e)
                                {
                                    Dictionary<string, object> info = ErrorInfo(e, "INTERNAL");
                                    info["message"] = hives.Unmap((string)info["message"]);
                                    info["request"] = i; info["sub"] = sub;
                                    errors.Add(info);
                                }
                                finally
                                {
                                    if (sub.Length > 0 && handle != null) handle.Close();
                                }
                            }
                        }
                        finally
                        {
                            if (hasPath && top != null) top.Close();
                        }
                    }
                    catch (Exception e)
                    {
                        Dictionary<string, object> info = ErrorInfo(e, "INTERNAL");
                        if (e is ArgumentException || e.InnerException is ArgumentException) info["code"] = "KEY_PATH";
                        info["message"] = hives.Unmap((string)info["message"]);
                        info["request"] = i; info["sub"] = new string[0];
                        errors.Add(info);
                    }
                    finally
                    {
                        if (baseKey != null) baseKey.Close();
                    }
                }
            }
            finally
            {
                // Every handle into a loaded hive is closed by now.
                hives.UnloadAll();
            }
            foreach (RsHiveMount m in hives.Mounts)
            {
                if (m.UnloadError == null) continue;
                foreach (int i in m.Uses)
                {
                    Dictionary<string, object> info = Map();
                    info["code"] = "PROFILE_UNAVAILABLE"; info["message"] = "read, but the hive of profile " + m.Sid + " could not be unloaded: " + m.UnloadError;
                    info["request"] = i; info["sub"] = new string[0];
                    errors.Add(info);
                }
            }
            Dictionary<string, object> answer = Map();
            answer["ok"] = true; answer["results"] = results.ToArray(); answer["errors"] = errors.ToArray(); answer["count"] = count; answer["loads"] = hives.LoadCount;
            return answer;
        }

        // A field's text: a string as is, a number as written.
        private static string Text(object data)
        {
            return Convert.ToString(Plain(data), CultureInfo.InvariantCulture);
        }

        // The .NET data and kind of a value to write; converted before any key is touched.
        private static object ToNet(RsValueReq value, out RegistryValueKind kind)
        {
            string type = value == null ? null : value.type;
            object data = value == null ? null : value.data;
            if (data == null) throw Error("WRITE_FAILED", type + " data is missing");
            if (type == "REG_SZ" || type == "REG_EXPAND_SZ")
            {
                kind = type == "REG_SZ" ? RegistryValueKind.String : RegistryValueKind.ExpandString;
                return FromBase64(Text(data));
            }
            if (type == "REG_DWORD")
            {
                object plain = Plain(data);
                decimal n;
                if (plain is decimal) n = (decimal)plain;
                else if (!decimal.TryParse(Text(data), NumberStyles.Float, CultureInfo.InvariantCulture, out n)) throw Error("WRITE_FAILED", "REG_DWORD is not a number: " + Text(data));
                if (n < 0 || n > 4294967295m || n != decimal.Truncate(n)) throw Error("WRITE_FAILED", "REG_DWORD out of range: " + n.ToString(CultureInfo.InvariantCulture));
                // SetValue wants the signed Int32 with the same bits (4294967295 is -1).
                kind = RegistryValueKind.DWord;
                return unchecked((int)(uint)n);
            }
            if (type == "REG_MULTI_SZ")
            {
                object[] items = Plain(data) as object[];
                if (items == null) throw Error("WRITE_FAILED", "REG_MULTI_SZ data is not a list");
                string[] strings = new string[items.Length];
                for (int i = 0; i < items.Length; i++) strings[i] = FromBase64(Convert.ToString(items[i], CultureInfo.InvariantCulture));
                kind = RegistryValueKind.MultiString;
                return strings;
            }
            if (type == "REG_QWORD")
            {
                string text = Text(data);
                bool digits = text.Length >= 1 && text.Length <= 20;
                foreach (char c in text) if (c < '0' || c > '9') digits = false;
                if (!digits) throw Error("WRITE_FAILED", "REG_QWORD must be a decimal string");
                kind = RegistryValueKind.QWord;
                return unchecked((long)ulong.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture));
            }
            if (type == "REG_BINARY" || type == "REG_NONE")
            {
                byte[] bytes = FromHex(Text(data));
                if (bytes == null) throw Error("WRITE_FAILED", "binary data is not an even-length hex string");
                kind = type == "REG_BINARY" ? RegistryValueKind.Binary : RegistryValueKind.None;
                return bytes;
            }
            throw Error("UNSUPPORTED_KIND", "cannot write a value of type " + type);
        }

        /// <summary>The write request: every op in order, one outcome each; an op that fails does not stop the rest.</summary>
        public static Dictionary<string, object> Write(RsLayer layer, RsRequest request)
        {
            List<object> results = new List<object>();
            RsItemReq[] ops = request.ops ?? new RsItemReq[0];
            RsSimStore store = layer.Store;
            // Base keys by hive and view, and the last subkey opened for writing: consecutive ops on one key
            // (the usual batch) reuse its handle. Every delete-key drops it, as Windows would invalidate it.
            Dictionary<string, RsKey> bases = new Dictionary<string, RsKey>(StringComparer.Ordinal);
            string cachedPath = null;
            RsKey cached = null;
            RsUserHives hives = new RsUserHives(layer);
            try
            {
                try
                {
                    for (int i = 0; i <= ops.Length; i++)
                    {
                        // Simulated faults fire between ops (the Windows layer has none).
                        if (store != null) store.Checkpoint(i);
                        if (i == ops.Length) break;
                        RsItemReq op = ops[i];
                        try
                        {
                            if (op == null) throw Error("WRITE_FAILED", "a write op is empty");
                            string baseId = op.hive + "|" + op.view.ToString(CultureInfo.InvariantCulture);
                            RsKey baseKey;
                            if (!bases.TryGetValue(baseId, out baseKey)) { baseKey = layer.OpenBase(op.hive, op.view); bases[baseId] = baseKey; }
                            // A profile that is not logged on: its hive is loaded for this request under a name of its own.
                            string path = hives.Map(op.hive, FromBase64(op.path), i);
                            string[] parts = Split(path);
                            string id = baseId + "|" + string.Join("\\", parts);
                            string which = op.op;
                            if (which == "set-value")
                            {
                                RegistryValueKind kind;
                                object net = ToNet(op.value, out kind);
                                RsKey target = baseKey;
                                if (parts.Length > 0)
                                {
                                    if (cachedPath != id)
                                    {
                                        if (cached != null) cached.Close();
                                        cached = null; cachedPath = null;
                                        cached = baseKey.CreateSubKey(path); cachedPath = id;
                                    }
                                    target = cached;
                                }
                                target.SetValue(FromBase64(op.name), net, kind);
                            }
                            else if (which == "create-key")
                            {
                                if (parts.Length > 0 && cachedPath != id)
                                {
                                    if (cached != null) cached.Close();
                                    cached = null; cachedPath = null;
                                    cached = baseKey.CreateSubKey(path); cachedPath = id;
                                }
                            }
                            else if (which == "delete-value")
                            {
                                RsKey target = baseKey;
                                if (parts.Length > 0)
                                {
                                    if (cachedPath != id)
                                    {
                                        if (cached != null) cached.Close();
                                        cached = null; cachedPath = null;
                                        // Never created: a missing key has no value to delete.
                                        cached = baseKey.OpenSubKey(path, true);
                                        if (cached != null) cachedPath = id;
                                    }
                                    target = cached;
                                }
                                if (target != null) target.DeleteValue(FromBase64(op.name), false);
                            }
                            else if (which == "delete-key")
                            {
                                // Below HKU every key is the root of a user's hive.
                                if (parts.Length == 0 || (parts.Length == 1 && RsLayer.IsUsers(op.hive))) throw Error("WRITE_FAILED", "cannot delete a hive root");
                                if (cached != null) cached.Close();
                                cached = null; cachedPath = null;
                                RsKey parent = baseKey;
                                RsKey opened = null;
                                try
                                {
                                    if (parts.Length > 1) { opened = baseKey.OpenSubKey(string.Join("\\", parts, 0, parts.Length - 1), true); parent = opened; }
                                    if (parent != null) parent.DeleteSubKeyTree(parts[parts.Length - 1], false);
                                }
                                finally
                                {
                                    if (opened != null) opened.Close();
                                }
                            }
                            else
                            {
                                throw Error("WRITE_FAILED", "unknown write op " + which);
                            }
                            Dictionary<string, object> done = Map();
                            done["ok"] = true;
                            results.Add(done);
                        }
                        catch (Exception e)
                        {
                            Dictionary<string, object> info = ErrorInfo(e, "WRITE_FAILED");
                            info["message"] = hives.Unmap((string)info["message"]);
                            info["ok"] = false;
                            results.Add(info);
                        }
                    }
                }
                finally
                {
                    if (cached != null) cached.Close();
                    foreach (RsKey b in bases.Values) b.Close();
                }
            }
            finally
            {
                // After every handle is closed; ops that failed leave the earlier ones written, as Windows does.
                hives.UnloadAll();
            }
            foreach (RsHiveMount m in hives.Mounts)
            {
                if (m.UnloadError == null) continue;
                foreach (int i in m.Uses)
                {
                    Dictionary<string, object> failed = Map();
                    failed["ok"] = false; failed["code"] = "PROFILE_UNAVAILABLE";
                    failed["message"] = "the hive of profile " + m.Sid + " could not be saved and unloaded, so this change may be lost: " + m.UnloadError;
                    results[i] = failed;
                }
            }
            if (store != null) store.Save();
            Dictionary<string, object> answer = Map();
            answer["ok"] = true; answer["results"] = results.ToArray(); answer["errors"] = new object[0]; answer["count"] = ops.Length; answer["loads"] = hives.LoadCount;
            return answer;
        }
    }

    // ------------------------------------------------------------ the fleet driver's process guard

    // PowerShell 7's SSH transport (SSHClientSessionTransportManager) crashes the whole process when
    // its ssh child exits after a write to the child's stdin has failed: the first write fails with
    // EPIPE and its bytes stay in the FileStream's buffer; then the transport's error thread, on
    // ssh's stderr EOF, disposes that writer, whose flush fails again, and that IOException escapes
    // the thread unhandled. One unreachable host could so end every other host's session. The
    // session is already marked Broken when this happens, so the fleet driver (remoting.ps1) installs
    // this handler in the one local PowerShell: it parks that thread (a background thread) instead of
    // letting the runtime end the process. The rest of that transport's cleanup happens when the
    // driver disposes the broken runspace. Any other unhandled exception still ends the process.
    // The console host's own handler, which runs first, has by then flagged its session to end after
    // the current command; the guard clears that flag (an internal property, reached by reflection:
    // if a PowerShell lacks it, the process ends after this request as it would have, with a clean
    // exit instead of a crash, and the caller reports every host's session lost).
    public static class RsSshTransportGuard
    {
        private static int installed;

        public static void Install()
        {
            if (Interlocked.Exchange(ref installed, 1) == 1) return;
            AppDomain.CurrentDomain.UnhandledException += OnUnhandled;
        }

        private static bool IsTransportCloseFailure(object exception)
        {
            System.IO.IOException io = exception as System.IO.IOException;
            if (io == null) return false;
            string trace = io.StackTrace;
            return trace != null
                && trace.IndexOf("SSHClientSessionTransportManager.CloseConnection", StringComparison.Ordinal) >= 0;
        }

        private static void KeepHostSession()
        {
            try
            {
                System.Reflection.BindingFlags statics = System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static;
                System.Reflection.BindingFlags members = System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance;
                foreach (System.Reflection.Assembly assembly in AppDomain.CurrentDomain.GetAssemblies())
                {
                    Type host = assembly.GetType("Microsoft.PowerShell.ConsoleHost", false);
                    if (host == null) continue;
                    System.Reflection.PropertyInfo single = host.GetProperty("SingletonInstance", statics);
                    System.Reflection.PropertyInfo end = host.GetProperty("ShouldEndSession", members);
                    object instance = single == null ? null : single.GetValue(null, null);
                    if (instance != null && end != null && end.CanWrite) end.SetValue(instance, false, null);
                    return;
                }
            }
            catch (Exception)
            {
                // Not this PowerShell's layout: the session ends after this request (see above).
            }
        }

        private static void OnUnhandled(object sender, UnhandledExceptionEventArgs e)
        {
            if (!IsTransportCloseFailure(e.ExceptionObject)) return;
            KeepHostSession();
            Thread.Sleep(Timeout.Infinite);
        }
    }
}
