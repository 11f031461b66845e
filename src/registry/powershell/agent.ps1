<#
regstate PowerShell agent. Loaded once into a PowerShell session (Windows PowerShell 5.1 or
PowerShell 7), with its compiled part (agent.cs, simulated-hive.cs and user-hives.cs, as base64 of UTF-8):

    Import-RegstateAgentCode -SourceBase64 '<base64 of the C# text>'

(compiled once per machine and user, see Import-RsCode; a failure is reported by every request).
Every call afterwards is one line:

    Invoke-RegstateRequest -RequestBase64 '<base64 of UTF-8 JSON>'

A long request is cut into whole base64 groups, every line under 1 MiB: the lines before the last
are `Add-RegstateRequestChunk -Base64 '<part>'` (kept, nothing printed), and the last line's
Invoke-RegstateRequest runs on all the parts joined, decoded once. The caller sends all the lines of
one request in one go: one process, one round trip.

and the answer is one line on stdout:

    REGSTATE:<base64 of UTF-8 JSON>

Anything else the host prints is not part of the answer. This file must stay ASCII and must
only use syntax Windows PowerShell 5.1 knows (test/registry/powershell checks both).

REQUEST (JSON). Every free-text string (paths, names, string data, the hive file path) is itself
base64 of UTF-8, so no JSON reader can reinterpret it (PowerShell 7's ConvertFrom-Json turns
date-like strings into DateTime).
  { "op": "hello" }
  { "op": "read", "simulatedHive": B64 | null,
    "keys": [ { "hive": "HKLM"|"HKCU"|"HKCR"|"HKU"|"HKCC", "path": B64, "view": 64|32, "recursive": bool } ] }
  { "op": "write", "simulatedHive": B64 | null,
    "ops": [ { "op": "create-key"|"set-value"|"delete-value"|"delete-key", "hive", "path": B64, "view",
               "name": B64 (set-value, delete-value), "value": VALUE (set-value) } ] }
  { "op": "profiles", "simulatedHive": B64 | null }
  VALUE: { "type": "REG_SZ"|"REG_EXPAND_SZ", "data": B64 } | { "type": "REG_MULTI_SZ", "data": [B64, ...] }
       | { "type": "REG_DWORD", "data": 0..4294967295 } | { "type": "REG_QWORD", "data": "decimal 0..2^64-1" }
       | { "type": "REG_BINARY"|"REG_NONE", "data": "lowercase hex" }

