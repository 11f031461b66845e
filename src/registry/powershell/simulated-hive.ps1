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

# A simulated value: Type is the registry's kind number (winnt.h); Data is what .NET hands out for
# the kinds it names, the raw bytes (or $null) for the others.
class RsSimEntry {
    [string]$Name; [bool]$ReadOnly; [int]$Type; [object]$Data
}

# A simulated key. Its tables are not named Keys or Values, which a hashtable would confuse with its own members.
class RsSimNode {
    [string]$Name; [bool]$ReadOnly; [bool]$DenyRead
    [System.Collections.Specialized.OrderedDictionary]$ValueTable = [System.Collections.Specialized.OrderedDictionary]::new([StringComparer]::OrdinalIgnoreCase)
    [System.Collections.Specialized.OrderedDictionary]$SubkeyTable = [System.Collections.Specialized.OrderedDictionary]::new([StringComparer]::OrdinalIgnoreCase)
    RsSimNode([string]$Name) { $this.Name = $Name }
}

# The hive file as read by either JSON reader.
class RsSimFileValue { [string]$name; [object]$kind; [object]$data; [bool]$readOnly }
class RsSimFileKey { [string]$path; [bool]$readOnly; [bool]$denyRead; [RsSimFileValue[]]$values }
class RsSimFileFaults { [object]$exitAfterWrites; [object]$delayMsPerWrite }
class RsSimFileDoc { [string]$format; [object]$version; [RsSimFileKey[]]$keys; [RsSimFileFaults]$faults }

# An open simulated key, with the methods of Microsoft.Win32.RegistryKey that the agent calls.
class RsSimKey {
    [object]$Store; [string]$Hive; [int]$View; [string[]]$Path; [RsSimNode]$Node; [bool]$Writable; [bool]$Closed

    RsSimKey($Store, [string]$Hive, [int]$View, [string[]]$Path, [RsSimNode]$Node, [bool]$Writable) {
        $this.Store = $Store; $this.Hive = $Hive; $this.View = $View; $this.Path = $Path; $this.Node = $Node; $this.Writable = $Writable
    }

    hidden [void] AssertOpen() {
        # As .NET does with a closed RegistryKey, so handle mistakes show up off Windows too.
        if ($this.Closed) { throw (New-Object System.ObjectDisposedException 'RegistryKey', 'Cannot access a closed registry key.') }
    }

    hidden [void] AssertWritable() {
        $this.AssertOpen()
        if (-not $this.Writable) { throw (New-Object System.UnauthorizedAccessException 'Cannot write to the registry key.') }
    }

