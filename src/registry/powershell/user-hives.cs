// regstate agent, user profiles: the profiles request (ProfileList) and the user hives a read or write
// request loads for profiles that are not logged on (see agent.ps1, USER HIVES). Compiled with agent.cs
// (same rules: C# 5, ASCII, no data); the simulated layer's side is RsSimStore.Mount and Unmount.
namespace Regstate.Agent
{
    using System;
    using System.Collections.Generic;
    using System.Globalization;
    using System.IO;
    using System.Runtime.InteropServices;
    using System.Text.RegularExpressions;
    using Microsoft.Win32;

    public static class RsProfiles
    {
        private static string B64(string text) { return text == null ? null : Convert.ToBase64String(RsAgent.Utf8.GetBytes(text)); }

        private static Dictionary<string, object> Map() { return new Dictionary<string, object>(); }

        /// <summary>The profiles request: ProfileList's SIDs (loaded or not, account, folder), then the default profile.</summary>
        public static Dictionary<string, object> List(RsLayer layer)
        {
            List<object> results = new List<object>();
            RsKey hklm = layer.OpenBase("HKLM", 64);
            RsKey users = layer.OpenBase("HKU", 64);
            try
            {
                RsKey list = hklm.OpenSubKey(RsUserHives.ProfileListPath, false);
                if (list != null)
                {
                    try
                    {
                        // Read (not GetSubKeyNames): enumeration by index skips a subkey when one before it
                        // goes, so a profile deleted meanwhile would hide another; the Windows layer reads the
                        // list again when ProfileList changed during it (RsWinKey.Read).
                        foreach (string sid in list.Read().SubKeys)
                        {
                            // Not a SID: a left-over such as S-1-5-21-...-1001.bak, which no user logs on to.
                            if (!RsUserHives.IsSid(sid)) continue;
                            string profilePath = null;
                            RsKey entry = list.OpenSubKey(sid, false);
                            if (entry != null)
                            {
                                try { profilePath = RsUserHives.Expanded(entry, "ProfileImagePath"); }
                                finally { entry.Close(); }
                            }
                            RsKey hive = users.OpenSubKey(sid, false);
                            if (hive != null) hive.Close();
                            Dictionary<string, object> p = Map();
                            p["sid"] = sid; p["account"] = B64(layer.Account(sid)); p["profilePath"] = B64(profilePath);
                            p["loaded"] = hive != null; p["kind"] = RsUserHives.Kind(sid);
                            results.Add(p);
                        }
                        string defaultPath = RsUserHives.DefaultProfilePath(list);
                        if (defaultPath != null)
                        {
                            Dictionary<string, object> d = Map();
                            d["sid"] = RsUserHives.DefaultSid; d["account"] = null; d["profilePath"] = B64(defaultPath);
                            d["loaded"] = false; d["kind"] = "default";
                            results.Add(d);
                        }
                    }
                    finally
                    {
                        list.Close();
                    }
                }
            }
            finally
            {
                users.Close();
                hklm.Close();
            }
            Dictionary<string, object> answer = Map();
            answer["ok"] = true; answer["results"] = results.ToArray(); answer["errors"] = new object[0]; answer["count"] = results.Count; answer["loads"] = 0;
            return answer;
        }
    }

    // RegLoadKey and RegUnLoadKey under HKEY_USERS, which need SeRestorePrivilege and SeBackupPrivilege
    // enabled in the process token (an administrator holds them, disabled).
    public static class RsWinHives
    {
        private static readonly IntPtr HKEY_USERS = new IntPtr(unchecked((int)0x80000003));
        private const int TOKEN_ADJUST_PRIVILEGES = 0x20;
        private const int TOKEN_QUERY = 0x8;
        private const int SE_PRIVILEGE_ENABLED = 2;
        private static bool privileged;

        [StructLayout(LayoutKind.Sequential)]
        private struct Luid { public uint Low; public int High; }

        [StructLayout(LayoutKind.Sequential)]
        private struct TokenPrivilege { public int Count; public Luid Luid; public int Attributes; }

        [DllImport("advapi32.dll", CharSet = CharSet.Unicode)]
        private static extern int RegLoadKey(IntPtr key, string subKey, string file);

        [DllImport("advapi32.dll", CharSet = CharSet.Unicode)]
        private static extern int RegUnLoadKey(IntPtr key, string subKey);

        [DllImport("advapi32.dll", SetLastError = true)]
        private static extern bool OpenProcessToken(IntPtr process, int access, out IntPtr token);

        [DllImport("advapi32.dll", SetLastError = true, CharSet = CharSet.Unicode)]
        private static extern bool LookupPrivilegeValue(string system, string name, out Luid luid);