ANSWER (JSON): { "ok": bool, "results": ..., "errors": [ { "code", "message", ... } ] }
  hello: results { "agent": "regstate", "protocol": 1, "psVersion", "psEdition", "os": "Win32NT"|"Unix"|... }
  read:  results [ { "request": index into keys, "sub": [subkey names below the requested key],
                     "exists": bool, "values": [ { "name", "type", "data", "kind"? } ], "subkeys": [names],
                     "unreadable": [ { "name", "code", "message" } ] } ]
         values use the plain JSON value form (strings are plain JSON strings here): DWORD a number,
         QWORD a decimal string, BINARY/NONE/OTHER lowercase hex, MULTI_SZ a list, REG_OTHER with "kind"
         (only kind 5, REG_DWORD_BIG_ENDIAN: the one kind .NET calls Unknown and still hands out as bytes).
         unreadable: values .NET cannot hand out (REG_LINK, resource lists and other kinds it does not
         name give kind Unknown and no data; a REG_DWORD or REG_QWORD of the wrong size): code UNSUPPORTED_KIND.
         errors [ { "request", "sub", "code", "message" } ]: a key that could not be read.
  every answer may carry "stats": { "values": n, "workMs": time spent in the agent's loop, "loadMs": hive file load
         (both by the clock), "cpuMs": the process's CPU time for the whole request }.
  write: results [ { "ok": true } | { "ok": false, "code", "message" } ], one per op, in order.
  profiles: results [ { "sid", "account": B64 | null, "profilePath": B64 | null, "loaded": bool,
                        "kind": "user"|"service"|"default" } ]: one per subkey of
         HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList whose name is a SID (a left-over
         such as S-1-5-21-...-1001.bak is not listed), in ProfileList's order; loaded: HKU has a subkey of
         that name; account: the SID translated to DOMAIN\name (SecurityIdentifier.Translate), null when it
         does not translate; profilePath: ProfileImagePath with environment variables expanded; kind
         "user" for S-1-5-21-* and S-1-12-1-*, "service" for the others. Then the default profile,
         { "sid": "<Default>", "kind": "default", "loaded": false, "account": null, "profilePath": ProfileList's
         value Default expanded, else ProfilesDirectory\Default }, when one of those two values is set.
  every read and write answer's stats also say "hiveLoads": how many user hives the request loaded.
  ok false with results null: the request as a whole failed (errors says why).
Codes: ACCESS_DENIED, UNSUPPORTED_KIND, WRITE_FAILED, KEY_PATH, NO_REGISTRY, FILE_UNREADABLE, PROFILE_UNAVAILABLE, INTERNAL.

USER HIVES. In read and write requests, a key of hive HKU whose first path component is "<Default>", or
a SID that ProfileList lists but HKU does not hold (the user is not logged on), is served from that
profile's <profile folder>\NTUSER.DAT: loaded for the request under HKU\regstate-<guid> (RegLoadKey,
with SeRestorePrivilege and SeBackupPrivilege enabled), at most once per profile however many keys name
it, and unloaded (RegUnLoadKey, after every handle into it is closed) when the request ends, also when
it fails. Answers name keys as they were asked (HKU\<SID>\...), never the temporary key (a read of HKU
itself does not list it). A hive that cannot be loaded (no profile folder, file missing, locked, not a
hive) fails each of its keys (read: an error per requested key) or ops (write) with PROFILE_UNAVAILABLE
and the reason; other keys and ops go on. A hive that cannot be unloaded fails the keys or ops that used
it with PROFILE_UNAVAILABLE too. Any other HKU key (a logged-on user, a name ProfileList does not list)
is opened as it is; deleting a key directly under HKU (a hive root) is refused.

LAYERS. Only the lowest layer differs between a real registry and a simulated one: the object whose
methods are called. Both are C# (agent.cs) behind one abstract class, RsKey, with the methods of
Microsoft.Win32.RegistryKey (OpenSubKey, CreateSubKey, GetValueNames, GetSubKeyNames, GetValueKind,
GetValue, SetValue, DeleteValue, DeleteSubKeyTree, Close): the Windows layer, RsWinKey, hands each
call to a RegistryKey from OpenBaseKey unchanged (its results and exceptions are .NET's own); the
simulated layer, RsSimKey (simulated-hive.cs), has the same .NET types (Int32 DWORD, Int64 QWORD,
byte[] binary, string[] multi) and throws the same exception types. The loops above them (RsAgent.Read,
RsAgent.Write: type conversion, batching, error mapping) are compiled C# too, the code that runs on
Windows: no script block or function call per value. This file keeps what runs once per request:
JSON in and out, the layer choice, the answer line.

JSON: PowerShell 7 reads requests with System.Text.Json into agent.cs's classes (fields typed object
through RsPlainConverter, as plain values), Windows PowerShell 5.1 with JavaScriptSerializer (no length
limit; ConvertFrom-Json refuses about 2 MB); both write answers with the same serializer.

The simulated layer is in simulated-hive.cs; its hive file format in simulated-hive.ps1, loaded with this file.
The profiles request and the user hives (USER HIVES above) are in user-hives.cs.
#>

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
# ::new, not New-Object: the first New-Object loads the Microsoft.PowerShell.Utility module (about half
# a second of CPU at each start under PowerShell 7), which the agent does not otherwise need.
try { [Console]::OutputEncoding = [System.Text.UTF8Encoding]::new($false) } catch { }

