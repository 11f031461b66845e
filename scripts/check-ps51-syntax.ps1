<#
Checks that a script only uses what Windows PowerShell 5.1 understands. Runs under PowerShell 7
(whose parser knows the newer syntax, so it can see it), parses the file and walks its AST.

    pwsh -NoProfile -File scripts/check-ps51-syntax.ps1 -Path FILE

Prints one JSON array of findings { line, column, rule, text } and exits 1 when there are any.
Rules: parse-error, non-ascii (5.1 reads a BOM-less file as ANSI), ternary, null-coalescing,
null-conditional, pipeline-chain, clean-block, new-escape (`e, `u{...}), using-after-code, and
parameters 5.1's cmdlets lack (ConvertFrom-Json -AsHashtable, ConvertTo-Json -AsArray, ...).
Parameters passed by splatting are invisible here.
#>
param([Parameter(Mandatory = $true)][string]$Path)

$ErrorActionPreference = 'Stop'
$findings = [System.Collections.Generic.List[object]]::new()

function Add-Finding($Extent, [string]$Rule) {
    $text = $Extent.Text
    if ($text.Length -gt 80) { $text = $text.Substring(0, 80) }
    $findings.Add([ordered]@{ line = $Extent.StartLineNumber; column = $Extent.StartColumnNumber; rule = $Rule; text = $text })
}

# Cmdlet parameters added after Windows PowerShell 5.1.
$newParameters = @{
    'ConvertFrom-Json' = @('AsHashtable', 'Depth', 'NoEnumerate', 'DateKind')
    'ConvertTo-Json'   = @('AsArray', 'EnumsAsStrings', 'EscapeHandling')
    'ForEach-Object'   = @('Parallel', 'ThrottleLimit', 'TimeoutSeconds', 'AsJob')
    'Get-Content'      = @('AsByteStream')
    'Set-Content'      = @('AsByteStream')
    'Add-Content'      = @('AsByteStream')
    'Import-Csv'       = @('UseQuotes')
    'Select-Object'    = @('SkipIndex')
}
# Cmdlets that do not exist in Windows PowerShell 5.1.
$newCommands = @('Join-String', 'Test-Json', 'Get-Error', 'ConvertFrom-Markdown', 'Remove-Alias', 'Get-Uptime', 'Clear-RecycleBin')

$bytes = [System.IO.File]::ReadAllBytes($Path)
for ($i = 0; $i -lt $bytes.Length; $i++) {
    if ($bytes[$i] -gt 0x7f) {
        $line = 1
        for ($j = 0; $j -lt $i; $j++) { if ($bytes[$j] -eq 10) { $line++ } }
        $findings.Add([ordered]@{ line = $line; column = 0; rule = 'non-ascii'; text = '' })
        break
    }
}

$tokens = $null
$errors = $null
$ast = [System.Management.Automation.Language.Parser]::ParseFile($Path, [ref]$tokens, [ref]$errors)
foreach ($e in $errors) { $findings.Add([ordered]@{ line = $e.Extent.StartLineNumber; column = $e.Extent.StartColumnNumber; rule = 'parse-error'; text = $e.Message }) }

$firstCode = $null
if ($ast.EndBlock -and $ast.EndBlock.Statements.Count -gt 0) { $firstCode = $ast.EndBlock.Statements[0].Extent.StartOffset }
foreach ($u in $ast.UsingStatements) {
    if ($null -ne $firstCode -and $u.Extent.StartOffset -gt $firstCode) { Add-Finding $u.Extent 'using-after-code' }
}

$all = $ast.FindAll({ $true }, $true)
foreach ($node in $all) {
    $type = $node.GetType().Name
    switch ($type) {
        'TernaryExpressionAst' { Add-Finding $node.Extent 'ternary' }
        'PipelineChainAst' { Add-Finding $node.Extent 'pipeline-chain' }
        'BinaryExpressionAst' { if ($node.Operator.ToString() -eq 'QuestionQuestion') { Add-Finding $node.Extent 'null-coalescing' } }
        'AssignmentStatementAst' { if ($node.Operator.ToString() -eq 'QuestionQuestionEquals') { Add-Finding $node.Extent 'null-coalescing' } }
        { $_ -in 'MemberExpressionAst', 'InvokeMemberExpressionAst', 'IndexExpressionAst' } {
            if ($node.PSObject.Properties['NullConditional'] -and $node.NullConditional) { Add-Finding $node.Extent 'null-conditional' }
        }
        'ScriptBlockAst' {
            if ($node.PSObject.Properties['CleanBlock'] -and $null -ne $node.CleanBlock) { Add-Finding $node.CleanBlock.Extent 'clean-block' }
        }
        { $_ -in 'StringConstantExpressionAst', 'ExpandableStringExpressionAst' } {
            if ($node.StringConstantType.ToString() -in 'DoubleQuoted', 'DoubleQuotedHereString' -and $node.Extent.Text -cmatch '`(e|u\{)') { Add-Finding $node.Extent 'new-escape' }
        }
        'CommandAst' {
            $name = $node.GetCommandName()
            if ($null -eq $name) { continue }
            if ($newCommands -contains $name) { Add-Finding $node.Extent "new-command:$name" }
            $forbidden = $newParameters[$name]
            if ($null -eq $forbidden) { continue }
            foreach ($element in $node.CommandElements) {
                if ($element -isnot [System.Management.Automation.Language.CommandParameterAst]) { continue }
                foreach ($p in $forbidden) {
                    # Parameter names may be abbreviated to any unambiguous prefix.
                    if ($p.StartsWith($element.ParameterName, [StringComparison]::OrdinalIgnoreCase)) { Add-Finding $element.Extent "new-parameter:$name -$p" }
                }
            }
        }
    }
}

ConvertTo-Json -InputObject @($findings.ToArray()) -Depth 4 -Compress
if ($findings.Count -gt 0) { exit 1 }
exit 0