        [DllImport("advapi32.dll", SetLastError = true)]
        private static extern bool AdjustTokenPrivileges(IntPtr token, bool disableAll, ref TokenPrivilege state, int length, IntPtr previous, IntPtr returned);

        [DllImport("kernel32.dll")]
        private static extern IntPtr GetCurrentProcess();

        [DllImport("kernel32.dll")]
        private static extern bool CloseHandle(IntPtr handle);

        private static string Message(int code)
        {
            return new System.ComponentModel.Win32Exception(code).Message + " (Win32 error " + code.ToString(CultureInfo.InvariantCulture) + ")";
        }

        // Once per process. A privilege the token lacks stays off: RegLoadKey then says so (error 1314).
        private static void EnablePrivileges()
        {
            if (privileged) return;
            IntPtr token;
            if (!OpenProcessToken(GetCurrentProcess(), TOKEN_ADJUST_PRIVILEGES | TOKEN_QUERY, out token)) return;
            try
            {
                foreach (string name in new string[] { "SeRestorePrivilege", "SeBackupPrivilege" })
                {
                    TokenPrivilege state = new TokenPrivilege();
                    state.Count = 1;
                    state.Attributes = SE_PRIVILEGE_ENABLED;
                    if (LookupPrivilegeValue(null, name, out state.Luid)) AdjustTokenPrivileges(token, false, ref state, 0, IntPtr.Zero, IntPtr.Zero);
                }
                privileged = true;
            }
            finally
            {
                CloseHandle(token);
            }
        }

        public static void Load(string name, string file)
        {
            EnablePrivileges();
            int code = RegLoadKey(HKEY_USERS, name, file);
            if (code == 0) return;
            // Wine leaves an empty key behind when a file is not a hive; on Windows nothing is loaded and this fails.
            RegUnLoadKey(HKEY_USERS, name);
            throw new IOException(Message(code));
        }

        public static void Unload(string name)
        {
            int code = RegUnLoadKey(HKEY_USERS, name);
            if (code != 0)
            {
                // A handle into the hive that only the garbage collector would close: close it, try once more.
                GC.Collect();
                GC.WaitForPendingFinalizers();
                code = RegUnLoadKey(HKEY_USERS, name);
            }
            if (code != 0) throw new IOException("HKU\\" + name + " stays loaded: " + Message(code));
        }
    }

    // ------------------------------------------------------------ user profiles and their hives

    // A profile hive loaded for one request: HKU\<Name> stands for HKU\<Sid> (or HKU\<Default>).
    public sealed class RsHiveMount
    {
        public string Sid;
        public string Name;
        public string File;
        // Why the hive is not available (set instead of Name), or why it could not be unloaded.
        public string Error;
        public string UnloadError;
        public bool Loaded;
        // The request's keys or ops that went to this hive.
        public readonly List<int> Uses = new List<int>();
    }

