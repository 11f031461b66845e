// regstate agent, lowest layer for machines without a Windows registry: a simulated hive, with the
// methods of Microsoft.Win32.RegistryKey. Compiled with agent.cs (same rules: C# 5, ASCII, no data);
// the hive file format and what .NET shows are described in simulated-hive.ps1.
namespace Regstate.Agent
{
    using System;
    using System.Collections;
    using System.Collections.Generic;
    using System.Collections.Specialized;
    using System.Globalization;
    using System.IO;
    using System.Security;
    using Microsoft.Win32;
#if RS_CORE
    using System.Text.Json.Serialization;
#endif

    // A simulated value: Type is the registry's kind number (winnt.h); Data is what .NET hands out for
    // the kinds it names, the raw bytes (or null) for the others.
    public sealed class RsSimEntry
    {
        public string Name;
        public bool ReadOnly;
        public int Type;
        public object Data;
    }

    // A simulated key: its values and subkeys in creation order, names compared ignoring case.
    public sealed class RsSimNode
    {
        public string Name;
        public bool ReadOnly;
        public bool DenyRead;
        public readonly OrderedDictionary ValueTable = new OrderedDictionary(StringComparer.OrdinalIgnoreCase);
        public readonly OrderedDictionary SubkeyTable = new OrderedDictionary(StringComparer.OrdinalIgnoreCase);

        public RsSimNode(string name) { Name = name; }

        public RsSimNode Child(string name) { return (RsSimNode)SubkeyTable[name]; }
    }

    // The hive file as read by either JSON reader.
    public class RsSimFileValue
    {
        public string name { get; set; }
#if RS_CORE
        [JsonConverter(typeof(RsPlainConverter))]
#endif
        public object kind { get; set; }
#if RS_CORE
        [JsonConverter(typeof(RsPlainConverter))]
#endif
        public object data { get; set; }
        public bool readOnly { get; set; }
    }

    public class RsSimFileKey
    {
        public string path { get; set; }
        public bool readOnly { get; set; }
        public bool denyRead { get; set; }
        public RsSimFileValue[] values { get; set; }
    }

    public class RsSimFileFaults
    {
#if RS_CORE
        [JsonConverter(typeof(RsPlainConverter))]
#endif
        public object exitAfterWrites { get; set; }
#if RS_CORE
        [JsonConverter(typeof(RsPlainConverter))]
#endif
        public object delayMsPerWrite { get; set; }
    }

    public class RsSimFileDoc
    {
        public string format { get; set; }
        public object version { get; set; }
        public RsSimFileKey[] keys { get; set; }
        public RsSimFileFaults faults { get; set; }
        // SID -> DOMAIN\name: what SecurityIdentifier.Translate would say.
        public Dictionary<string, string> accounts { get; set; }
    }

    // An open simulated key, with the methods of Microsoft.Win32.RegistryKey that the agent calls.
    public sealed class RsSimKey : RsKey
    {
        private readonly RsSimStore store;
        private readonly string hive;
        private readonly int view;
        private readonly string[] path;
        private readonly RsSimNode node;
        private readonly bool writable;
        private bool closed;

        public RsSimKey(RsSimStore store, string hive, int view, string[] path, RsSimNode node, bool writable)
        {
            this.store = store; this.hive = hive; this.view = view; this.path = path; this.node = node; this.writable = writable;
        }

        private void AssertOpen()
        {
            // As .NET does with a closed RegistryKey, so handle mistakes show up off Windows too.
            if (closed) throw new ObjectDisposedException("RegistryKey", "Cannot access a closed registry key.");
        }

        private void AssertWritable()
        {
            AssertOpen();
            if (!writable) throw new UnauthorizedAccessException("Cannot write to the registry key.");
        }

        private string[] Join(string sub)
        {
            AssertOpen();
            List<string> parts = new List<string>(path);
            foreach (string p in (sub ?? "").Split('\\'))
            {
                if (p.Length == 0) continue;
                if (p.Length > 255) throw new ArgumentException("Registry subkey names should not be greater than 255 characters: " + p.Substring(0, 20) + "...");
                parts.Add(p);
            }
            return parts.ToArray();
        }

