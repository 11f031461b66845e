<#
regstate agent, lowest layer for machines without a Windows registry: a simulated hive file.
Loaded together with agent.ps1 (which defines the helpers used here and chooses this layer when a
request names a hive file). Same rules as agent.ps1: ASCII only, Windows PowerShell 5.1 syntax.

SIMULATED HIVE FILE (UTF-8 JSON; a missing file is an empty registry):
  { "format": "regstate-simulated-hive", "version": 1,
    "keys": [ { "path": "HKLM\\SOFTWARE\\X", "readOnly": bool?, "denyRead": bool?,
                "values": [ { "name": "", "kind": "String"|"ExpandString"|"MultiString"|"DWord"|"QWord"|"Binary"|"None"|NUMBER,
                              "data": ..., "readOnly": bool? } ] } ] }
  Paths are physical (the 32-bit view of HKLM\SOFTWARE\X is HKLM\SOFTWARE\WOW6432Node\X). Data is
  stored as .NET holds it: DWord a signed Int32 number, QWord a signed Int64 decimal string,
  Binary/None hex. NUMBER is a registry kind .NET does not name (5 REG_DWORD_BIG_ENDIAN, 6 REG_LINK,
  8 REG_RESOURCE_LIST, ...) with hex data or null; the kinds .NET names must be given by name.
  readOnly keys and values refuse writes, denyRead keys refuse opening (ACCESS_DENIED).

USER PROFILES (the model behind the agent's profiles request and its user hives, see agent.ps1):
  - ProfileList is what the hive file holds at HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList:
    a subkey per SID with value ProfileImagePath (ExpandString or String), and on ProfileList itself the
    values Default and ProfilesDirectory. Environment variables in them are expanded (.NET's
    Environment.ExpandEnvironmentVariables, %NAME%), and the result is a local path of the machine
    running the agent (tests write absolute temporary paths).
  - A user is logged on (loaded) when the hive file holds a key HKU\<SID>: that hive is the file's own keys.
  - The hive of a user who is not logged on, and of the default profile, is <profile folder>/NTUSER.DAT:
    a simulated hive file of the same JSON format, whose key paths are relative to the user's root (no
    hive name; "" is the root itself), e.g. { "path": "Software\\Contoso", "values": [...] }. readOnly and
    denyRead work there as here; faults and accounts are not read from it. A request loads it under
    HKU\regstate-<guid> (never written to the hive file, not even by a fault's save) and unloads it at
    the end: it is written back (atomically, temporary file and replace) when the request changed it;
    an op that fails leaves the earlier ones written, as Windows does. A missing file, or one that is not
    a simulated hive, is PROFILE_UNAVAILABLE for that profile. A process killed mid-request (the
    exitAfterWrites fault) writes nothing back: its loaded hives lose the request's changes.
  - Account names: an optional top-level "accounts": { "<SID>": "DOMAIN\\name" } stands for
    SecurityIdentifier.Translate; a SID not in it has no account. It is kept when the file is written.

WHAT .NET SHOWS (reference source of RegistryKey.GetValueKind and GetValue, .NET Framework 4.x
and .NET alike), and so what this layer shows: REG_NONE is kind None with its bytes; a kind .NET
does not name is kind Unknown, and GetValue hands out its bytes only for REG_DWORD_BIG_ENDIAN (5),
nothing (the default) for every other one; a missing value reads as the default and its kind
throws IOException.

FAULTS (optional, for tests of runs that die mid-write): a top-level
  "faults": { "exitAfterWrites": N?, "delayMsPerWrite": M? }
  is read by the next write request and then dropped (any save of the hive leaves it out, so the
  fault fires once). delayMsPerWrite: sleep M ms after each op of the batch (time to kill the
  caller mid-batch). exitAfterWrites: after N ops of the batch (0 = before the first), save the hive
  with exactly those N ops applied, then kill this PowerShell process without answering: power loss
  after N durable writes. Only the simulated layer reads this; the Windows layer has no faults.
#>

# The layer itself (RsSimKey, with the methods of Microsoft.Win32.RegistryKey, and its store) is C#,
# in simulated-hive.cs: no script block runs per value. This file reads the hive file's JSON with the
# agent's reader; RsSimStore.Load checks it and builds the keys, RsSimStore.Save writes it back.
function Read-RsSimFile([string]$Path) {
    $exists = [System.IO.File]::Exists($Path)
    $doc = $null
    if ($exists) {
        try {
            $doc = ConvertFrom-RsJsonText ([System.IO.File]::ReadAllText($Path, $script:RsUtf8)) ([Regstate.Agent.RsSimFileDoc])
        } catch {
            throw ([Regstate.Agent.RsAgent]::Error('FILE_UNREADABLE', "simulated hive ${Path}: $($_.Exception.Message)"))
        }
    }
    return [Regstate.Agent.RsSimStore]::Load($Path, $doc, $exists)
}