$script:RsUtf8 = [System.Text.UTF8Encoding]::new($false)
$script:RsIsCore = ($PSVersionTable.ContainsKey('PSEdition') -and $PSVersionTable.PSEdition -eq 'Core')
$script:RsPending = [System.Text.StringBuilder]::new()
$script:RsCodeError = 'the agent code was not loaded (Import-RegstateAgentCode)'

# Add-Type and New-Object live in Microsoft.PowerShell.Utility, which PowerShell imports on their first
# use, unless module auto-loading is off ($PSModuleAutoLoadingPreference = 'None' in the session the
# agent runs in): then Add-Type "is not recognized". Imported by name before the agent compiles, which
# costs nothing more when the first use would import it anyway. (A run that loads the compiled agent
# from its cache uses neither, and imports no module.)
function Import-RsUtility {
    if ($null -eq (Get-Module Microsoft.PowerShell.Utility)) { Import-Module Microsoft.PowerShell.Utility -ErrorAction SilentlyContinue }
}

if (-not $script:RsIsCore) {
    Import-RsUtility
    Add-Type -AssemblyName System.Web.Extensions
    $script:RsJss = New-Object System.Web.Script.Serialization.JavaScriptSerializer
    $script:RsJss.MaxJsonLength = [int]::MaxValue
    $script:RsJss.RecursionLimit = 1000
}

# ---------------------------------------------------------------- JSON, one call per request

function ConvertFrom-RsJsonText([string]$Text, [type]$Type) {
    if ($script:RsIsCore) { return [System.Text.Json.JsonSerializer]::Deserialize($Text, $Type) }
    return $script:RsJss.Deserialize($Text, $Type)
}

function ConvertTo-RsJsonText($Value) {
    if ($script:RsIsCore) { return [System.Text.Json.JsonSerializer]::Serialize($Value, [object]) }
    return $script:RsJss.Serialize($Value)
}

# ---------------------------------------------------------------- the compiled part

function Get-RsSha256Hex([byte[]]$Bytes) {
    $sha = [System.Security.Cryptography.SHA256]::Create()
    return [BitConverter]::ToString($sha.ComputeHash($Bytes)).Replace('-', '').ToLowerInvariant()
}