        // The 32-bit view of HKLM\SOFTWARE\X is HKLM\SOFTWARE\WOW6432Node\X (as src/registry/physical-key.ts).
        private string[] Physical(string[] logical)
        {
            if (view != 32 || !Same(hive, "HKLM") || logical.Length == 0 || !Same(logical[0], "SOFTWARE")) return logical;
            if (logical.Length > 1 && Same(logical[1], "WOW6432Node")) return logical;
            List<string> output = new List<string>();
            output.Add(logical[0]);
            output.Add("WOW6432Node");
            for (int i = 1; i < logical.Length; i++) output.Add(logical[i]);
            return output.ToArray();
        }

        private static bool Same(string a, string b) { return string.Equals(a, b, StringComparison.OrdinalIgnoreCase); }

        private RsSimNode Find(string[] physical)
        {
            RsSimNode n = store.Root(hive);
            foreach (string part in physical)
            {
                n = n.Child(part);
                if (n == null) return null;
            }
            return n;
        }

        public override RsKey OpenSubKey(string sub, bool writable)
        {
            string[] logical = Join(sub);
            RsSimNode n = Find(Physical(logical));
            if (n == null) return null;
            if (n.DenyRead || (writable && n.ReadOnly)) throw new SecurityException("Requested registry access is not allowed.");
            return new RsSimKey(store, hive, view, logical, n, writable);
        }

        public override RsKey CreateSubKey(string sub)
        {
            string[] logical = Join(sub);
            RsSimNode n = store.Root(hive);
            foreach (string part in Physical(logical))
            {
                RsSimNode next = n.Child(part);
                if (next == null)
                {
                    if (n.ReadOnly) throw new UnauthorizedAccessException("Access to the registry key '" + part + "' is denied.");
                    next = new RsSimNode(part);
                    n.SubkeyTable.Add(part, next);
                    store.Touch(hive, logical);
                }
                n = next;
            }
            if (n.ReadOnly || n.DenyRead) throw new UnauthorizedAccessException("Access to the registry key is denied.");
            return new RsSimKey(store, hive, view, logical, n, true);
        }

        public override string[] GetValueNames()
        {
            AssertOpen();
            string[] names = new string[node.ValueTable.Count];
            node.ValueTable.Keys.CopyTo(names, 0);
            return names;
        }

        public override string[] GetSubKeyNames()
        {
            AssertOpen();
            string[] names = new string[node.SubkeyTable.Count];
            int i = 0;
            foreach (RsSimNode n in node.SubkeyTable.Values) names[i++] = n.Name;
            return names;
        }

        public override RegistryValueKind GetValueKind(string name)
        {
            AssertOpen();
            RsSimEntry e = (RsSimEntry)node.ValueTable[name];
            if (e == null) throw new IOException("The specified registry value does not exist.");
            int t = e.Type;
            if (t == 0) return RegistryValueKind.None;
            if (t == 1 || t == 2 || t == 3 || t == 4 || t == 7 || t == 11) return (RegistryValueKind)t;
            return RegistryValueKind.Unknown;
        }

        public override object GetValue(string name, object defaultValue, RegistryValueOptions options)
        {
            AssertOpen();
            RsSimEntry e = (RsSimEntry)node.ValueTable[name];
            if (e == null) return defaultValue;
            uint t = unchecked((uint)e.Type);
            // .NET reads REG_DWORD_BIG_ENDIAN as bytes and every other kind it does not name as the default.
            if (t > 11 || t == 6 || t == 8 || t == 9 || t == 10) return defaultValue;
            if (t == 5 && e.Data == null) return new byte[0];
            return e.Data;
        }