    // One request's user hives: which HKU\<first component> is a profile to load, each loaded at most once,
    // all unloaded by UnloadAll (the caller's finally).
    public sealed class RsUserHives
    {
        public const string DefaultSid = "<Default>";
        public const string ProfileListPath = "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList";
        private static readonly Regex SidPattern = new Regex("^S-1-[0-9]+(-[0-9]+)+$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        private readonly RsLayer layer;
        // By the name asked for (ignoring case, as HKU's subkeys); null: not a profile to load (loaded, or not in ProfileList).
        private readonly Dictionary<string, RsHiveMount> byName = new Dictionary<string, RsHiveMount>(StringComparer.OrdinalIgnoreCase);
        public readonly List<RsHiveMount> Mounts = new List<RsHiveMount>();

        public RsUserHives(RsLayer layer) { this.layer = layer; }

        /// <summary>How many user hives this request loaded.</summary>
        public int LoadCount
        {
            get
            {
                int n = 0;
                foreach (RsHiveMount m in Mounts) if (m.Name != null) n++;
                return n;
            }
        }

        public static bool IsSid(string name) { return name != null && SidPattern.IsMatch(name); }

        public static string Kind(string sid)
        {
            if (sid.StartsWith("S-1-5-21-", StringComparison.OrdinalIgnoreCase) || sid.StartsWith("S-1-12-1-", StringComparison.OrdinalIgnoreCase)) return "user";
            return "service";
        }

        // A string value with environment variables expanded, or null.
        public static string Expanded(RsKey key, string name)
        {
            string text = key.GetValue(name, null, RegistryValueOptions.DoNotExpandEnvironmentNames) as string;
            return string.IsNullOrEmpty(text) ? null : Environment.ExpandEnvironmentVariables(text);
        }

        // The default profile's folder: ProfileList's Default, else ProfilesDirectory\Default; null when neither is set.
        public static string DefaultProfilePath(RsKey profileList)
        {
            string path = Expanded(profileList, "Default");
            if (path != null) return path;
            string dir = Expanded(profileList, "ProfilesDirectory");
            return dir == null ? null : Path.Combine(dir, "Default");
        }

        /// <summary>The path to open for a key: unchanged, or with a profile's SID replaced by its loaded hive's
        /// temporary name. Throws PROFILE_UNAVAILABLE for a profile whose hive cannot be loaded.</summary>
        public string Map(string hive, string path, int use)
        {
            if (!RsLayer.IsUsers(hive)) return path;
            string[] parts = (path ?? "").Split(new char[] { '\\' }, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0) return path;
            RsHiveMount m;
            if (!byName.TryGetValue(parts[0], out m))
            {
                m = Resolve(parts[0]);
                byName[parts[0]] = m;
                if (m != null) Mounts.Add(m);
            }
            if (m == null) return path;
            m.Uses.Add(use);
            if (m.Error != null) throw RsAgent.Error("PROFILE_UNAVAILABLE", "the hive of profile " + m.Sid + " cannot be loaded: " + m.Error);
            parts[0] = m.Name;
            return string.Join("\\", parts);
        }

        private RsHiveMount Resolve(string first)
        {
            string profilePath = null;
            RsKey hklm = layer.OpenBase("HKLM", 64);
            RsKey users = layer.OpenBase("HKU", 64);
            try
            {
                bool isDefault = string.Equals(first, DefaultSid, StringComparison.OrdinalIgnoreCase);
                if (!isDefault)
                {
                    RsKey loaded = users.OpenSubKey(first, false);
                    if (loaded != null) { loaded.Close(); return null; }
                }
                RsKey list = hklm.OpenSubKey(ProfileListPath, false);
                if (list == null && !isDefault) return null;
                try
                {
                    if (isDefault)
                    {
                        if (list != null) profilePath = DefaultProfilePath(list);
                    }
                    else
                    {
                        RsKey entry = list.OpenSubKey(first, false);
                        if (entry == null) return null;
                        try { profilePath = Expanded(entry, "ProfileImagePath"); }
                        finally { entry.Close(); }
                    }
                }
                finally
                {
                    if (list != null) list.Close();
                }
            }
            finally
            {
                users.Close();
                hklm.Close();
            }
            RsHiveMount m = new RsHiveMount();
            m.Sid = first;
            if (profilePath == null)
            {
                m.Error = string.Equals(first, DefaultSid, StringComparison.OrdinalIgnoreCase) ? "the default profile's folder is not known (ProfileList has neither Default nor ProfilesDirectory)" : "ProfileList gives no ProfileImagePath";
                return m;
            }
            m.File = Path.Combine(profilePath, "NTUSER.DAT");
            string name = "regstate-" + Guid.NewGuid().ToString("N");
            try
            {
                layer.LoadHive(name, m.File);
                m.Name = name;
                m.Loaded = true;
            }
            catch (Exception e)
            {
                m.Error = m.File + ": " + RsAgent.ErrorInfo(e, "PROFILE_UNAVAILABLE")["message"];
            }
            return m;
        }

        /// <summary>HKU's subkey names without the hives this request loaded.</summary>
        public string[] Hide(string[] names)
        {
            List<string> shown = new List<string>();
            foreach (string name in names)
            {
                bool mine = false;
                foreach (RsHiveMount m in Mounts) if (m.Loaded && string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase)) mine = true;
                if (!mine) shown.Add(name);
            }
            return shown.ToArray();
        }

        /// <summary>A message with every temporary hive name put back to the SID it stands for.</summary>
        public string Unmap(string message)
        {
            if (message == null) return null;
            foreach (RsHiveMount m in Mounts) if (m.Name != null) message = message.Replace(m.Name, m.Sid);
            return message;
        }

        /// <summary>Unloads every hive this request loaded; a failure is kept on its mount (UnloadError), the rest go on.</summary>
        public void UnloadAll()
        {
            foreach (RsHiveMount m in Mounts)
            {
                if (!m.Loaded) continue;
                m.Loaded = false;
                try { layer.UnloadHive(m.Name); }
                catch (Exception e) { m.UnloadError = Unmap(Convert.ToString(RsAgent.ErrorInfo(e, "PROFILE_UNAVAILABLE")["message"], CultureInfo.InvariantCulture)); }
            }
        }
    }
}
