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
  hello: results { "agent": "regstate", "protocol": 1, "psVersion", "psEdition", "os": "Win32NT"|"Unix"|... }
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
SetValue, DeleteValue, DeleteSubKeyTree, CloseKey, Checkpoint, Save) chosen once per request. The Windows layer
is Microsoft.Win32.RegistryKey; the simulated layer keeps the same .NET types (Int32 DWORD, Int64
QWORD, byte[] binary, string[] multi) and throws the same exception types, so everything above it
is the code that runs on Windows.

The simulated layer and its hive file format are in simulated-hive.ps1, loaded with this file.
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
    Checkpoint = { param($Store, [int]$Done) }
    Save = { param($Store) }
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
    # Checkpoint runs before each op and after the last, with the number of ops done so far
    # (the simulated layer injects its test faults there; the Windows layer does nothing).
    foreach ($op in @($Request.ops)) {
        & $L.Layer.Checkpoint $L.Store $results.Count
        try {
            Invoke-RsWriteOp $L $op
            $results.Add(@{ ok = $true })
        } catch {
            $info = Get-RsErrorInfo $_.Exception 'WRITE_FAILED'
            $results.Add(@{ ok = $false; code = $info.code; message = $info.message })
        }
    }
    & $L.Layer.Checkpoint $L.Store $results.Count
    & $L.Layer.Save $L.Store
    return @{ ok = $true; results = $results.ToArray(); errors = @() }
}

function Invoke-RsRequest($Request) {
    switch -CaseSensitive ([string]$Request.op) {
        'hello' {
            # os (Win32NT, Unix): whether this PowerShell has a Windows registry, wherever node runs.
            $hello = @{ agent = 'regstate'; protocol = 1; psVersion = $PSVersionTable.PSVersion.ToString(); psEdition = 'Desktop'; os = [string][Environment]::OSVersion.Platform }
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