        public override void SetValue(string name, object data, RegistryValueKind kind)
        {
            AssertWritable();
            if (data == null) throw new ArgumentNullException("value");
            if (name.Length > 16383) throw new ArgumentException("Registry value names should not be greater than 16,383 characters.");
            int t = (int)kind;
            bool ok = false;
            if (t == 1 || t == 2) ok = data is string;
            else if (t == 7) ok = data is string[];
            else if (t == 4) ok = data is int;
            else if (t == 11) ok = data is long;
            else if (t == 3) ok = data is byte[];
            else if (kind == RegistryValueKind.None) { ok = data is byte[]; t = 0; }
            if (!ok) throw new ArgumentException("The type of the value object did not match the specified RegistryValueKind (" + kind + ").");
            RsSimEntry e = (RsSimEntry)node.ValueTable[name];
            if (e != null)
            {
                if (e.ReadOnly) throw new UnauthorizedAccessException("Access to the registry value '" + name + "' is denied.");
                // Windows keeps the name's original case when a value is overwritten.
                e.Type = t; e.Data = data;
            }
            else
            {
                e = new RsSimEntry();
                e.Name = name; e.Type = t; e.Data = data;
                node.ValueTable.Add(name, e);
            }
            store.Touch(hive, path);
        }

        public override void DeleteValue(string name, bool throwOnMissing)
        {
            AssertWritable();
            RsSimEntry e = (RsSimEntry)node.ValueTable[name];
            if (e == null)
            {
                if (throwOnMissing) throw new ArgumentException("No value exists with that name.");
                return;
            }
            if (e.ReadOnly) throw new UnauthorizedAccessException("Access to the registry value '" + name + "' is denied.");
            node.ValueTable.Remove(name);
            store.Touch(hive, path);
        }

        public override void DeleteSubKeyTree(string sub, bool throwOnMissing)
        {
            AssertWritable();
            string[] physical = Physical(Join(sub));
            if (physical.Length == 0) throw new ArgumentException("Cannot delete a registry hive's subtree.");
            string leaf = physical[physical.Length - 1];
            string[] parentPath = new string[physical.Length - 1];
            Array.Copy(physical, parentPath, physical.Length - 1);
            RsSimNode parent = Find(parentPath);
            RsSimNode doomed = parent == null ? null : parent.Child(leaf);
            if (doomed == null)
            {
                if (throwOnMissing) throw new ArgumentException("Cannot delete a subkey tree because the subkey does not exist.");
                return;
            }
            Stack<RsSimNode> stack = new Stack<RsSimNode>();
            stack.Push(doomed);
            while (stack.Count > 0)
            {
                RsSimNode n = stack.Pop();
                bool locked = n.ReadOnly;
                foreach (RsSimEntry v in n.ValueTable.Values) if (v.ReadOnly) locked = true;
                if (locked) throw new UnauthorizedAccessException("Access to the registry key '" + leaf + "' is denied.");
                foreach (RsSimNode c in n.SubkeyTable.Values) stack.Push(c);
            }
            parent.SubkeyTable.Remove(leaf);
            store.Touch(hive, physical);
        }

        public override void Close() { closed = true; }
    }

    // The simulated registry of one hive file, with its faults.
    public sealed class RsSimStore
    {
        private static readonly Dictionary<string, int> KindNumbers = NewKindNumbers();

        // Writes the hive file's JSON: the agent's own serializer (System.Text.Json or JavaScriptSerializer).
        public static Func<object, string> Serialize;
        // Reads a hive file's JSON (a user's NTUSER.DAT): the agent's own reader.
        public static Func<string, RsSimFileDoc> Deserialize;

        public readonly string Path;
        public bool Dirty;
        public int ExitAfterWrites = -1;
        public int DelayMs;
        // The hive file asked for faults (read by the next write request, then dropped from the file).
        public bool HasFaults;
        private readonly Dictionary<string, RsSimNode> roots = new Dictionary<string, RsSimNode>(StringComparer.OrdinalIgnoreCase);
        private Dictionary<string, string> accounts = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        // User hives loaded under HKU for the request, by their temporary name: never part of the hive file.
        private readonly Dictionary<string, RsSimMount> mounts = new Dictionary<string, RsSimMount>(StringComparer.OrdinalIgnoreCase);