function Import-RsCode([string]$Source) {
    # Compiling costs seconds (Roslyn or csc), loading a compiled copy milliseconds: the assembly is
    # kept per user, named by the SHA-256 of the source and the PowerShell and .NET versions and by the
    # SHA-256 of its own bytes (agent-<source>-<content>.dll), in the user's local application data
    # (%LOCALAPPDATA%\regstate; the system profile's under SYSTEM; ~/.local/share/regstate elsewhere).
    # A copy is loaded from the very bytes whose hash matched its name; one that does not match (cut
    # short, swapped for another file) or does not load is deleted and compiled again; another
    # version's copy is deleted once it is 30 days old. That guards
    # against damage, not against whoever can write there: they can already change what this user runs.
    # Without a writable folder, every process compiles.
    if ($null -ne ('Regstate.Agent.RsAgent' -as [type])) { return }
    if ($script:RsIsCore) { $Source = "#define RS_CORE`n" + $Source }
    $identity = $Source + "`n" + $PSVersionTable.PSVersion.ToString() + ' ' + [Environment]::Version.ToString()
    $hash = (Get-RsSha256Hex ($script:RsUtf8.GetBytes($identity))).Substring(0, 32)
    $root = [Environment]::GetFolderPath([Environment+SpecialFolder]::LocalApplicationData, [Environment+SpecialFolderOption]::DoNotVerify)
    if ($root.Length -gt 0) {
        $dir = [System.IO.Path]::Combine($root, 'regstate')
        $prefix = "agent-$hash-"
        if ([System.IO.Directory]::Exists($dir)) {
            foreach ($cached in [System.IO.Directory]::GetFiles($dir, "$prefix*.dll")) {
                try {
                    $bytes = [System.IO.File]::ReadAllBytes($cached)
                    $named = [System.IO.Path]::GetFileNameWithoutExtension($cached).Substring($prefix.Length)
                    if ((Get-RsSha256Hex $bytes) -eq $named) { [void][System.Reflection.Assembly]::Load($bytes) }
                } catch { }
                if ($null -ne ('Regstate.Agent.RsAgent' -as [type])) { return }
                try { [System.IO.File]::Delete($cached) } catch { }
            }
        }
        Import-RsUtility
        try {
            [void][System.IO.Directory]::CreateDirectory($dir)
            # Compiled beside it under a name of its own, then moved into place: another process may be doing the same.
            # (not named agent-*: another process must not take it for a cached copy and delete it)
            $tmp = [System.IO.Path]::Combine($dir, "building-$hash-$PID.dll")
            Add-Type -TypeDefinition $Source -OutputAssembly $tmp -OutputType Library
            $bytes = [System.IO.File]::ReadAllBytes($tmp)
            $dll = [System.IO.Path]::Combine($dir, $prefix + (Get-RsSha256Hex $bytes) + '.dll')
            try { [System.IO.File]::Move($tmp, $dll) } catch { }
            if ([System.IO.File]::Exists($tmp)) { [System.IO.File]::Delete($tmp) }
            [void][System.Reflection.Assembly]::Load($bytes)
            # Another copy of this source goes; another version's (another regstate, or the other
            # PowerShell on this machine) only once it is 30 days old: deleting it at once had two
            # versions in use compile each other's copy away at every turn.
            $stale = [DateTime]::UtcNow.AddDays(-30)
            foreach ($old in [System.IO.Directory]::GetFiles($dir, 'agent-*.dll')) {
                if ($old -eq $dll) { continue }
                if ([System.IO.Path]::GetFileName($old).StartsWith($prefix) -or [System.IO.File]::GetLastWriteTimeUtc($old) -lt $stale) {
                    try { [System.IO.File]::Delete($old) } catch { }
                }
            }
        } catch { }
        if ($null -ne ('Regstate.Agent.RsAgent' -as [type])) { return }
    }
    Import-RsUtility
    Add-Type -TypeDefinition $Source
}

function Import-RegstateAgentCode {
    # The text of agent.cs, simulated-hive.cs and user-hives.cs, base64 of UTF-8; sent once, when the agent is loaded.
    param([Parameter(Mandatory = $true)][string]$SourceBase64)
    try {
        Import-RsCode ($script:RsUtf8.GetString([Convert]::FromBase64String($SourceBase64)))
        # The simulated hive file is written with the same serializer as the answers.
        [Regstate.Agent.RsSimStore]::Serialize = [Func[object, string]] { param($Value) ConvertTo-RsJsonText $Value }
        # A user's NTUSER.DAT in the simulated layer is read with the same reader as the hive file.
        [Regstate.Agent.RsSimStore]::Deserialize = [Func[string, Regstate.Agent.RsSimFileDoc]] { param($Text) ConvertFrom-RsJsonText $Text ([Regstate.Agent.RsSimFileDoc]) }
        $script:RsCodeError = $null
    } catch {
        $script:RsCodeError = 'the agent code did not compile or load: ' + [string]$_.Exception.Message
    }
}

# ---------------------------------------------------------------- requests

function Get-RsLayer($Request) {
    if ($null -ne $Request.simulatedHive) {
        return [Regstate.Agent.RsLayer]::new((Read-RsSimFile ([Regstate.Agent.RsAgent]::FromBase64($Request.simulatedHive))))
    }
    return [Regstate.Agent.RsLayer]::new($null)
}

