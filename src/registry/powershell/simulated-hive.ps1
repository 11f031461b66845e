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
  Binary/None and numbered kinds hex (a numbered kind with null data is unreadable, as .NET sees
  REG_LINK). readOnly keys and values refuse writes, denyRead keys refuse opening (ACCESS_DENIED).

FAULTS (optional, for tests of runs that die mid-write): a top-level
  "faults": { "exitAfterWrites": N?, "delayMsPerWrite": M? }
  is read by the next write request and then dropped (any save of the hive leaves it out, so the
  fault fires once). delayMsPerWrite: sleep M ms after each op of the batch (time to kill the
  caller mid-batch). exitAfterWrites: after N ops of the batch (0 = before the first), save the hive
  with exactly those N ops applied, then kill this PowerShell process without answering: power loss
  after N durable writes. Only the simulated layer reads this; the Windows layer has no faults.
#>

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
    $store = @{ Path = $Path; Dirty = $false; Roots = @{}; Faults = $null }
    foreach ($h in $script:RsHives.Keys) { $store.Roots[$h] = New-RsSimNode $h }
    if (-not [System.IO.File]::Exists($Path)) { return $store }
    try {
        $text = [System.IO.File]::ReadAllText($Path, $script:RsUtf8)
        $options = @{}
        # PowerShell 7.5+ can keep date-like strings as strings; older 7.x cannot (checked below).
        if ((Get-Command ConvertFrom-Json).Parameters.ContainsKey('DateKind')) { $options['DateKind'] = 'String' }
        $doc = ConvertFrom-Json -InputObject $text @options
        if ($null -eq $doc -or $doc.format -ne 'regstate-simulated-hive') { throw 'not a regstate simulated hive (format must be "regstate-simulated-hive")' }
        if ($null -ne $doc.faults) { $store.Faults = ConvertFrom-RsSimFaults $doc.faults }
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

function ConvertFrom-RsSimFaults($F) {
    $faults = @{ ExitAfterWrites = -1; DelayMs = 0 }
    foreach ($field in @('exitAfterWrites', 'delayMsPerWrite')) {
        $n = $F.$field
        if ($null -eq $n) { continue }
        if (-not ($n -is [int] -or $n -is [long]) -or $n -lt 0) { throw "faults.$field must be a whole number >= 0" }
        if ($field -eq 'exitAfterWrites') { $faults.ExitAfterWrites = [int]$n } else { $faults.DelayMs = [int]$n }
    }
    return $faults
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
    Checkpoint = {
        param($Store, [int]$Done)
        $f = $Store.Faults
        if ($null -eq $f) { return }
        # Saving drops the faults from the hive file: each fires once.
        $Store.Dirty = $true
        if ($Done -gt 0 -and $f.DelayMs -gt 0) { Start-Sleep -Milliseconds $f.DelayMs }
        if ($Done -eq $f.ExitAfterWrites) {
            Write-RsSimFile $Store
            [System.Diagnostics.Process]::GetCurrentProcess().Kill()
        }
    }
    Save = { param($Store) if ($Store.Dirty) { Write-RsSimFile $Store } }
}