    hidden [string[]] Join([string]$Sub) {
        $this.AssertOpen()
        $parts = [System.Collections.Generic.List[string]]::new()
        foreach ($p in $this.Path) { $parts.Add($p) }
        foreach ($p in $Sub.Split([char]'\')) {
            if ($p.Length -eq 0) { continue }
            if ($p.Length -gt 255) { throw (New-Object System.ArgumentException "Registry subkey names should not be greater than 255 characters: $($p.Substring(0, 20))...") }
            $parts.Add($p)
        }
        return $parts.ToArray()
    }

    # The 32-bit view of HKLM\SOFTWARE\X is HKLM\SOFTWARE\WOW6432Node\X (as src/registry/physical-key.ts).
    hidden [string[]] Physical([string[]]$Logical) {
        if ($this.View -ne 32 -or $this.Hive -ne 'HKLM' -or $Logical.Length -eq 0 -or $Logical[0] -ne 'SOFTWARE') { return $Logical }
        if ($Logical.Length -gt 1 -and $Logical[1] -eq 'WOW6432Node') { return $Logical }
        $out = [System.Collections.Generic.List[string]]::new()
        $out.Add($Logical[0]); $out.Add('WOW6432Node')
        for ($i = 1; $i -lt $Logical.Length; $i++) { $out.Add($Logical[$i]) }
        return $out.ToArray()
    }

    hidden [RsSimNode] Find([string[]]$Physical) {
        $n = $this.Store.Roots[$this.Hive]
        foreach ($part in $Physical) {
            if (-not $n.SubkeyTable.Contains($part)) { return $null }
            $n = $n.SubkeyTable[$part]
        }
        return $n
    }

    [object] OpenSubKey([string]$Sub, [bool]$Writable) {
        $logical = $this.Join($Sub)
        $n = $this.Find($this.Physical($logical))
        if ($null -eq $n) { return $null }
        if ($n.DenyRead -or ($Writable -and $n.ReadOnly)) { throw (New-Object System.Security.SecurityException 'Requested registry access is not allowed.') }
        return [RsSimKey]::new($this.Store, $this.Hive, $this.View, $logical, $n, $Writable)
    }

    [object] CreateSubKey([string]$Sub) {
        $logical = $this.Join($Sub)
        $n = $this.Store.Roots[$this.Hive]
        foreach ($part in $this.Physical($logical)) {
            if (-not $n.SubkeyTable.Contains($part)) {
                if ($n.ReadOnly) { throw (New-Object System.UnauthorizedAccessException "Access to the registry key '$part' is denied.") }
                $n.SubkeyTable.Add($part, [RsSimNode]::new($part))
                $this.Store.Dirty = $true
            }
            $n = $n.SubkeyTable[$part]
        }
        if ($n.ReadOnly -or $n.DenyRead) { throw (New-Object System.UnauthorizedAccessException 'Access to the registry key is denied.') }
        return [RsSimKey]::new($this.Store, $this.Hive, $this.View, $logical, $n, $true)
    }

    [string[]] GetValueNames() {
        $this.AssertOpen()
        $names = [string[]]::new($this.Node.ValueTable.Count)
        $this.Node.ValueTable.Keys.CopyTo($names, 0)
        return $names
    }

    [string[]] GetSubKeyNames() {
        $this.AssertOpen()
        $names = [System.Collections.Generic.List[string]]::new()
        foreach ($n in $this.Node.SubkeyTable.Values) { $names.Add($n.Name) }
        return $names.ToArray()
    }

    [Microsoft.Win32.RegistryValueKind] GetValueKind([string]$Name) {
        $this.AssertOpen()
        $e = $this.Node.ValueTable[$Name]
        if ($null -eq $e) { throw (New-Object System.IO.IOException 'The specified registry value does not exist.') }
        $t = $e.Type
        if ($t -eq 0) { return [Microsoft.Win32.RegistryValueKind]::None }
        if ($t -eq 1 -or $t -eq 2 -or $t -eq 3 -or $t -eq 4 -or $t -eq 7 -or $t -eq 11) { return [Microsoft.Win32.RegistryValueKind]$t }
        return [Microsoft.Win32.RegistryValueKind]::Unknown
    }

    [object] GetValue([string]$Name, [object]$Default, [Microsoft.Win32.RegistryValueOptions]$Options) {
        $this.AssertOpen()
        $e = $this.Node.ValueTable[$Name]
        if ($null -eq $e) { return $Default }
        $t = $e.Type
        # .NET reads REG_DWORD_BIG_ENDIAN as bytes and every other kind it does not name as the default.
        if ($t -gt 11 -or $t -eq 6 -or $t -eq 8 -or $t -eq 9 -or $t -eq 10) { return $Default }
        if ($t -eq 5 -and $null -eq $e.Data) { return [byte[]]::new(0) }
        return $e.Data
    }

    [void] SetValue([string]$Name, [object]$Data, [Microsoft.Win32.RegistryValueKind]$Kind) {
        $this.AssertWritable()
        if ($null -eq $Data) { throw (New-Object System.ArgumentNullException 'value') }
        if ($Name.Length -gt 16383) { throw (New-Object System.ArgumentException 'Registry value names should not be greater than 16,383 characters.') }
        $t = [int]$Kind
        $ok = $false
        if ($t -eq 1 -or $t -eq 2) { $ok = $Data -is [string] }
        elseif ($t -eq 7) { $ok = $Data -is [string[]] }
        elseif ($t -eq 4) { $ok = $Data -is [int] }
        elseif ($t -eq 11) { $ok = $Data -is [long] }
        elseif ($t -eq 3) { $ok = $Data -is [byte[]] }
        elseif ($Kind -eq [Microsoft.Win32.RegistryValueKind]::None) { $ok = $Data -is [byte[]]; $t = 0 }
        if (-not $ok) { throw (New-Object System.ArgumentException "The type of the value object did not match the specified RegistryValueKind ($Kind).") }
        $values = $this.Node.ValueTable
        $e = $values[$Name]
        if ($null -ne $e) {
            if ($e.ReadOnly) { throw (New-Object System.UnauthorizedAccessException "Access to the registry value '$Name' is denied.") }
            # Windows keeps the name's original case when a value is overwritten.
            $e.Type = $t; $e.Data = $Data
        } else {
            $e = [RsSimEntry]::new()
            $e.Name = $Name; $e.Type = $t; $e.Data = $Data
            $values.Add($Name, $e)
        }
        $this.Store.Dirty = $true
    }

    [void] DeleteValue([string]$Name, [bool]$ThrowOnMissing) {
        $this.AssertWritable()
        $e = $this.Node.ValueTable[$Name]
        if ($null -eq $e) {
            if ($ThrowOnMissing) { throw (New-Object System.ArgumentException 'No value exists with that name.') }
            return
        }
        if ($e.ReadOnly) { throw (New-Object System.UnauthorizedAccessException "Access to the registry value '$Name' is denied.") }
        $this.Node.ValueTable.Remove($Name)
        $this.Store.Dirty = $true
    }

    [void] DeleteSubKeyTree([string]$Sub, [bool]$ThrowOnMissing) {
        $this.AssertWritable()
        $physical = $this.Physical($this.Join($Sub))
        $leaf = $physical[$physical.Length - 1]
        $parentPath = [string[]]::new($physical.Length - 1)
        [Array]::Copy($physical, $parentPath, $physical.Length - 1)
        $parent = $this.Find($parentPath)
        if ($null -eq $parent -or -not $parent.SubkeyTable.Contains($leaf)) {
            if ($ThrowOnMissing) { throw (New-Object System.ArgumentException 'Cannot delete a subkey tree because the subkey does not exist.') }
            return
        }
        $stack = [System.Collections.Stack]::new()
        $stack.Push($parent.SubkeyTable[$leaf])
        while ($stack.Count -gt 0) {
            $n = $stack.Pop()
            $locked = $n.ReadOnly
            foreach ($v in $n.ValueTable.Values) { if ($v.ReadOnly) { $locked = $true } }
            if ($locked) { throw (New-Object System.UnauthorizedAccessException "Access to the registry key '$leaf' is denied.") }
            foreach ($c in $n.SubkeyTable.Values) { $stack.Push($c) }
        }
        $parent.SubkeyTable.Remove($leaf)
        $this.Store.Dirty = $true
    }

    [void] Close() { $this.Closed = $true }
}

# The simulated registry of one hive file, with its faults.
class RsSimStore {
    [string]$Path; [bool]$Dirty; [hashtable]$Roots = @{}; [object]$Faults