        private sealed class RsSimMount
        {
            public string File;
            public bool Dirty;
        }

        public RsSimStore(string path)
        {
            Path = path;
            foreach (string h in RsLayer.HiveNames()) roots[h] = new RsSimNode(h);
        }

        private static Dictionary<string, int> NewKindNumbers()
        {
            Dictionary<string, int> kinds = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            kinds.Add("None", 0); kinds.Add("String", 1); kinds.Add("ExpandString", 2); kinds.Add("Binary", 3);
            kinds.Add("DWord", 4); kinds.Add("MultiString", 7); kinds.Add("QWord", 11);
            return kinds;
        }

        public RsSimNode Root(string hive) { return roots[hive]; }

        public string Account(string sid)
        {
            string name;
            return accounts.TryGetValue(sid, out name) ? name : null;
        }

        // A change at hive\path: it belongs to a loaded user hive's file, or to this store's.
        public void Touch(string hive, string[] path)
        {
            RsSimMount m;
            if (RsLayer.IsUsers(hive) && path.Length > 0 && mounts.TryGetValue(path[0], out m)) m.Dirty = true;
            else Dirty = true;
        }

        /// <summary>RegLoadKey: a user's NTUSER.DAT (a simulated hive file whose key paths are relative to the
        /// user's root) under HKU\name. Throws when the file is missing or not a simulated hive.</summary>
        public void Mount(string name, string file)
        {
            if (!File.Exists(file)) throw new FileNotFoundException("the file does not exist", file);
            RsSimNode root = new RsSimNode(name);
            try
            {
                RsSimFileDoc doc = Deserialize(File.ReadAllText(file, RsAgent.Utf8));
                if (doc == null || doc.format != "regstate-simulated-hive") throw new FormatException("not a regstate simulated hive (format must be \"regstate-simulated-hive\")");
                if (doc.keys != null) foreach (RsSimFileKey k in doc.keys) AddKey(root, k, false);
            }
            catch (Exception e)
            {
                throw new IOException("not a simulated hive: " + RsAgent.ErrorInfo(e, "PROFILE_UNAVAILABLE")["message"]);
            }
            roots["HKU"].SubkeyTable.Add(name, root);
            RsSimMount m = new RsSimMount();
            m.File = file;
            mounts[name] = m;
        }

        /// <summary>RegUnLoadKey: HKU\name goes away; its file is written back (atomically) when the request changed it.</summary>
        public void Unmount(string name)
        {
            RsSimMount m = mounts[name];
            RsSimNode root = roots["HKU"].Child(name);
            roots["HKU"].SubkeyTable.Remove(name);
            mounts.Remove(name);
            if (m.Dirty) WriteAtomically(m.File, Serialize(Document(new KeyValuePair<string, RsSimNode>[] { new KeyValuePair<string, RsSimNode>("", root) }, null)));
        }

        public RsKey OpenBase(string hive, int view) { return new RsSimKey(this, hive, view, new string[0], roots[hive], true); }

        /// <summary>The store a hive file holds; the file's JSON read by the agent into RsSimFileDoc (null: no file, an empty registry).</summary>
        public static RsSimStore Load(string path, RsSimFileDoc doc, bool exists)
        {
            RsSimStore store = new RsSimStore(path);
            if (!exists) return store;
            try
            {
                store.Fill(doc);
            }
            catch (Exception e)
            {
                throw RsAgent.Error("FILE_UNREADABLE", "simulated hive " + path + ": " + e.Message);
            }
            return store;
        }

        private void Fill(RsSimFileDoc doc)
        {
            if (doc == null || doc.format != "regstate-simulated-hive") throw new FormatException("not a regstate simulated hive (format must be \"regstate-simulated-hive\")");
            if (doc.faults != null) ReadFaults(doc.faults);
            if (doc.accounts != null)
            {
                foreach (KeyValuePair<string, string> pair in doc.accounts)
                {
                    if (pair.Value == null) throw new FormatException("the account of " + pair.Key + " is not a string");
                    accounts[pair.Key] = pair.Value;
                }
            }
            if (doc.keys == null) return;
            foreach (RsSimFileKey k in doc.keys) AddKey(null, k, true);
        }

