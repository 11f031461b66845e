<#
regstate PowerShell agent. Loaded once into a PowerShell session (Windows PowerShell 5.1 or
PowerShell 7); every call afterwards is one line:

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
  every answer may carry "stats": { "values": n, "workMs": time spent in the agent's loop, "loadMs": hive file load }.
  write: results [ { "ok": true } | { "ok": false, "code", "message" } ], one per op, in order.
  ok false with results null: the request as a whole failed (errors says why).
Codes: ACCESS_DENIED, UNSUPPORTED_KIND, WRITE_FAILED, KEY_PATH, NO_REGISTRY, FILE_UNREADABLE, INTERNAL.

LAYERS. Only the lowest layer differs between a real registry and a simulated one: the object whose
methods are called. The Windows layer is Microsoft.Win32.RegistryKey itself (OpenBaseKey); the
simulated layer is the class RsSimKey with the same methods (OpenSubKey, CreateSubKey, GetValueNames,
GetSubKeyNames, GetValueKind, GetValue, SetValue, DeleteValue, DeleteSubKeyTree, Close), the same
.NET types (Int32 DWORD, Int64 QWORD, byte[] binary, string[] multi) and the same exception types,
so everything above it is the code that runs on Windows. The hot loops call those methods inline:
no script block or function call per value.

JSON: PowerShell 7 reads requests with System.Text.Json into the classes below, Windows PowerShell 5.1
with JavaScriptSerializer (no length limit; ConvertFrom-Json refuses about 2 MB); both write answers
with the same serializer.

The simulated layer and its hive file format are in simulated-hive.ps1, loaded with this file.
#>

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
try { [Console]::OutputEncoding = New-Object System.Text.UTF8Encoding $false } catch { }

$script:RsUtf8 = New-Object System.Text.UTF8Encoding $false
$script:RsInvariant = [System.Globalization.CultureInfo]::InvariantCulture
$script:RsIsCore = ($PSVersionTable.ContainsKey('PSEdition') -and $PSVersionTable.PSEdition -eq 'Core')
$script:RsPending = New-Object System.Text.StringBuilder
$script:RsHexPattern = New-Object System.Text.RegularExpressions.Regex '\A[0-9a-fA-F]*\z'
$script:RsQwordPattern = New-Object System.Text.RegularExpressions.Regex '\A[0-9]{1,20}\z'
$script:RsHives = @{
    HKLM = [Microsoft.Win32.RegistryHive]::LocalMachine
    HKCU = [Microsoft.Win32.RegistryHive]::CurrentUser
    HKCR = [Microsoft.Win32.RegistryHive]::ClassesRoot
    HKU  = [Microsoft.Win32.RegistryHive]::Users
    HKCC = [Microsoft.Win32.RegistryHive]::CurrentConfig
}
if (-not $script:RsIsCore) {
    Add-Type -AssemblyName System.Web.Extensions
    $script:RsJss = New-Object System.Web.Script.Serialization.JavaScriptSerializer
    $script:RsJss.MaxJsonLength = [int]::MaxValue
    $script:RsJss.RecursionLimit = 1000
}

# The request, as read by either JSON reader. Unknown fields are ignored (older agents ignore newer fields).
class RsValueReq { [string]$type; [object]$data }
class RsItemReq {
    [string]$op; [string]$hive; [string]$path; [int]$view; [bool]$recursive; [string]$name; [RsValueReq]$value
}
class RsRequest { [string]$op; [string]$simulatedHive; [RsItemReq[]]$keys; [RsItemReq[]]$ops }

# ---------------------------------------------------------------- shared helpers

function ConvertFrom-RsJsonText([string]$Text, [type]$Type) {
    if ($script:RsIsCore) { return [System.Text.Json.JsonSerializer]::Deserialize($Text, $Type) }
    return $script:RsJss.Deserialize($Text, $Type)
}

function ConvertTo-RsJsonText($Value) {
    if ($script:RsIsCore) { return [System.Text.Json.JsonSerializer]::Serialize($Value, [object]) }
    return $script:RsJss.Serialize($Value)
}

function New-RsError([string]$Code, [string]$Message) {
    $e = New-Object System.InvalidOperationException $Message
    $e.Data['RegstateCode'] = $Code
    return $e
}

function Get-RsErrorInfo($Exception, [string]$Fallback) {
    # PowerShell wraps .NET method exceptions (MethodInvocationException): look down the chain.
    $code = $null
    $e = $Exception
    $last = $Exception
    while ($null -ne $e) {
        if ($null -ne $e.Data -and $e.Data.Contains('RegstateCode')) { $code = [string]$e.Data['RegstateCode'] }
        elseif ($null -eq $code -and ($e -is [System.UnauthorizedAccessException] -or $e -is [System.Security.SecurityException])) { $code = 'ACCESS_DENIED' }
        elseif ($null -eq $code -and $e -is [System.PlatformNotSupportedException]) { $code = 'NO_REGISTRY' }
        $last = $e
        $e = $e.InnerException
    }
    if ($null -eq $code) { $code = $Fallback }
    return @{ code = $code; message = [string]$last.Message }
}

function ConvertFrom-RsBase64([string]$Text) {
    return $script:RsUtf8.GetString([Convert]::FromBase64String($Text))
}

function ConvertTo-RsHex([byte[]]$Bytes) {
    if ($null -eq $Bytes -or $Bytes.Length -eq 0) { return '' }
    return [BitConverter]::ToString($Bytes).Replace('-', '').ToLowerInvariant()
}

function ConvertFrom-RsHex([string]$Hex) {
    # .NET does the work: a loop per byte in PowerShell takes minutes for a value of megabytes.
    if ($Hex.Length % 2 -ne 0 -or -not $script:RsHexPattern.IsMatch($Hex)) { throw (New-RsError 'WRITE_FAILED' 'binary data is not an even-length hex string') }
    if ($Hex.Length -eq 0) { return ,([byte[]]@()) }
    if ($script:RsIsCore) { return ,([Convert]::FromHexString($Hex)) }
    return ,([System.Runtime.Remoting.Metadata.W3cXsd2001.SoapHexBinary]::Parse($Hex).Value)
}

function Split-RsPath([string]$Path) {
    # As .NET does, empty components (doubled or trailing backslashes) are ignored.
    $parts = [System.Collections.Generic.List[string]]::new()
    if ($null -ne $Path) { foreach ($p in $Path.Split([char]'\')) { if ($p.Length -gt 0) { $parts.Add($p) } } }
    return ,$parts.ToArray()
}

# ---------------------------------------------------------------- the layer: a base key to call .NET's methods on

function Get-RsLayer($Request) {
    if ($null -ne $Request.simulatedHive) {
        $path = ConvertFrom-RsBase64 $Request.simulatedHive
        return @{ Store = (Read-RsSimFile $path) }
    }
    return @{ Store = $null }
}

function Open-RsBase($L, [string]$Hive, [int]$View) {
    if (-not $script:RsHives.ContainsKey($Hive)) { throw (New-RsError 'KEY_PATH' "unknown hive $Hive") }
    if ($null -ne $L.Store) { return $L.Store.OpenBase($Hive, $View) }
    $v = [Microsoft.Win32.RegistryView]::Registry64
    if ($View -eq 32) { $v = [Microsoft.Win32.RegistryView]::Registry32 }
    return [Microsoft.Win32.RegistryKey]::OpenBaseKey($script:RsHives[$Hive], $v)
}

# ---------------------------------------------------------------- read

function Read-RsKeys($L, $Request) {
    $results = [System.Collections.Generic.List[object]]::new()
    $errors = [System.Collections.Generic.List[object]]::new()
    $keys = @($Request.keys)
    $count = 0
    $kString = [Microsoft.Win32.RegistryValueKind]::String
    $kExpand = [Microsoft.Win32.RegistryValueKind]::ExpandString
    $kMulti = [Microsoft.Win32.RegistryValueKind]::MultiString
    $kDWord = [Microsoft.Win32.RegistryValueKind]::DWord
    $kQWord = [Microsoft.Win32.RegistryValueKind]::QWord
    $kBinary = [Microsoft.Win32.RegistryValueKind]::Binary
    $kNone = [Microsoft.Win32.RegistryValueKind]::None
    $noExpand = [Microsoft.Win32.RegistryValueOptions]::DoNotExpandEnvironmentNames
    for ($i = 0; $i -lt $keys.Length; $i++) {
        $k = $keys[$i]
        $base = $null
        try {
            $base = Open-RsBase $L ([string]$k.hive) ([int]$k.view)
            $path = ConvertFrom-RsBase64 $k.path
            # Handles are closed by what opened them, never by comparing objects (PowerShell may wrap them).
            $hasPath = (Split-RsPath $path).Length -gt 0
            $top = $base
            if ($hasPath) { $top = $base.OpenSubKey($path, $false) }
            if ($null -eq $top) {
                $results.Add(@{ request = $i; sub = [string[]]@(); exists = $false; values = @(); subkeys = [string[]]@(); unreadable = @() })
                continue
            }
            # Depth-first, parent before children, without recursion (5.1 limits the call depth).
            # Descendants are opened from the requested key, so one that fails is reported alone.
            $stack = [System.Collections.Stack]::new()
            $stack.Push([string[]]@())
            while ($stack.Count -gt 0) {
                $sub = [string[]]$stack.Pop()
                $handle = $top
                try {
                    if ($sub.Length -gt 0) { $handle = $top.OpenSubKey([string]::Join('\', $sub), $false) }
                    if ($null -eq $handle) { continue }
                    $values = [System.Collections.Generic.List[object]]::new()
                    $unreadable = [System.Collections.Generic.List[object]]::new()
                    # The hot loop: .NET calls and hashtables only.
                    foreach ($name in $handle.GetValueNames()) {
                        $count++
                        $kind = $handle.GetValueKind($name)
                        $data = $handle.GetValue($name, $null, $noExpand)
                        if ($kind -eq $kString -and $data -is [string]) { $values.Add(@{ name = $name; type = 'REG_SZ'; data = $data }) }
                        elseif ($kind -eq $kDWord -and $data -is [int]) {
                            # .NET hands REG_DWORD out as a signed Int32; the registry's number is unsigned.
                            $n = [long]$data
                            if ($n -lt 0) { $n += 4294967296 }
                            $values.Add(@{ name = $name; type = 'REG_DWORD'; data = $n })
                        }
                        elseif ($kind -eq $kExpand -and $data -is [string]) { $values.Add(@{ name = $name; type = 'REG_EXPAND_SZ'; data = $data }) }
                        elseif ($kind -eq $kMulti -and $data -is [string[]]) { $values.Add(@{ name = $name; type = 'REG_MULTI_SZ'; data = $data }) }
                        elseif ($kind -eq $kQWord -and $data -is [long]) {
                            $values.Add(@{ name = $name; type = 'REG_QWORD'; data = [BitConverter]::ToUInt64([BitConverter]::GetBytes([long]$data), 0).ToString($script:RsInvariant) })
                        }
                        elseif ($kind -eq $kBinary -and $data -is [byte[]]) { $values.Add(@{ name = $name; type = 'REG_BINARY'; data = $(if ($script:RsIsCore) { [Convert]::ToHexString($data).ToLowerInvariant() } else { [BitConverter]::ToString($data).Replace('-', '').ToLowerInvariant() }) }) }
                        elseif ($kind -eq $kNone -and $data -is [byte[]]) { $values.Add(@{ name = $name; type = 'REG_NONE'; data = $(if ($script:RsIsCore) { [Convert]::ToHexString($data).ToLowerInvariant() } else { [BitConverter]::ToString($data).Replace('-', '').ToLowerInvariant() }) }) }
                        elseif ($kind -eq [Microsoft.Win32.RegistryValueKind]::Unknown -and $data -is [byte[]]) {
                            # Kind Unknown with bytes is REG_DWORD_BIG_ENDIAN, the only such kind .NET reads as bytes.
                            $values.Add(@{ name = $name; type = 'REG_OTHER'; kind = 5; data = $(if ($script:RsIsCore) { [Convert]::ToHexString($data).ToLowerInvariant() } else { [BitConverter]::ToString($data).Replace('-', '').ToLowerInvariant() }) })
                        }
                        else {
                            $what = 'its kind is one .NET cannot read (REG_LINK, a resource list, or a kind number .NET does not name)'
                            if ($kind -ne [Microsoft.Win32.RegistryValueKind]::Unknown) { $what = "its $kind data has a size .NET does not read as $kind" }
                            $unreadable.Add(@{ name = $name; code = 'UNSUPPORTED_KIND'; message = "value cannot be read: $what" })
                        }
                    }
                    $subkeys = [string[]]$handle.GetSubKeyNames()
                    $results.Add(@{ request = $i; sub = $sub; exists = $true; values = $values.ToArray(); subkeys = $subkeys; unreadable = $unreadable.ToArray() })
                    if ($k.recursive -eq $true) {
                        for ($j = $subkeys.Length - 1; $j -ge 0; $j--) { $stack.Push([string[]]($sub + $subkeys[$j])) }
                    }
                } catch {
                    $info = Get-RsErrorInfo $_.Exception 'INTERNAL'
                    $errors.Add(@{ request = $i; sub = $sub; code = $info.code; message = $info.message })
                } finally {
                    if ($sub.Length -gt 0 -and $null -ne $handle) { $handle.Close() }
                }
            }
            if ($hasPath) { $top.Close() }
        } catch {
            $info = Get-RsErrorInfo $_.Exception 'INTERNAL'
            if ($_.Exception -is [System.ArgumentException] -or $_.Exception.InnerException -is [System.ArgumentException]) { $info.code = 'KEY_PATH' }
            $errors.Add(@{ request = $i; sub = [string[]]@(); code = $info.code; message = $info.message })
        } finally {
            if ($null -ne $base) { $base.Close() }
        }
    }
    return @{ ok = $true; results = $results.ToArray(); errors = $errors.ToArray(); count = $count }
}

# ---------------------------------------------------------------- write

function Write-RsOps($L, $Request) {
    $results = [System.Collections.Generic.List[object]]::new()
    $ops = @($Request.ops)
    $store = $L.Store
    # Base keys by hive and view, and the last subkey opened for writing: consecutive ops on one key
    # (the usual batch) reuse its handle. Every delete-key drops it, as Windows would invalidate it.
    $bases = @{}
    $cachedPath = $null
    $cached = $null
    $kString = [Microsoft.Win32.RegistryValueKind]::String
    try {
        for ($i = 0; $i -le $ops.Length; $i++) {
            # Simulated faults fire between ops (the Windows layer has none).
            if ($null -ne $store -and $null -ne $store.Faults) { $store.Checkpoint($i) }
            if ($i -eq $ops.Length) { break }
            $op = $ops[$i]
            try {
                $baseId = [string]$op.hive + '|' + [string]$op.view
                $base = $bases[$baseId]
                if ($null -eq $base) { $base = Open-RsBase $L ([string]$op.hive) ([int]$op.view); $bases[$baseId] = $base }
                $path = $script:RsUtf8.GetString([Convert]::FromBase64String($op.path))
                $parts = $path.Split([char[]]@([char]'\'), [StringSplitOptions]::RemoveEmptyEntries)
                $id = $baseId + '|' + [string]::Join('\', $parts)
                $which = [string]$op.op
                if ($which -ceq 'set-value') {
                    # Converted first, so a value that cannot be written does not leave a new key behind.
                    $type = [string]$op.value.type
                    $data = $op.value.data
                    if ($null -eq $data) { throw (New-RsError 'WRITE_FAILED' "$type data is missing") }
                    if ($type -ceq 'REG_SZ' -or $type -ceq 'REG_EXPAND_SZ') {
                        $net = $script:RsUtf8.GetString([Convert]::FromBase64String([string]$data))
                        $kind = $kString
                        if ($type -ceq 'REG_EXPAND_SZ') { $kind = [Microsoft.Win32.RegistryValueKind]::ExpandString }
                    } elseif ($type -ceq 'REG_DWORD') {
                        $n = [decimal][string]$data
                        if ($n -lt 0 -or $n -gt 4294967295 -or $n -ne [decimal]::Truncate($n)) { throw (New-RsError 'WRITE_FAILED' "REG_DWORD out of range: $n") }
                        # SetValue wants the signed Int32 with the same bits (4294967295 is -1).
                        if ($n -gt 2147483647) { $n -= 4294967296 }
                        $net = [int]$n
                        $kind = [Microsoft.Win32.RegistryValueKind]::DWord
                    } elseif ($type -ceq 'REG_MULTI_SZ') {
                        $items = $data
                        if ($script:RsIsCore -and $data -is [System.ValueType]) { $items = $data.EnumerateArray() }
                        $list = [System.Collections.Generic.List[string]]::new()
                        foreach ($item in $items) { $list.Add($script:RsUtf8.GetString([Convert]::FromBase64String([string]$item))) }
                        $net = $list.ToArray()
                        $kind = [Microsoft.Win32.RegistryValueKind]::MultiString
                    } elseif ($type -ceq 'REG_QWORD') {
                        $text = [string]$data
                        if (-not $script:RsQwordPattern.IsMatch($text)) { throw (New-RsError 'WRITE_FAILED' 'REG_QWORD must be a decimal string') }
                        $net = [BitConverter]::ToInt64([BitConverter]::GetBytes([UInt64]::Parse($text, $script:RsInvariant)), 0)
                        $kind = [Microsoft.Win32.RegistryValueKind]::QWord
                    } elseif ($type -ceq 'REG_BINARY' -or $type -ceq 'REG_NONE') {
                        $hex = [string]$data
                        # Convert.FromHexString checks the characters itself; 5.1's parser is checked first.
                        if ($hex.Length % 2 -ne 0 -or (-not $script:RsIsCore -and -not $script:RsHexPattern.IsMatch($hex))) { throw (New-RsError 'WRITE_FAILED' 'binary data is not an even-length hex string') }
                        if ($script:RsIsCore) { $net = [Convert]::FromHexString($hex) }
                        else { $net = [System.Runtime.Remoting.Metadata.W3cXsd2001.SoapHexBinary]::Parse($hex).Value }
                        $kind = [Microsoft.Win32.RegistryValueKind]::Binary
                        if ($type -ceq 'REG_NONE') { $kind = [Microsoft.Win32.RegistryValueKind]::None }
                    } else {
                        throw (New-RsError 'UNSUPPORTED_KIND' "cannot write a value of type $type")
                    }
                    $target = $base
                    if ($parts.Length -gt 0) {
                        if ($cachedPath -cne $id) {
                            if ($null -ne $cached) { $cached.Close() }
                            $cached = $null; $cachedPath = $null
                            $cached = $base.CreateSubKey($path); $cachedPath = $id
                        }
                        $target = $cached
                    }
                    $target.SetValue($script:RsUtf8.GetString([Convert]::FromBase64String($op.name)), $net, $kind)
                } elseif ($which -ceq 'create-key') {
                    if ($parts.Length -gt 0 -and $cachedPath -cne $id) {
                        if ($null -ne $cached) { $cached.Close() }
                        $cached = $null; $cachedPath = $null
                        $cached = $base.CreateSubKey($path); $cachedPath = $id
                    }
                } elseif ($which -ceq 'delete-value') {
                    $target = $base
                    if ($parts.Length -gt 0) {
                        if ($cachedPath -cne $id) {
                            if ($null -ne $cached) { $cached.Close() }
                            $cached = $null; $cachedPath = $null
                            # Never created: a missing key has no value to delete.
                            $cached = $base.OpenSubKey($path, $true)
                            if ($null -ne $cached) { $cachedPath = $id }
                        }
                        $target = $cached
                    }
                    if ($null -ne $target) { $target.DeleteValue($script:RsUtf8.GetString([Convert]::FromBase64String($op.name)), $false) }
                } elseif ($which -ceq 'delete-key') {
                    if ($parts.Length -eq 0) { throw (New-RsError 'WRITE_FAILED' 'cannot delete a hive root') }
                    if ($null -ne $cached) { $cached.Close() }
                    $cached = $null; $cachedPath = $null
                    $parent = $base
                    $opened = $null
                    try {
                        if ($parts.Length -gt 1) { $opened = $base.OpenSubKey([string]::Join('\', $parts, 0, $parts.Length - 1), $true); $parent = $opened }
                        if ($null -ne $parent) { $parent.DeleteSubKeyTree($parts[$parts.Length - 1], $false) }
                    } finally {
                        if ($null -ne $opened) { $opened.Close() }
                    }
                } else {
                    throw (New-RsError 'WRITE_FAILED' "unknown write op $which")
                }
                $results.Add(@{ ok = $true })
            } catch {
                $info = Get-RsErrorInfo $_.Exception 'WRITE_FAILED'
                $results.Add(@{ ok = $false; code = $info.code; message = $info.message })
            }
        }
    } finally {
        if ($null -ne $cached) { $cached.Close() }
        foreach ($b in $bases.Values) { $b.Close() }
    }
    if ($null -ne $store) { $store.Save() }
    return @{ ok = $true; results = $results.ToArray(); errors = @(); count = $ops.Length }
}

# ---------------------------------------------------------------- requests

function Invoke-RsRequest($Request) {
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
            $answer = Read-RsKeys $L $Request
        }
        'write' {
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            $L = Get-RsLayer $Request
            $loadMs = $clock.Elapsed.TotalMilliseconds
            $answer = Write-RsOps $L $Request
        }
        default { throw (New-RsError 'INTERNAL' "unknown request op $($Request.op)") }
    }
    $answer.stats = @{ values = $answer.count; loadMs = [math]::Round($loadMs, 1); workMs = [math]::Round($clock.Elapsed.TotalMilliseconds - $loadMs, 1) }
    $answer.Remove('count')
    return $answer
}

function Add-RegstateRequestChunk {
    param([Parameter(Mandatory = $true)][string]$Base64)
    [void]$script:RsPending.Append($Base64)
}

function Invoke-RegstateRequest {
    param([Parameter(Mandatory = $true)][string]$RequestBase64)
    try {
        [void]$script:RsPending.Append($RequestBase64)
        $whole = $script:RsPending.ToString()
        [void]$script:RsPending.Clear()
        $request = ConvertFrom-RsJsonText ($script:RsUtf8.GetString([Convert]::FromBase64String($whole))) ([RsRequest])
        if ($null -eq $request) { throw (New-RsError 'INTERNAL' 'the request is empty') }
        $answer = Invoke-RsRequest $request
        $text = ConvertTo-RsJsonText $answer
    } catch {
        [void]$script:RsPending.Clear()
        $info = Get-RsErrorInfo $_.Exception 'INTERNAL'
        $text = ConvertTo-RsJsonText @{ ok = $false; results = $null; errors = @(@{ code = $info.code; message = $info.message }) }
    }
    [Console]::Out.WriteLine('REGSTATE:' + [Convert]::ToBase64String($script:RsUtf8.GetBytes($text)))
}

# The same request and answer as Invoke-RegstateRequest, for a caller that is not reading this
# process's stdout (the fleet driver runs it in a remote session): the answer line is returned.
# One whole request per call (no chunks: a remote call's argument has no line limit).
function Get-RegstateAnswer {
    param([Parameter(Mandatory = $true)][string]$RequestBase64)
    try {
        $request = ConvertFrom-RsJsonText ($script:RsUtf8.GetString([Convert]::FromBase64String($RequestBase64))) ([RsRequest])
        if ($null -eq $request) { throw (New-RsError 'INTERNAL' 'the request is empty') }
        $text = ConvertTo-RsJsonText (Invoke-RsRequest $request)
    } catch {
        $info = Get-RsErrorInfo $_.Exception 'INTERNAL'
        $text = ConvertTo-RsJsonText @{ ok = $false; results = $null; errors = @(@{ code = $info.code; message = $info.message }) }
    }
    return 'REGSTATE:' + [Convert]::ToBase64String($script:RsUtf8.GetBytes($text))
}
