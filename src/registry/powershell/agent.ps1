<#
regstate PowerShell agent. Loaded once into a PowerShell session (Windows PowerShell 5.1 or
PowerShell 7); every call afterwards is one line:

    Invoke-RegstateRequest -RequestBase64 '<base64 of UTF-8 JSON>'

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
  hello: results { "agent": "regstate", "protocol": 1, "psVersion", "psEdition" }
  read:  results [ { "request": index into keys, "sub": [subkey names below the requested key],
                     "exists": bool, "values": [ { "name", "type", "data", "kind"? } ], "subkeys": [names] } ]
         values use the plain JSON value form (strings are plain JSON strings here): DWORD a number,
         QWORD a decimal string, BINARY/NONE/OTHER lowercase hex, MULTI_SZ a list, REG_OTHER with "kind".
         errors [ { "request", "sub", "name"?, "code", "message" } ]: a key or value that could not be read.
  write: results [ { "ok": true } | { "ok": false, "code", "message" } ], one per op, in order.
  ok false with results null: the request as a whole failed (errors says why).
Codes: ACCESS_DENIED, UNSUPPORTED_KIND, WRITE_FAILED, KEY_PATH, NO_REGISTRY, FILE_UNREADABLE, INTERNAL.

LAYERS. Only the lowest layer differs between a real registry and a simulated one: a table of
script blocks (OpenBase, OpenSubKey, CreateSubKey, GetValueNames, GetSubKeyNames, GetValue,
SetValue, DeleteValue, DeleteSubKeyTree, CloseKey, Save) chosen once per request. The Windows layer
is Microsoft.Win32.RegistryKey; the simulated layer keeps the same .NET types (Int32 DWORD, Int64
QWORD, byte[] binary, string[] multi) and throws the same exception types, so everything above it
is the code that runs on Windows.

SIMULATED HIVE FILE (UTF-8 JSON; a missing file is an empty registry):
  { "format": "regstate-simulated-hive", "version": 1,
    "keys": [ { "path": "HKLM\\SOFTWARE\\X", "readOnly": bool?, "denyRead": bool?,
                "values": [ { "name": "", "kind": "String"|"ExpandString"|"MultiString"|"DWord"|"QWord"|"Binary"|"None"|NUMBER,
                              "data": ..., "readOnly": bool? } ] } ] }
  Paths are physical (the 32-bit view of HKLM\SOFTWARE\X is HKLM\SOFTWARE\WOW6432Node\X). Data is
  stored as .NET holds it: DWord a signed Int32 number, QWord a signed Int64 decimal string,
  Binary/None and numbered kinds hex (a numbered kind with null data is unreadable, as .NET sees
  REG_LINK). readOnly keys and values refuse writes, denyRead keys refuse opening (ACCESS_DENIED).
#>

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
try { [Console]::OutputEncoding = New-Object System.Text.UTF8Encoding $false } catch { }

$script:RsUtf8 = New-Object System.Text.UTF8Encoding $false
$script:RsInvariant = [System.Globalization.CultureInfo]::InvariantCulture
$script:RsHives = @{
    HKLM = [Microsoft.Win32.RegistryHive]::LocalMachine
    HKCU = [Microsoft.Win32.RegistryHive]::CurrentUser
    HKCR = [Microsoft.Win32.RegistryHive]::ClassesRoot
    HKU  = [Microsoft.Win32.RegistryHive]::Users
    HKCC = [Microsoft.Win32.RegistryHive]::CurrentConfig
}

# ---------------------------------------------------------------- shared helpers

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
    if ($Hex.Length % 2 -ne 0 -or $Hex -notmatch '^[0-9a-fA-F]*$') { throw (New-RsError 'WRITE_FAILED' 'binary data is not an even-length hex string') }
    $bytes = [byte[]]::new($Hex.Length / 2)
    for ($i = 0; $i -lt $bytes.Length; $i++) { $bytes[$i] = [Convert]::ToByte($Hex.Substring($i * 2, 2), 16) }
    return ,$bytes
}