    [object] OpenBase([string]$Hive, [int]$View) {
        return [RsSimKey]::new($this, $Hive, $View, [string[]]@(), $this.Roots[$Hive], $true)
    }

    # Runs before each op of a write batch and after the last, with the number of ops done so far.
    [void] Checkpoint([int]$Done) {
        $f = $this.Faults
        if ($null -eq $f) { return }
        # Saving drops the faults from the hive file: each fires once.
        $this.Dirty = $true
        if ($Done -gt 0 -and $f.DelayMs -gt 0) { Start-Sleep -Milliseconds $f.DelayMs }
        if ($Done -eq $f.ExitAfterWrites) {
            Write-RsSimFile $this
            [System.Diagnostics.Process]::GetCurrentProcess().Kill()
        }
    }

    [void] Save() { if ($this.Dirty) { Write-RsSimFile $this } }
}

$script:RsSimKindNumbers = @{ None = 0; String = 1; ExpandString = 2; Binary = 3; DWord = 4; MultiString = 7; QWord = 11 }
$script:RsSimKindNames = @{ 0 = 'None'; 1 = 'String'; 2 = 'ExpandString'; 3 = 'Binary'; 4 = 'DWord'; 7 = 'MultiString'; 11 = 'QWord' }

function ConvertFrom-RsSimJsonItem($Item) {
    # What either JSON reader gave for a field typed object, as plain .NET: string, decimal, object[], bool or $null.
    if ($null -eq $Item -or -not $script:RsIsCore -or $Item -isnot [System.ValueType]) {
        if ($Item -is [int] -or $Item -is [long]) { return [decimal]$Item }
        if ($Item -is [System.Collections.IList] -and $Item -isnot [string]) { return ,([object[]]$Item) }
        return $Item
    }
    $vk = [string]$Item.ValueKind
    if ($vk -eq 'String') { return $Item.GetString() }
    if ($vk -eq 'Number') { return $Item.GetDecimal() }
    if ($vk -eq 'True') { return $true }
    if ($vk -eq 'False') { return $false }
    if ($vk -eq 'Null') { return $null }
    if ($vk -eq 'Array') {
        $list = [System.Collections.Generic.List[object]]::new()
        foreach ($x in $Item.EnumerateArray()) { if ([string]$x.ValueKind -eq 'String') { $list.Add($x.GetString()) } else { $list.Add($x) } }
        return ,$list.ToArray()
    }
    return $Item
}

function Read-RsSimFile([string]$Path) {
    $store = [RsSimStore]::new()
    $store.Path = $Path
    foreach ($h in $script:RsHives.Keys) { $store.Roots[$h] = [RsSimNode]::new($h) }
    if (-not [System.IO.File]::Exists($Path)) { return $store }
    try {
        $doc = ConvertFrom-RsJsonText ([System.IO.File]::ReadAllText($Path, $script:RsUtf8)) ([RsSimFileDoc])
        if ($null -eq $doc -or $doc.format -ne 'regstate-simulated-hive') { throw 'not a regstate simulated hive (format must be "regstate-simulated-hive")' }
        if ($null -ne $doc.faults) { $store.Faults = ConvertFrom-RsSimFaults $doc.faults }
        $isCore = $script:RsIsCore
        foreach ($k in @($doc.keys)) {
            if ($null -eq $k.path) { throw 'a key path is not a string' }
            $parts = Split-RsPath $k.path
            if ($parts.Length -eq 0 -or -not $store.Roots.ContainsKey($parts[0])) { throw "unknown hive in key path: $($k.path)" }
            $node = $store.Roots[$parts[0]]
            for ($i = 1; $i -lt $parts.Length; $i++) {
                if (-not $node.SubkeyTable.Contains($parts[$i])) { $node.SubkeyTable.Add($parts[$i], [RsSimNode]::new($parts[$i])) }
                $node = $node.SubkeyTable[$parts[$i]]
            }
            $node.ReadOnly = $k.readOnly
            $node.DenyRead = $k.denyRead
            if ($null -eq $k.values) { continue }
            # The hot loop of a load: no function call per value, except for kinds .NET does not name.
            foreach ($v in $k.values) {
                if ($null -eq $v) { continue }
                if ($null -eq $v.name) { throw "a value name under $($k.path) is not a string" }
                if ($node.ValueTable.Contains($v.name)) { throw "duplicate value $($v.name) under $($k.path)" }
                $kind = $v.kind
                $data = $v.data
                # PowerShell 7's reader leaves fields typed object as JsonElement: read them with its own methods.
                if ($isCore -and $null -ne $kind -and [string]$kind.ValueKind -eq 'String') { $kind = $kind.GetString() }
                $e = [RsSimEntry]::new()
                $e.Name = $v.name
                $e.ReadOnly = $v.readOnly
                if ($kind -is [string]) {
                    $t = $script:RsSimKindNumbers[$kind]
                    if ($null -eq $t) { throw "unknown kind $kind" }
                    $e.Type = $t
                    if ($t -eq 7) {
                        if ($null -eq $data) { throw "data of $($v.name) is not a list" }
                        $list = [System.Collections.Generic.List[string]]::new()
                        if ($isCore) {
                            foreach ($x in $data.EnumerateArray()) { $list.Add($x.GetString()) }
                        } else {
                            if ($data -is [string]) { throw "data of $($v.name) is not a list" }
                            foreach ($x in $data) { if ($x -isnot [string]) { throw "an item of $($v.name) is not a string" }; $list.Add($x) }
                        }
                        $e.Data = $list.ToArray()
                    } elseif ($t -eq 4) {
                        if ($isCore) { $e.Data = $data.GetInt32() }
                        elseif ($data -is [int]) { $e.Data = $data }
                        else { throw "data of $($v.name) is not a signed 32-bit number" }
                    } else {
                        if ($isCore -and $null -ne $data) { $data = $data.GetString() }
                        if ($data -isnot [string]) { throw "data of $($v.name) is not a string" }
                        if ($t -eq 1 -or $t -eq 2) { $e.Data = $data }
                        elseif ($t -eq 11) { $e.Data = [long]::Parse($data, $script:RsInvariant) }
                        elseif ($isCore) { $e.Data = [Convert]::FromHexString($data) }
                        else { $e.Data = [System.Runtime.Remoting.Metadata.W3cXsd2001.SoapHexBinary]::Parse($data).Value }
                    }
                } else {
                    $kind = ConvertFrom-RsSimJsonItem $kind
                    if ($kind -isnot [decimal] -or $kind -lt 0 -or $kind -gt 4294967295 -or $kind -ne [decimal]::Truncate($kind)) { throw "kind of $($v.name) is neither a name nor a kind number" }
                    if ($script:RsSimKindNames.ContainsKey([int]$kind)) { throw "kind $kind of $($v.name) has a name: use $($script:RsSimKindNames[[int]$kind])" }
                    $e.Type = [int][long]$kind
                    $data = ConvertFrom-RsSimJsonItem $data
                    if ($null -ne $data) {
                        if ($data -isnot [string]) { throw "data of $($v.name) is not hex" }
                        $e.Data = ConvertFrom-RsHex $data
                    }
                }
                $node.ValueTable.Add($v.name, $e)
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
        $n = ConvertFrom-RsSimJsonItem $F.$field
        if ($null -eq $n) { continue }
        if ($n -isnot [decimal] -or $n -lt 0 -or $n -ne [decimal]::Truncate($n)) { throw "faults.$field must be a whole number >= 0" }
        if ($field -eq 'exitAfterWrites') { $faults.ExitAfterWrites = [int]$n } else { $faults.DelayMs = [int]$n }
    }
    return $faults
}

function Write-RsSimFile($Store) {
    $isCore = $script:RsIsCore
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
            # The hot loop of a save: hashtables and .NET calls only.
            foreach ($e in $node.ValueTable.Values) {
                $t = $e.Type
                $out = @{ name = $e.Name; kind = $t; data = $e.Data }
                if ($t -eq 1) { $out.kind = 'String' }
                elseif ($t -eq 4) { $out.kind = 'DWord' }
                elseif ($t -eq 2) { $out.kind = 'ExpandString' }
                elseif ($t -eq 7) { $out.kind = 'MultiString' }
                elseif ($t -eq 11) { $out.kind = 'QWord'; $out.data = ([long]$e.Data).ToString($script:RsInvariant) }
                elseif ($t -eq 3) { $out.kind = 'Binary'; $out.data = $(if ($isCore) { [Convert]::ToHexString($e.Data).ToLowerInvariant() } else { [BitConverter]::ToString($e.Data).Replace('-', '').ToLowerInvariant() }) }
                elseif ($t -eq 0) { $out.kind = 'None'; $out.data = $(if ($isCore) { [Convert]::ToHexString($e.Data).ToLowerInvariant() } else { [BitConverter]::ToString($e.Data).Replace('-', '').ToLowerInvariant() }) }
                elseif ($null -ne $e.Data) { $out.data = $(if ($isCore) { [Convert]::ToHexString($e.Data).ToLowerInvariant() } else { [BitConverter]::ToString($e.Data).Replace('-', '').ToLowerInvariant() }) }
                if ($e.ReadOnly) { $out.readOnly = $true }
                $values.Add($out)
            }
            $k = [ordered]@{ path = $path }
            if ($node.ReadOnly) { $k.readOnly = $true }
            if ($node.DenyRead) { $k.denyRead = $true }
            $k.values = $values.ToArray()
            $keys.Add($k)
        }
        $children = @($node.SubkeyTable.Values)
        for ($i = $children.Length - 1; $i -ge 0; $i--) { $stack.Push(@(($path + '\' + $children[$i].Name), $children[$i])) }
    }
    $json = ConvertTo-RsJsonText ([ordered]@{ format = 'regstate-simulated-hive'; version = 1; keys = $keys.ToArray() })
    # Atomic: write a temporary file beside the hive, then replace the hive with it.
    $tmp = $Store.Path + '.tmp-' + $PID
    [System.IO.File]::WriteAllText($tmp, $json, $script:RsUtf8)
    if ([System.IO.File]::Exists($Store.Path)) { [System.IO.File]::Replace($tmp, $Store.Path, [NullString]::Value) }
    else { [System.IO.File]::Move($tmp, $Store.Path) }
}