        // One key of a hive file: from the hive named first in its path, or (withHive false) from root.
        private void AddKey(RsSimNode root, RsSimFileKey k, bool withHive)
        {
            if (k == null || k.path == null) throw new FormatException("a key path is not a string");
            string[] parts = k.path.Split(new char[] { '\\' }, StringSplitOptions.RemoveEmptyEntries);
            int first = 0;
            RsSimNode node = root;
            if (withHive)
            {
                if (parts.Length == 0 || !roots.ContainsKey(parts[0])) throw new FormatException("unknown hive in key path: " + k.path);
                node = roots[parts[0]];
                first = 1;
            }
            for (int i = first; i < parts.Length; i++)
            {
                RsSimNode next = node.Child(parts[i]);
                if (next == null) { next = new RsSimNode(parts[i]); node.SubkeyTable.Add(parts[i], next); }
                node = next;
            }
            node.ReadOnly = k.readOnly;
            node.DenyRead = k.denyRead;
            if (k.values == null) return;
            foreach (RsSimFileValue v in k.values)
            {
                if (v == null) continue;
                if (v.name == null) throw new FormatException("a value name under " + k.path + " is not a string");
                if (node.ValueTable.Contains(v.name)) throw new FormatException("duplicate value " + v.name + " under " + k.path);
                node.ValueTable.Add(v.name, ReadEntry(v));
            }
        }

        private static RsSimEntry ReadEntry(RsSimFileValue v)
        {
            RsSimEntry e = new RsSimEntry();
            e.Name = v.name;
            e.ReadOnly = v.readOnly;
            object kind = RsAgent.Plain(v.kind);
            object data = RsAgent.Plain(v.data);
            string kindName = kind as string;
            if (kindName != null)
            {
                int t;
                if (!KindNumbers.TryGetValue(kindName, out t)) throw new FormatException("unknown kind " + kindName);
                e.Type = t;
                if (t == 7)
                {
                    object[] items = data as object[];
                    if (items == null) throw new FormatException("data of " + v.name + " is not a list");
                    string[] strings = new string[items.Length];
                    for (int i = 0; i < items.Length; i++)
                    {
                        strings[i] = items[i] as string;
                        if (strings[i] == null) throw new FormatException("an item of " + v.name + " is not a string");
                    }
                    e.Data = strings;
                }
                else if (t == 4)
                {
                    if (!(data is decimal) || (decimal)data != decimal.Truncate((decimal)data) || (decimal)data < int.MinValue || (decimal)data > int.MaxValue)
                        throw new FormatException("data of " + v.name + " is not a signed 32-bit number");
                    e.Data = (int)(decimal)data;
                }
                else
                {
                    string text = data as string;
                    if (text == null) throw new FormatException("data of " + v.name + " is not a string");
                    if (t == 1 || t == 2) e.Data = text;
                    else if (t == 11) e.Data = long.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture);
                    else e.Data = Hex(text, v.name);
                }
                return e;
            }
            if (!(kind is decimal)) throw new FormatException("kind of " + v.name + " is neither a name nor a kind number");
            decimal number = (decimal)kind;
            if (number < 0 || number > 4294967295m || number != decimal.Truncate(number)) throw new FormatException("kind of " + v.name + " is neither a name nor a kind number");
            int type = unchecked((int)(uint)number);
            string named = NameOf(type);
            if (named != null) throw new FormatException("kind " + number.ToString(CultureInfo.InvariantCulture) + " of " + v.name + " has a name: use " + named);
            e.Type = type;
            if (data != null)
            {
                string hex = data as string;
                if (hex == null) throw new FormatException("data of " + v.name + " is not hex");
                e.Data = Hex(hex, v.name);
            }
            return e;
        }

        private static byte[] Hex(string text, string name)
        {
            byte[] bytes = RsAgent.FromHex(text);
            if (bytes == null) throw new FormatException("data of " + name + " is not an even-length hex string");
            return bytes;
        }