function Invoke-RsRequest($Request) {
    # Process CPU time beside the clock: on a busy machine the clock also counts time spent waiting for a core.
    $process = [System.Diagnostics.Process]::GetCurrentProcess()
    $cpu = $process.TotalProcessorTime
    switch -CaseSensitive ([string]$Request.op) {
        'hello' {
            # os (Win32NT, Unix): whether this PowerShell has a Windows registry, wherever node runs.
            $hello = @{ agent = 'regstate'; protocol = 1; psVersion = $PSVersionTable.PSVersion.ToString(); psEdition = 'Desktop'; os = [string][Environment]::OSVersion.Platform }
            if ($PSVersionTable.ContainsKey('PSEdition')) { $hello.psEdition = [string]$PSVersionTable.PSEdition }
            return @{ ok = $true; results = $hello; errors = @() }
        }
        'read' {
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $L = Get-RsLayer $Request
            $loadMs = $clock.Elapsed.TotalMilliseconds
            $answer = [Regstate.Agent.RsAgent]::Read($L, $Request)
        }
        'write' {
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $L = Get-RsLayer $Request
            $loadMs = $clock.Elapsed.TotalMilliseconds
            $answer = [Regstate.Agent.RsAgent]::Write($L, $Request)
        }
        'profiles' {
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $L = Get-RsLayer $Request
            $loadMs = $clock.Elapsed.TotalMilliseconds
            $answer = [Regstate.Agent.RsProfiles]::List($L)
        }
        default { throw ([Regstate.Agent.RsAgent]::Error('INTERNAL', "unknown request op $($Request.op)")) }
    }
    $process.Refresh()
    $answer['stats'] = @{ values = $answer['count']; hiveLoads = $answer['loads']; loadMs = [math]::Round($loadMs, 1); workMs = [math]::Round($clock.Elapsed.TotalMilliseconds - $loadMs, 1); cpuMs = [math]::Round(($process.TotalProcessorTime - $cpu).TotalMilliseconds, 1) }
    [void]$answer.Remove('count')
    [void]$answer.Remove('loads')
    return $answer
}

function Get-RsErrorInfo($Exception, [string]$Fallback = 'INTERNAL') {
    if ($null -eq $script:RsCodeError) { return [Regstate.Agent.RsAgent]::ErrorInfo($Exception, $Fallback) }
    return @{ code = $Fallback; message = [string]$Exception.Message }
}

function Add-RegstateRequestChunk {
    param([Parameter(Mandatory = $true)][string]$Base64)
    [void]$script:RsPending.Append($Base64)
}

# One whole request (base64 of UTF-8 JSON) to its answer line, REGSTATE:<base64 of UTF-8 JSON>.
function Get-RsAnswerLine([string]$RequestBase64) {
    try {
        if ($null -ne $script:RsCodeError) { throw $script:RsCodeError }
        $request = ConvertFrom-RsJsonText ($script:RsUtf8.GetString([Convert]::FromBase64String($RequestBase64))) ([Regstate.Agent.RsRequest])
        if ($null -eq $request) { throw ([Regstate.Agent.RsAgent]::Error('INTERNAL', 'the request is empty')) }
        $answer = Invoke-RsRequest $request
        $text = ConvertTo-RsJsonText $answer
    } catch {
        $info = Get-RsErrorInfo $_.Exception
        $text = ConvertTo-RsJsonText @{ ok = $false; results = $null; errors = @(@{ code = $info['code']; message = $info['message'] }) }
    }
    return 'REGSTATE:' + [Convert]::ToBase64String($script:RsUtf8.GetBytes($text))
}

function Invoke-RegstateRequest {
    param([Parameter(Mandatory = $true)][string]$RequestBase64)
    [void]$script:RsPending.Append($RequestBase64)
    $whole = $script:RsPending.ToString()
    [void]$script:RsPending.Clear()
    [Console]::Out.WriteLine((Get-RsAnswerLine $whole))
}

# The same request and answer as Invoke-RegstateRequest, for a caller that is not reading this
# process's stdout (the fleet driver runs it in a remote session): the answer line is returned.
# One whole request per call (no chunks: a remote call's argument has no line limit).
function Get-RegstateAnswer {
    param([Parameter(Mandatory = $true)][string]$RequestBase64)
    return (Get-RsAnswerLine $RequestBase64)
}
