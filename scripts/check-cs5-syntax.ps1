<#
Compiles C# files as one text under C# 5, the language Windows PowerShell 5.1's Add-Type compiles
(the .NET Framework's csc), with the given preprocessor symbols. Prints a JSON list of the compiler's
errors and warnings ({ line, message }, line in the joined text) and exits 1 when there is any.
Used by test/registry/powershell/agent-syntax.test.ts for src/registry/powershell/*.cs.
#>
param(
    [Parameter(Mandatory = $true)][string[]]$Path,
    [string[]]$Define = @()
)
$ErrorActionPreference = 'Stop'
# pwsh -File passes a list as one comma-separated argument.
$files = @(foreach ($p in $Path) { $p.Split(',') })
$texts = foreach ($p in $files) { [System.IO.File]::ReadAllText($p) }
$source = ($texts -join "`n")
$symbols = @(foreach ($d in $Define) { if ($d.Length -gt 0) { $d.Split(',') } })
foreach ($symbol in $symbols) { $source = "#define $symbol`n" + $source }
$out = [System.IO.Path]::Combine([System.IO.Path]::GetTempPath(), 'regstate-cs5-' + [guid]::NewGuid().ToString('N') + '.dll')
$diagnostics = @()
try {
    Add-Type -TypeDefinition $source -CompilerOptions '-langversion:5' -OutputAssembly $out -ErrorAction SilentlyContinue -ErrorVariable +diagnostics -WarningAction SilentlyContinue -WarningVariable +diagnostics
} catch {
    $diagnostics += $_
} finally {
    if ([System.IO.File]::Exists($out)) { [System.IO.File]::Delete($out) }
}
$findings = @(foreach ($d in $diagnostics) {
    $text = [string]$d
    if ($text -match 'Cannot add type') { continue }
    $line = 0
    if ($text -match '\((\d+),\d+\)') { $line = [int]$Matches[1] - $symbols.Count }
    @{ line = $line; message = $text }
})
ConvertTo-Json -InputObject $findings -Compress
if ($findings.Count -gt 0 -or $diagnostics.Count -gt 0) { exit 1 }
exit 0