        private static string NameOf(int type)
        {
            foreach (KeyValuePair<string, int> pair in KindNumbers) if (pair.Value == type) return pair.Key;
            return null;
        }

        private void ReadFaults(RsSimFileFaults f)
        {
            HasFaults = true;
            ExitAfterWrites = Whole(f.exitAfterWrites, "exitAfterWrites", -1);
            DelayMs = Whole(f.delayMsPerWrite, "delayMsPerWrite", 0);
        }

        private static int Whole(object field, string name, int absent)
        {
            object n = RsAgent.Plain(field);
            if (n == null) return absent;
            if (!(n is decimal) || (decimal)n < 0 || (decimal)n != decimal.Truncate((decimal)n)) throw new FormatException("faults." + name + " must be a whole number >= 0");
            return (decimal)n > int.MaxValue ? int.MaxValue : (int)(decimal)n;
        }


        // Runs before each op of a write batch and after the last, with the number of ops done so far.
        public void Checkpoint(int done)
        {
            if (!HasFaults) return;
            // Saving drops the faults from the hive file: each fires once.
            Dirty = true;
            if (done > 0 && DelayMs > 0) System.Threading.Thread.Sleep(DelayMs);
            if (done == ExitAfterWrites)
            {
                WriteFile();
                System.Diagnostics.Process.GetCurrentProcess().Kill();
            }
        }

        public void Save() { if (Dirty) WriteFile(); }

        private static string Hex(byte[] bytes) { return RsAgent.ToHex(bytes); }

        /// <summary>The hive file's content (the faults left out), keys depth-first; a Dictionary without removals is
        /// written in the order its entries were added.</summary>
        public Dictionary<string, object> ToDocument()
        {
            List<KeyValuePair<string, RsSimNode>> tops = new List<KeyValuePair<string, RsSimNode>>();
            foreach (string h in RsLayer.HiveNames()) tops.Add(new KeyValuePair<string, RsSimNode>(h, roots[h]));
            Dictionary<string, object> doc = Document(tops.ToArray(), mounts);
            if (accounts.Count > 0) doc["accounts"] = accounts;
            return doc;
        }

        // The keys below each top (its path "" for a user hive's root, whose key paths are then relative),
        // leaving out the user hives loaded under HKU for the request.
        private static Dictionary<string, object> Document(KeyValuePair<string, RsSimNode>[] tops, Dictionary<string, RsSimMount> skip)
        {
            List<object> keys = new List<object>();
            Stack<KeyValuePair<string, RsSimNode>> stack = new Stack<KeyValuePair<string, RsSimNode>>();
            for (int t = tops.Length - 1; t >= 0; t--) stack.Push(tops[t]);
            while (stack.Count > 0)
            {
                KeyValuePair<string, RsSimNode> item = stack.Pop();
                string path = item.Key;
                RsSimNode node = item.Value;
                bool isRoot = path.IndexOf('\\') < 0 && (skip != null || path.Length == 0);
                if (!isRoot || node.ValueTable.Count > 0 || node.ReadOnly || node.DenyRead)
                {
                    List<object> values = new List<object>();
                    foreach (RsSimEntry e in node.ValueTable.Values)
                    {
                        Dictionary<string, object> output = new Dictionary<string, object>();
                        int t = e.Type;
                        output["name"] = e.Name;
                        string named = NameOf(t);
                        output["kind"] = named != null ? (object)named : (object)unchecked((uint)t);
                        if (t == 11) output["data"] = ((long)e.Data).ToString(CultureInfo.InvariantCulture);
                        else if (e.Data is byte[]) output["data"] = Hex((byte[])e.Data);
                        else output["data"] = e.Data;
                        if (e.ReadOnly) output["readOnly"] = true;
                        values.Add(output);
                    }
                    Dictionary<string, object> k = new Dictionary<string, object>();
                    k["path"] = path;
                    if (node.ReadOnly) k["readOnly"] = true;
                    if (node.DenyRead) k["denyRead"] = true;
                    k["values"] = values.ToArray();
                    keys.Add(k);
                }
                List<RsSimNode> children = new List<RsSimNode>();
                foreach (RsSimNode c in node.SubkeyTable.Values)
                {
                    if (skip != null && path == "HKU" && skip.ContainsKey(c.Name)) continue;
                    children.Add(c);
                }
                for (int i = children.Count - 1; i >= 0; i--) stack.Push(new KeyValuePair<string, RsSimNode>(path.Length == 0 ? children[i].Name : path + "\\" + children[i].Name, children[i]));
            }
            Dictionary<string, object> doc = new Dictionary<string, object>();
            doc["format"] = "regstate-simulated-hive";
            doc["version"] = 1;
            doc["keys"] = keys.ToArray();
            return doc;
        }