function Split-RsPath([string]$Path) {
    # As .NET does, empty components (doubled or trailing backslashes) are ignored.
    $parts = [System.Collections.Generic.List[string]]::new()
    if ($null -ne $Path) { foreach ($p in $Path.Split([char]'\')) { if ($p.Length -gt 0) { $parts.Add($p) } } }
    return ,$parts.ToArray()
}

# ---------------------------------------------------------------- value conversion (both layers)

function ConvertTo-RsValueJson($Value) {
    $kind = $Value.Kind
    $data = $Value.Data
    if ($kind -eq [Microsoft.Win32.RegistryValueKind]::String) { return @{ type = 'REG_SZ'; data = [string]$data } }
    if ($kind -eq [Microsoft.Win32.RegistryValueKind]::ExpandString) { return @{ type = 'REG_EXPAND_SZ'; data = [string]$data } }
    if ($kind -eq [Microsoft.Win32.RegistryValueKind]::MultiString) {
        $list = [string[]]@()
        if ($null -ne $data) { $list = [string[]]$data }
        return @{ type = 'REG_MULTI_SZ'; data = $list }
    }
    if ($kind -eq [Microsoft.Win32.RegistryValueKind]::DWord) {
        # .NET hands REG_DWORD out as a signed Int32; the registry's number is unsigned.
        return @{ type = 'REG_DWORD'; data = [BitConverter]::ToUInt32([BitConverter]::GetBytes([int]$data), 0) }
    }
    if ($kind -eq [Microsoft.Win32.RegistryValueKind]::QWord) {
        $u = [BitConverter]::ToUInt64([BitConverter]::GetBytes([long]$data), 0)
        return @{ type = 'REG_QWORD'; data = $u.ToString($script:RsInvariant) }
    }
    if ($kind -eq [Microsoft.Win32.RegistryValueKind]::Binary) { return @{ type = 'REG_BINARY'; data = (ConvertTo-RsHex $data) } }
    if ($kind -eq [Microsoft.Win32.RegistryValueKind]::None) { return @{ type = 'REG_NONE'; data = (ConvertTo-RsHex $data) } }
    # GetValueKind says Unknown both for REG_NONE (which .NET reads as bytes) and for kinds it
    # cannot read at all (REG_LINK, REG_RESOURCE_LIST, ...): data null.
    if ($null -ne $Value.RawKind -and $null -ne $Value.RawData) {
        return @{ type = 'REG_OTHER'; kind = [long]$Value.RawKind; data = (ConvertTo-RsHex $Value.RawData) }
    }
    if ($data -is [byte[]]) { return @{ type = 'REG_NONE'; data = (ConvertTo-RsHex $data) } }
    throw (New-RsError 'UNSUPPORTED_KIND' 'value kind cannot be read through .NET (REG_LINK or a resource list?)')
}

function ConvertFrom-RsValueJson($Json) {
    # Returns the .NET data and kind to pass to SetValue, exactly as Windows expects them.
    $type = [string]$Json.type
    $data = $Json.data
    switch -CaseSensitive ($type) {
        'REG_SZ' { return @{ Kind = [Microsoft.Win32.RegistryValueKind]::String; Data = [string](ConvertFrom-RsBase64 $data) } }
        'REG_EXPAND_SZ' { return @{ Kind = [Microsoft.Win32.RegistryValueKind]::ExpandString; Data = [string](ConvertFrom-RsBase64 $data) } }
        'REG_MULTI_SZ' {
            $list = [System.Collections.Generic.List[string]]::new()
            foreach ($item in @($data)) { $list.Add((ConvertFrom-RsBase64 $item)) }
            return @{ Kind = [Microsoft.Win32.RegistryValueKind]::MultiString; Data = $list.ToArray() }
        }
        'REG_DWORD' {
            $n = [decimal]$data
            if ($n -lt 0 -or $n -gt 4294967295 -or $n -ne [decimal]::Truncate($n)) { throw (New-RsError 'WRITE_FAILED' "REG_DWORD out of range: $n") }
            # SetValue wants the signed Int32 with the same bits (4294967295 is -1).
            return @{ Kind = [Microsoft.Win32.RegistryValueKind]::DWord; Data = [BitConverter]::ToInt32([BitConverter]::GetBytes([uint32]$n), 0) }
        }
        'REG_QWORD' {
            $text = [string]$data
            if ($text -notmatch '^[0-9]{1,20}$') { throw (New-RsError 'WRITE_FAILED' 'REG_QWORD must be a decimal string') }
            $u = [UInt64]::Parse($text, $script:RsInvariant)
            return @{ Kind = [Microsoft.Win32.RegistryValueKind]::QWord; Data = [BitConverter]::ToInt64([BitConverter]::GetBytes($u), 0) }
        }
        'REG_BINARY' { return @{ Kind = [Microsoft.Win32.RegistryValueKind]::Binary; Data = (ConvertFrom-RsHex ([string]$data)) } }
        'REG_NONE' { return @{ Kind = [Microsoft.Win32.RegistryValueKind]::None; Data = (ConvertFrom-RsHex ([string]$data)) } }
    }
    throw (New-RsError 'UNSUPPORTED_KIND' "cannot write a value of type $type")
}

# ---------------------------------------------------------------- lowest layer: Windows registry

$script:RsWindowsLayer = @{
    OpenBase = {
        param($Store, [string]$Hive, [int]$View)
        $v = [Microsoft.Win32.RegistryView]::Registry64
        if ($View -eq 32) { $v = [Microsoft.Win32.RegistryView]::Registry32 }
        return [Microsoft.Win32.RegistryKey]::OpenBaseKey($script:RsHives[$Hive], $v)
    }
    OpenSubKey = { param($Key, [string]$Path, [bool]$Writable) return $Key.OpenSubKey($Path, $Writable) }
    CreateSubKey = { param($Key, [string]$Path) return $Key.CreateSubKey($Path) }
    GetValueNames = { param($Key) return ,[string[]]$Key.GetValueNames() }
    GetSubKeyNames = { param($Key) return ,[string[]]$Key.GetSubKeyNames() }
    GetValue = {
        param($Key, [string]$Name)
        $data = $Key.GetValue($Name, $null, [Microsoft.Win32.RegistryValueOptions]::DoNotExpandEnvironmentNames)
        return @{ Kind = $Key.GetValueKind($Name); Data = $data; RawKind = $null; RawData = $null }
    }
    SetValue = { param($Key, [string]$Name, $Data, $Kind) $Key.SetValue($Name, $Data, $Kind) }
    DeleteValue = { param($Key, [string]$Name) $Key.DeleteValue($Name, $false) }
    DeleteSubKeyTree = { param($Key, [string]$Name) $Key.DeleteSubKeyTree($Name, $false) }
    CloseKey = { param($Key) if ($null -ne $Key) { $Key.Close() } }
    Save = { param($Store) }
}

# ---------------------------------------------------------------- lowest layer: simulated hive file

# A simulated key. Its tables are not named Keys or Values, which a hashtable would confuse with its own members.
function New-RsSimNode([string]$Name) {
    return @{
        Name = $Name; ReadOnly = $false; DenyRead = $false
        ValueTable = [System.Collections.Specialized.OrderedDictionary]::new([StringComparer]::OrdinalIgnoreCase)
        SubkeyTable = [System.Collections.Specialized.OrderedDictionary]::new([StringComparer]::OrdinalIgnoreCase)
    }
}

function Get-RsSimPhysical([string]$Hive, [int]$View, [string[]]$Parts) {
    # The same rule as src/registry/physical-key.ts: the 32-bit view of HKLM\SOFTWARE\X is HKLM\SOFTWARE\WOW6432Node\X.
    if ($View -ne 32 -or $Hive -ne 'HKLM' -or $Parts.Length -eq 0 -or $Parts[0] -ne 'SOFTWARE') { return ,$Parts }
    if ($Parts.Length -gt 1 -and $Parts[1] -eq 'WOW6432Node') { return ,$Parts }
    $out = [System.Collections.Generic.List[string]]::new()
    $out.Add($Parts[0]); $out.Add('WOW6432Node')
    for ($i = 1; $i -lt $Parts.Length; $i++) { $out.Add($Parts[$i]) }
    return ,$out.ToArray()
}

function Test-RsSimName([string]$Name) {
    if ($Name.Length -gt 255) { throw (New-Object System.ArgumentException "Registry subkey names should not be greater than 255 characters: $($Name.Substring(0, 20))...") }
}

function Find-RsSimNode($Store, [string]$Hive, [string[]]$Physical) {
    $node = $Store.Roots[$Hive]
    foreach ($part in $Physical) {
        Test-RsSimName $part
        if (-not $node.SubkeyTable.Contains($part)) { return $null }
        $node = $node.SubkeyTable[$part]
    }
    return $node
}

function Assert-RsSimOpen($Key) {
    # As .NET does with a closed RegistryKey, so handle mistakes show up off Windows too.
    if ($Key.Closed) { throw (New-Object System.ObjectDisposedException 'RegistryKey', 'Cannot access a closed registry key.') }
}

function Join-RsSimPath($Key, [string]$Path) {
    Assert-RsSimOpen $Key
    $parts = [System.Collections.Generic.List[string]]::new()
    foreach ($p in $Key.Path) { $parts.Add($p) }
    foreach ($p in (Split-RsPath $Path)) { $parts.Add($p) }
    return ,$parts.ToArray()
}

function Test-RsSimTreeWritable($Node) {
    $stack = [System.Collections.Stack]::new()
    $stack.Push($Node)
    while ($stack.Count -gt 0) {
        $n = $stack.Pop()
        if ($n.ReadOnly) { return $false }
        foreach ($v in $n.ValueTable.Values) { if ($v.ReadOnly) { return $false } }
        foreach ($c in $n.SubkeyTable.Values) { $stack.Push($c) }
    }
    return $true
}

function Read-RsSimFile([string]$Path) {
    $store = @{ Path = $Path; Dirty = $false; Roots = @{} }
    foreach ($h in $script:RsHives.Keys) { $store.Roots[$h] = New-RsSimNode $h }
    if (-not [System.IO.File]::Exists($Path)) { return $store }
    try {
        $text = [System.IO.File]::ReadAllText($Path, $script:RsUtf8)
        $options = @{}
        # PowerShell 7.5+ can keep date-like strings as strings; older 7.x cannot (checked below).
        if ((Get-Command ConvertFrom-Json).Parameters.ContainsKey('DateKind')) { $options['DateKind'] = 'String' }
        $doc = ConvertFrom-Json -InputObject $text @options
        if ($null -eq $doc -or $doc.format -ne 'regstate-simulated-hive') { throw 'not a regstate simulated hive (format must be "regstate-simulated-hive")' }
        foreach ($k in @($doc.keys)) {
            if ($k.path -isnot [string]) { throw 'a key path is not a string' }
            $parts = Split-RsPath $k.path
            if ($parts.Length -eq 0 -or -not $store.Roots.ContainsKey($parts[0])) { throw "unknown hive in key path: $($k.path)" }
            $node = $store.Roots[$parts[0]]
            for ($i = 1; $i -lt $parts.Length; $i++) {
                if (-not $node.SubkeyTable.Contains($parts[$i])) { $node.SubkeyTable.Add($parts[$i], (New-RsSimNode $parts[$i])) }
                $node = $node.SubkeyTable[$parts[$i]]
            }
            $node.ReadOnly = ($k.readOnly -eq $true)
            $node.DenyRead = ($k.denyRead -eq $true)
            foreach ($v in @($k.values)) {
                if ($null -eq $v) { continue }
                if ($v.name -isnot [string]) { throw "a value name under $($k.path) is not a string (PowerShell before 7.5 turns date-like strings into dates; use 7.5+ or 5.1)" }
                $entry = ConvertFrom-RsSimStored $v
                $entry.ReadOnly = ($v.readOnly -eq $true)
                if ($node.ValueTable.Contains($v.name)) { throw "duplicate value $($v.name) under $($k.path)" }
                $node.ValueTable.Add($v.name, $entry)
            }
        }
    } catch {
        throw (New-RsError 'FILE_UNREADABLE' "simulated hive ${Path}: $($_.Exception.Message)")
    }
    return $store
}

function ConvertFrom-RsSimStored($V) {
    $kind = $V.kind
    $data = $V.data
    $entry = @{ Name = [string]$V.name; ReadOnly = $false; Kind = $null; Data = $null; RawKind = $null; RawData = $null }
    if ($kind -is [string]) {
        $entry.Kind = [Microsoft.Win32.RegistryValueKind]$kind
        switch ($kind) {
            { $_ -in 'String', 'ExpandString' } { if ($data -isnot [string]) { throw "data of $($V.name) is not a string" }; $entry.Data = $data }
            'MultiString' {
                foreach ($s in @($data)) { if ($s -isnot [string]) { throw "an item of $($V.name) is not a string" } }
                $entry.Data = [string[]]@($data)
            }
            'DWord' { $entry.Data = [int]$data }
            'QWord' { $entry.Data = [long]::Parse([string]$data, $script:RsInvariant) }
            { $_ -in 'Binary', 'None' } { $entry.Data = (ConvertFrom-RsHex ([string]$data)) }
            default { throw "unknown kind $kind" }
        }
    } else {
        $entry.Kind = [Microsoft.Win32.RegistryValueKind]::Unknown
        $entry.RawKind = [long]$kind
        if ($null -ne $data) { $entry.RawData = (ConvertFrom-RsHex ([string]$data)) }
    }
    return $entry
}

function ConvertTo-RsSimStored($Entry) {
    $out = [ordered]@{ name = $Entry.Name }
    if ($null -ne $Entry.RawKind) {
        $out.kind = $Entry.RawKind
        $out.data = $null
        if ($null -ne $Entry.RawData) { $out.data = ConvertTo-RsHex $Entry.RawData }
    } else {
        $out.kind = $Entry.Kind.ToString()
        switch ($out.kind) {
            'QWord' { $out.data = ([long]$Entry.Data).ToString($script:RsInvariant) }
            { $_ -in 'Binary', 'None' } { $out.data = ConvertTo-RsHex $Entry.Data }
            'MultiString' { $out.data = [string[]]$Entry.Data }
            default { $out.data = $Entry.Data }
        }
    }
    if ($Entry.ReadOnly) { $out.readOnly = $true }
    return $out
}

function Write-RsSimFile($Store) {
    $keys = [System.Collections.Generic.List[object]]::new()
    $stack = [System.Collections.Stack]::new()
    foreach ($h in @('HKCC', 'HKU', 'HKCR', 'HKCU', 'HKLM')) { $stack.Push(@($h, $Store.Roots[$h])) }
    while ($stack.Count -gt 0) {
        $item = $stack.Pop()
        $path = [string]$item[0]
        $node = $item[1]
        $isRoot = $path.IndexOf([char]'\') -lt 0
        if (-not $isRoot -or $node.ValueTable.Count -gt 0 -or $node.ReadOnly -or $node.DenyRead) {
            $values = [System.Collections.Generic.List[object]]::new()
            foreach ($e in $node.ValueTable.Values) { $values.Add((ConvertTo-RsSimStored $e)) }
            $k = [ordered]@{ path = $path }
            if ($node.ReadOnly) { $k.readOnly = $true }
            if ($node.DenyRead) { $k.denyRead = $true }
            $k.values = $values.ToArray()
            $keys.Add($k)
        }
        $children = @($node.SubkeyTable.Values)
        for ($i = $children.Length - 1; $i -ge 0; $i--) { $stack.Push(@(($path + '\' + $children[$i].Name), $children[$i])) }
    }
    $doc = [ordered]@{ format = 'regstate-simulated-hive'; version = 1; keys = $keys.ToArray() }
    $json = ConvertTo-Json -InputObject $doc -Depth 10
    # Atomic: write a temporary file beside the hive, then replace the hive with it.
    $tmp = $Store.Path + '.tmp-' + $PID
    [System.IO.File]::WriteAllText($tmp, $json, $script:RsUtf8)
    if ([System.IO.File]::Exists($Store.Path)) { [System.IO.File]::Replace($tmp, $Store.Path, [NullString]::Value) }
    else { [System.IO.File]::Move($tmp, $Store.Path) }
}

$script:RsSimulatedLayer = @{
    OpenBase = {
        param($Store, [string]$Hive, [int]$View)
        if (-not $Store.Roots.ContainsKey($Hive)) { throw (New-RsError 'KEY_PATH' "unknown hive $Hive") }
        return @{ Store = $Store; Hive = $Hive; View = $View; Path = [string[]]@(); Node = $Store.Roots[$Hive]; Writable = $true; Closed = $false }
    }
    OpenSubKey = {
        param($Key, [string]$Path, [bool]$Writable)
        $logical = Join-RsSimPath $Key $Path
        $node = Find-RsSimNode $Key.Store $Key.Hive (Get-RsSimPhysical $Key.Hive $Key.View $logical)
        if ($null -eq $node) { return $null }
        if ($node.DenyRead -or ($Writable -and $node.ReadOnly)) { throw (New-Object System.Security.SecurityException 'Requested registry access is not allowed.') }
        return @{ Store = $Key.Store; Hive = $Key.Hive; View = $Key.View; Path = $logical; Node = $node; Writable = $Writable; Closed = $false }
    }
    CreateSubKey = {
        param($Key, [string]$Path)
        $logical = Join-RsSimPath $Key $Path
        $node = $Key.Store.Roots[$Key.Hive]
        foreach ($part in (Get-RsSimPhysical $Key.Hive $Key.View $logical)) {
            Test-RsSimName $part
            if (-not $node.SubkeyTable.Contains($part)) {
                if ($node.ReadOnly) { throw (New-Object System.UnauthorizedAccessException "Access to the registry key '$part' is denied.") }
                $node.SubkeyTable.Add($part, (New-RsSimNode $part))
                $Key.Store.Dirty = $true
            }
            $node = $node.SubkeyTable[$part]
        }
        if ($node.ReadOnly -or $node.DenyRead) { throw (New-Object System.UnauthorizedAccessException 'Access to the registry key is denied.') }
        return @{ Store = $Key.Store; Hive = $Key.Hive; View = $Key.View; Path = $logical; Node = $node; Writable = $true; Closed = $false }
    }
    GetValueNames = {
        param($Key)
        Assert-RsSimOpen $Key
        $names = [System.Collections.Generic.List[string]]::new()
        foreach ($e in $Key.Node.ValueTable.Values) { $names.Add($e.Name) }
        return ,$names.ToArray()
    }
    GetSubKeyNames = {
        param($Key)
        Assert-RsSimOpen $Key
        $names = [System.Collections.Generic.List[string]]::new()
        foreach ($n in $Key.Node.SubkeyTable.Values) { $names.Add($n.Name) }
        return ,$names.ToArray()
    }
    GetValue = {
        param($Key, [string]$Name)
        Assert-RsSimOpen $Key
        $e = $Key.Node.ValueTable[$Name]
        if ($null -eq $e) { throw (New-Object System.IO.IOException 'The specified registry value does not exist.') }
        # As .NET reports them: REG_NONE is kind Unknown with its bytes; other numbered kinds have no data.
        if ($e.Kind -eq [Microsoft.Win32.RegistryValueKind]::None) { return @{ Kind = [Microsoft.Win32.RegistryValueKind]::Unknown; Data = $e.Data; RawKind = $null; RawData = $null } }
        return @{ Kind = $e.Kind; Data = $e.Data; RawKind = $e.RawKind; RawData = $e.RawData }
    }
    SetValue = {
        param($Key, [string]$Name, $Data, $Kind)
        Assert-RsSimOpen $Key
        if (-not $Key.Writable) { throw (New-Object System.UnauthorizedAccessException 'Cannot write to the registry key.') }
        if ($Name.Length -gt 16383) { throw (New-Object System.ArgumentException 'Registry value names should not be greater than 16,383 characters.') }
        $ok = switch ($Kind.ToString()) {
            { $_ -in 'String', 'ExpandString' } { $Data -is [string] }
            'MultiString' { $Data -is [string[]] }
            'DWord' { $Data -is [int] }
            'QWord' { $Data -is [long] }
            { $_ -in 'Binary', 'None' } { $Data -is [byte[]] }
            default { $false }
        }
        if (-not $ok) { throw (New-Object System.ArgumentException "The type of the value object did not match the specified RegistryValueKind ($Kind).") }
        $values = $Key.Node.ValueTable
        if ($values.Contains($Name)) {
            $e = $values[$Name]
            if ($e.ReadOnly) { throw (New-Object System.UnauthorizedAccessException "Access to the registry value '$Name' is denied.") }
            # Windows keeps the name's original case when a value is overwritten.
            $e.Kind = $Kind; $e.Data = $Data; $e.RawKind = $null; $e.RawData = $null
        } else {
            $values.Add($Name, @{ Name = $Name; ReadOnly = $false; Kind = $Kind; Data = $Data; RawKind = $null; RawData = $null })
        }
        $Key.Store.Dirty = $true
    }
    DeleteValue = {
        param($Key, [string]$Name)
        Assert-RsSimOpen $Key
        if (-not $Key.Writable) { throw (New-Object System.UnauthorizedAccessException 'Cannot write to the registry key.') }
        $values = $Key.Node.ValueTable
        if (-not $values.Contains($Name)) { return }
        if ($values[$Name].ReadOnly) { throw (New-Object System.UnauthorizedAccessException "Access to the registry value '$Name' is denied.") }
        $values.Remove($Name)
        $Key.Store.Dirty = $true
    }
    DeleteSubKeyTree = {
        param($Key, [string]$Name)
        Assert-RsSimOpen $Key
        if (-not $Key.Writable) { throw (New-Object System.UnauthorizedAccessException 'Cannot write to the registry key.') }
        $physical = Get-RsSimPhysical $Key.Hive $Key.View (Join-RsSimPath $Key $Name)
        $leaf = $physical[$physical.Length - 1]
        $parent = Find-RsSimNode $Key.Store $Key.Hive ([string[]]($physical | Select-Object -First ($physical.Length - 1)))
        if ($null -eq $parent -or -not $parent.SubkeyTable.Contains($leaf)) { return }
        if (-not (Test-RsSimTreeWritable $parent.SubkeyTable[$leaf])) { throw (New-Object System.UnauthorizedAccessException "Access to the registry key '$leaf' is denied.") }
        $parent.SubkeyTable.Remove($leaf)
        $Key.Store.Dirty = $true
    }
    CloseKey = { param($Key) if ($null -ne $Key) { $Key.Closed = $true } }
    Save = { param($Store) if ($Store.Dirty) { Write-RsSimFile $Store } }
}

# ---------------------------------------------------------------- requests (both layers)

function Get-RsLayer($Request) {
    if ($null -ne $Request.simulatedHive) {
        $path = ConvertFrom-RsBase64 $Request.simulatedHive
        return @{ Layer = $script:RsSimulatedLayer; Store = (Read-RsSimFile $path) }
    }
    return @{ Layer = $script:RsWindowsLayer; Store = $null }
}

function Read-RsKeys($L, $Request) {
    $layer = $L.Layer
    $results = [System.Collections.Generic.List[object]]::new()
    $errors = [System.Collections.Generic.List[object]]::new()
    $keys = @($Request.keys)
    for ($i = 0; $i -lt $keys.Length; $i++) {
        $k = $keys[$i]
        $base = $null
        try {
            $base = & $layer.OpenBase $L.Store ([string]$k.hive) ([int]$k.view)
            $path = ConvertFrom-RsBase64 $k.path
            # Handles are closed by what opened them, never by comparing objects (PowerShell may wrap them).
            $hasPath = (Split-RsPath $path).Length -gt 0
            $top = $base
            if ($hasPath) { $top = & $layer.OpenSubKey $base $path $false }
            if ($null -eq $top) {
                $results.Add(@{ request = $i; sub = [string[]]@(); exists = $false; values = @(); subkeys = [string[]]@() })
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
                    if ($sub.Length -gt 0) { $handle = & $layer.OpenSubKey $top ([string]::Join('\', $sub)) $false }
                    if ($null -eq $handle) { continue }
                    $values = [System.Collections.Generic.List[object]]::new()
                    foreach ($name in (& $layer.GetValueNames $handle)) {
                        try {
                            $json = ConvertTo-RsValueJson (& $layer.GetValue $handle $name)
                            $json.name = $name
                            $values.Add($json)
                        } catch {
                            $info = Get-RsErrorInfo $_.Exception 'INTERNAL'
                            $errors.Add(@{ request = $i; sub = $sub; name = $name; code = $info.code; message = $info.message })
                        }
                    }
                    $subkeys = [string[]](& $layer.GetSubKeyNames $handle)
                    $results.Add(@{ request = $i; sub = $sub; exists = $true; values = $values.ToArray(); subkeys = $subkeys })
                    if ($k.recursive -eq $true) {
                        for ($j = $subkeys.Length - 1; $j -ge 0; $j--) { $stack.Push([string[]]($sub + $subkeys[$j])) }
                    }
                } catch {
                    $info = Get-RsErrorInfo $_.Exception 'INTERNAL'
                    $errors.Add(@{ request = $i; sub = $sub; code = $info.code; message = $info.message })
                } finally {
                    if ($sub.Length -gt 0 -and $null -ne $handle) { & $layer.CloseKey $handle }
                }
            }
            if ($hasPath) { & $layer.CloseKey $top }
        } catch {
            $info = Get-RsErrorInfo $_.Exception 'INTERNAL'
            if ($_.Exception -is [System.ArgumentException] -or $_.Exception.InnerException -is [System.ArgumentException]) { $info.code = 'KEY_PATH' }
            $errors.Add(@{ request = $i; sub = [string[]]@(); code = $info.code; message = $info.message })
        } finally {
            & $layer.CloseKey $base
        }
    }
    return @{ ok = $true; results = $results.ToArray(); errors = $errors.ToArray() }
}

function Invoke-RsWriteOp($L, $Op) {
    $layer = $L.Layer
    $base = & $layer.OpenBase $L.Store ([string]$Op.hive) ([int]$Op.view)
    $key = $null
    try {
        $path = ConvertFrom-RsBase64 $Op.path
        $parts = Split-RsPath $path
        switch -CaseSensitive ([string]$Op.op) {
            'create-key' {
                if ($parts.Length -gt 0) { $key = & $layer.CreateSubKey $base $path }
            }
            'set-value' {
                # Converted first, so a value that cannot be written does not leave a new key behind.
                $typed = ConvertFrom-RsValueJson $Op.value
                $target = $base
                if ($parts.Length -gt 0) { $key = & $layer.CreateSubKey $base $path; $target = $key }
                & $layer.SetValue $target (ConvertFrom-RsBase64 $Op.name) $typed.Data $typed.Kind
            }
            'delete-value' {
                $target = $base
                if ($parts.Length -gt 0) { $key = & $layer.OpenSubKey $base $path $true; $target = $key }
                if ($null -ne $target) { & $layer.DeleteValue $target (ConvertFrom-RsBase64 $Op.name) }
            }
            'delete-key' {
                if ($parts.Length -eq 0) { throw (New-RsError 'WRITE_FAILED' 'cannot delete a hive root') }
                $parent = $base
                if ($parts.Length -gt 1) { $key = & $layer.OpenSubKey $base ([string]::Join('\', $parts, 0, $parts.Length - 1)) $true; $parent = $key }
                if ($null -ne $parent) { & $layer.DeleteSubKeyTree $parent $parts[$parts.Length - 1] }
            }
            default { throw (New-RsError 'WRITE_FAILED' "unknown write op $($Op.op)") }
        }
    } finally {
        # $key is only ever a handle this op opened below the base key.
        if ($null -ne $key) { & $layer.CloseKey $key }
        & $layer.CloseKey $base
    }
}

function Write-RsOps($L, $Request) {
    $results = [System.Collections.Generic.List[object]]::new()
    foreach ($op in @($Request.ops)) {
        try {
            Invoke-RsWriteOp $L $op
            $results.Add(@{ ok = $true })
        } catch {
            $info = Get-RsErrorInfo $_.Exception 'WRITE_FAILED'
            $results.Add(@{ ok = $false; code = $info.code; message = $info.message })
        }
    }
    & $L.Layer.Save $L.Store
    return @{ ok = $true; results = $results.ToArray(); errors = @() }
}

function Invoke-RsRequest($Request) {
    switch -CaseSensitive ([string]$Request.op) {
        'hello' {
            $hello = @{ agent = 'regstate'; protocol = 1; psVersion = $PSVersionTable.PSVersion.ToString(); psEdition = 'Desktop' }
            if ($PSVersionTable.ContainsKey('PSEdition')) { $hello.psEdition = [string]$PSVersionTable.PSEdition }
            return @{ ok = $true; results = $hello; errors = @() }
        }
        'read' { return Read-RsKeys (Get-RsLayer $Request) $Request }
        'write' { return Write-RsOps (Get-RsLayer $Request) $Request }
    }
    throw (New-RsError 'INTERNAL' "unknown request op $($Request.op)")
}

function Invoke-RegstateRequest {
    param([Parameter(Mandatory = $true)][string]$RequestBase64)
    try {
        $request = ConvertFrom-Json -InputObject (ConvertFrom-RsBase64 $RequestBase64)
        $answer = Invoke-RsRequest $request
        $text = ConvertTo-Json -InputObject $answer -Depth 10 -Compress
    } catch {
        $info = Get-RsErrorInfo $_.Exception 'INTERNAL'
        $text = ConvertTo-Json -InputObject @{ ok = $false; results = $null; errors = @(@{ code = $info.code; message = $info.message }) } -Depth 5 -Compress
    }
    [Console]::Out.WriteLine('REGSTATE:' + [Convert]::ToBase64String($script:RsUtf8.GetBytes($text)))
}