        private void WriteFile() { WriteAtomically(Path, Serialize(ToDocument())); }

        // As the .reg backend writes its file (writeFileAtomic): a temporary file beside the file itself, on
        // the disk before it replaces the file, so a reader or a power loss sees the old hive or the new. A
        // symbolic link is written through to the file it ends at and stays a link; on Unix the file keeps
        // its mode (a rename alone would give it the temporary file's). The owner is not kept. The temporary
        // file has a name of its own and is created new (CreateNew: O_EXCL), so nothing already at that
        // name, a link another user planted included, is ever opened or written; the text is encoded as it
        // is written (no second copy of a large hive in memory).
        private static void WriteAtomically(string file, string json)
        {
            string target = FinalTarget(file);
            string tmp = target + ".tmp-" + System.Diagnostics.Process.GetCurrentProcess().Id.ToString(CultureInfo.InvariantCulture) + "-" + Guid.NewGuid().ToString("N").Substring(0, 8);
            try
            {
                using (FileStream stream = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    using (StreamWriter writer = new StreamWriter(stream, RsAgent.Utf8))
                    {
                        writer.Write(json);
                        writer.Flush();
                        stream.Flush(true);
                    }
                }
                if (File.Exists(target))
                {
                    KeepUnixMode(target, tmp);
                    File.Replace(tmp, target, null);
                }
                else File.Move(tmp, target);
            }
            catch
            {
                // what failed is what the caller hears, not a failure to clean up after it
                try { File.Delete(tmp); } catch (Exception) { }
                throw;
            }
        }

        // The file a path ends at through symbolic links (FileSystemInfo.LinkTarget and ResolveLinkTarget, .NET 6
        // and later, found by reflection: Windows PowerShell 5.1 has no link API, and there the path is written as
        // given). A path that is not a link, or names nothing yet, is itself.
        private static string FinalTarget(string file)
        {
            System.Reflection.PropertyInfo link = typeof(FileSystemInfo).GetProperty("LinkTarget");
            System.Reflection.MethodInfo resolve = typeof(FileSystemInfo).GetMethod("ResolveLinkTarget", new Type[] { typeof(bool) });
            if (link == null || resolve == null) return file;
            FileInfo info = new FileInfo(file);
            if (link.GetValue(info, null) == null) return file;
            FileSystemInfo target = (FileSystemInfo)resolve.Invoke(info, new object[] { true });
            return target == null ? file : target.FullName;
        }

        // File.GetUnixFileMode and SetUnixFileMode (.NET 7 and later, by reflection); on Windows File.Replace
        // keeps the file's attributes and ACL itself.
        private static void KeepUnixMode(string from, string to)
        {
            if (System.IO.Path.DirectorySeparatorChar != '/') return;
            System.Reflection.MethodInfo get = typeof(File).GetMethod("GetUnixFileMode", new Type[] { typeof(string) });
            if (get == null) return;
            System.Reflection.MethodInfo set = typeof(File).GetMethod("SetUnixFileMode", new Type[] { typeof(string), get.ReturnType });
            if (set != null) set.Invoke(null, new object[] { to, get.Invoke(null, new object[] { from }) });
        }
    }
}
