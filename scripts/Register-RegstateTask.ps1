#Requires -Version 5.1
<#
.SYNOPSIS
    Registers (or removes) the Windows Scheduled Task that keeps registry values at their
    declared state: `regstate apply --auto-approve` every N minutes, as SYSTEM.

.DESCRIPTION
    The task runs regstate.exe (the single executable, when this script sits beside it or -RegstatePath
    names it), or else
        node "<repo>\bin\regstate.js" apply --auto-approve --report "<ReportPath>" --state-dir "<StateDir>" "<config>"...
    as SYSTEM with highest privileges. A run that is still going when the next one is due makes
    the Task Scheduler skip the next one (MultipleInstances IgnoreNew), and a run is stopped after
    -TimeLimitMinutes. regstate's exit code (0 converged, 1 error before any write, 3 some
    writes failed) shows as the task's last result; the JSON report says what drifted.

    Runs on Windows PowerShell 5.1 and PowerShell 7. With -DefinitionOnly it only prints the task
    definition as JSON (on any OS), without touching the Task Scheduler.

.EXAMPLE
    .\Register-RegstateTask.ps1 -ConfigPath C:\regstate\configs\agpm-email-security.yaml -EveryMinutes 15

.EXAMPLE
    .\Register-RegstateTask.ps1 -ConfigPath C:\regstate\configs\agpm-email-security.yaml -DefinitionOnly

.EXAMPLE
    .\Register-RegstateTask.ps1 -Unregister -WhatIf
#>
[CmdletBinding(SupportsShouldProcess = $true, DefaultParameterSetName = 'Register')]
param(
    # Desired-state files; each must exist. Also accepted as plain arguments after the named ones.
    [Parameter(ParameterSetName = 'Register', Mandatory = $true, Position = 0, ValueFromRemainingArguments = $true)]
    [string[]] $ConfigPath,

    [Parameter(ParameterSetName = 'Register')]
    [ValidateRange(1, 1440)]
    [int] $EveryMinutes = 30,

    [ValidateNotNullOrEmpty()]
    [string] $TaskName = 'regstate',

    # regstate.exe or regstate's bin script (run with node); default: regstate.exe beside this script, else bin\regstate.js of this repository.
    [Parameter(ParameterSetName = 'Register')]
    [string] $RegstatePath,

    # node.exe, when RegstatePath is a .js file; default: node found on PATH now (SYSTEM's PATH may differ).
    [Parameter(ParameterSetName = 'Register')]
    [string] $NodePath,

    # Default: %ProgramData%\regstate\last-report.json
    [Parameter(ParameterSetName = 'Register')]
    [string] $ReportPath,

    # Default: %ProgramData%\regstate
    [Parameter(ParameterSetName = 'Register')]
    [string] $StateDir,

    [Parameter(ParameterSetName = 'Register')]
    [ValidateRange(1, 1440)]
    [int] $TimeLimitMinutes = 15,

    [Parameter(ParameterSetName = 'Unregister', Mandatory = $true)]
    [switch] $Unregister,

    # Print the definition (or what -Unregister would remove) as JSON; change nothing.
    [switch] $DefinitionOnly
)

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

# Quotes one argument so that a program parsing its command line by the Microsoft C runtime rules
# (node.exe does) gets it back unchanged: backslashes double only before a quote or the closing quote.
function ConvertTo-CommandLineArgument {
    param([Parameter(Mandatory = $true)] [AllowEmptyString()] [string] $Value)
    $text = New-Object System.Text.StringBuilder
    [void] $text.Append('"')
    $backslashes = 0
    foreach ($ch in $Value.ToCharArray()) {
        if ($ch -eq '\') {
            $backslashes++
            continue
        }
        if ($ch -eq '"') {
            [void] $text.Append([char] '\', 2 * $backslashes + 1)
        } elseif ($backslashes -gt 0) {
            [void] $text.Append([char] '\', $backslashes)
        }
        [void] $text.Append($ch)
        $backslashes = 0
    }
    if ($backslashes -gt 0) { [void] $text.Append([char] '\', 2 * $backslashes) }
    [void] $text.Append('"')
    return $text.ToString()
}

# The task as data: what to run, when, as whom. Pure, so it can be checked on any OS.
function New-RegstateTaskDefinition {
    param(
        [Parameter(Mandatory = $true)] [string] $TaskName,
        [Parameter(Mandatory = $true)] [string[]] $ConfigPath,
        [Parameter(Mandatory = $true)] [string] $RegstatePath,
        [string] $NodePath,
        [Parameter(Mandatory = $true)] [string] $ReportPath,
        [Parameter(Mandatory = $true)] [string] $StateDir,
        [Parameter(Mandatory = $true)] [int] $EveryMinutes,
        [Parameter(Mandatory = $true)] [int] $TimeLimitMinutes
    )
    $arguments = New-Object System.Collections.Generic.List[string]
    if ($RegstatePath -match '\.[cm]?js$') {
        $execute = $NodePath
        $arguments.Add((ConvertTo-CommandLineArgument $RegstatePath))
    } else {
        $execute = $RegstatePath
    }
    $arguments.Add('apply')
    $arguments.Add('--auto-approve')
    $arguments.Add('--report')
    $arguments.Add((ConvertTo-CommandLineArgument $ReportPath))
    $arguments.Add('--state-dir')
    $arguments.Add((ConvertTo-CommandLineArgument $StateDir))
    foreach ($config in $ConfigPath) { $arguments.Add((ConvertTo-CommandLineArgument $config)) }

    [pscustomobject] @{
        Action             = 'Register'
        TaskName           = $TaskName
        TaskPath           = '\'
        Description        = 'Keeps registry values at the state declared in ' + ($ConfigPath -join ', ') + ' (regstate apply).'
        Execute            = $execute
        Arguments          = $arguments -join ' '
        WorkingDirectory   = [System.IO.Path]::GetDirectoryName($RegstatePath)
        EveryMinutes       = $EveryMinutes
        RepetitionInterval = 'PT' + $EveryMinutes + 'M'
        Principal          = [pscustomobject] @{ UserId = 'SYSTEM'; LogonType = 'ServiceAccount'; RunLevel = 'Highest' }
        Settings           = [pscustomobject] @{
            MultipleInstances          = 'IgnoreNew'
            ExecutionTimeLimit         = 'PT' + $TimeLimitMinutes + 'M'
            StartWhenAvailable         = $true
            AllowStartIfOnBatteries    = $true
            DontStopIfGoingOnBatteries = $true
        }
        ConfigPath         = $ConfigPath
        ReportPath         = $ReportPath
        StateDir           = $StateDir
    }
}

# The thin Windows-only layer: turns the definition into ScheduledTasks objects and registers it.
function Register-RegstateTaskDefinition {
    param([Parameter(Mandatory = $true)] $Definition)
    $action = New-ScheduledTaskAction -Execute $Definition.Execute -Argument $Definition.Arguments -WorkingDirectory $Definition.WorkingDirectory
    $trigger = New-ScheduledTaskTrigger -Once -At ((Get-Date).AddMinutes(1)) -RepetitionInterval (New-TimeSpan -Minutes $Definition.EveryMinutes)
    $principal = New-ScheduledTaskPrincipal -UserId $Definition.Principal.UserId -LogonType ServiceAccount -RunLevel Highest
    $settings = New-ScheduledTaskSettingsSet -MultipleInstances IgnoreNew -ExecutionTimeLimit ([System.Xml.XmlConvert]::ToTimeSpan($Definition.Settings.ExecutionTimeLimit)) -StartWhenAvailable -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries
    Register-ScheduledTask -TaskName $Definition.TaskName -TaskPath $Definition.TaskPath -Description $Definition.Description -Action $action -Trigger $trigger -Principal $principal -Settings $settings -Force
}

function Exit-WithMessage {
    param([string] $Message)
    [Console]::Error.WriteLine('Register-RegstateTask: ' + $Message)
    exit 1
}

function Test-ScheduledTasksAvailable {
    if ([System.Environment]::OSVersion.Platform -ne [System.PlatformID]::Win32NT) { return $false }
    return $null -ne (Get-Command Register-ScheduledTask -ErrorAction SilentlyContinue)
}

# A Windows absolute path is kept as given (so a definition for Windows can be built anywhere);
# anything else is made absolute against the current location.
function Resolve-FullPath {
    param([string] $Path)
    if ($Path -match '^([A-Za-z]:\\|\\\\)') { return $Path }
    return $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Path)
}

$needsWindows = 'needs Windows with the ScheduledTasks module (this is ' + [System.Environment]::OSVersion.VersionString + '); use -DefinitionOnly to see the task definition'

try {
    if ($PSCmdlet.ParameterSetName -eq 'Unregister') {
        if ($DefinitionOnly) {
            [pscustomobject] @{ Action = 'Unregister'; TaskName = $TaskName; TaskPath = '\' } | ConvertTo-Json
            exit 0
        }
        if (-not (Test-ScheduledTasksAvailable)) { Exit-WithMessage ('-Unregister ' + $needsWindows) }
        $existing = Get-ScheduledTask -TaskName $TaskName -TaskPath '\' -ErrorAction SilentlyContinue
        if ($null -eq $existing) {
            Write-Warning ('no scheduled task \' + $TaskName + ' to unregister')
            exit 0
        }
        if ($PSCmdlet.ShouldProcess('scheduled task \' + $TaskName, 'Unregister')) {
            Unregister-ScheduledTask -TaskName $TaskName -TaskPath '\' -Confirm:$false
        }
        exit 0
    }

    # The task runs elsewhere (as SYSTEM, in another folder): every path must be absolute and exist now.
    $configs = @()
    foreach ($path in $ConfigPath) {
        if ([string]::IsNullOrWhiteSpace($path)) { Exit-WithMessage 'a config path is empty' }
        $full = Resolve-FullPath $path
        if (-not (Test-Path -LiteralPath $full -PathType Leaf)) { Exit-WithMessage ('config file not found: ' + $full) }
        $configs += $full
    }
    if ([string]::IsNullOrEmpty($RegstatePath)) {
        # Beside regstate.exe (the single executable ships this script next to it), else in a clone or npm install.
        $RegstatePath = [System.IO.Path]::Combine($PSScriptRoot, 'regstate.exe')
        if (-not (Test-Path -LiteralPath $RegstatePath -PathType Leaf)) {
            $RegstatePath = [System.IO.Path]::Combine((Split-Path -Parent $PSScriptRoot), 'bin', 'regstate.js')
        }
    } else {
        $RegstatePath = Resolve-FullPath $RegstatePath
    }
    if (-not (Test-Path -LiteralPath $RegstatePath -PathType Leaf)) { Exit-WithMessage ('regstate not found: ' + $RegstatePath) }
    if ($RegstatePath -match '\.[cm]?js$') {
        if ([string]::IsNullOrEmpty($NodePath)) {
            $node = Get-Command node -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
            if ($null -eq $node) { Exit-WithMessage 'node was not found on PATH; pass -NodePath' }
            $NodePath = $node.Path
        } else {
            $NodePath = Resolve-FullPath $NodePath
            if (-not (Test-Path -LiteralPath $NodePath -PathType Leaf)) { Exit-WithMessage ('node not found: ' + $NodePath) }
        }
    }
    $programData = $env:ProgramData
    if ([string]::IsNullOrEmpty($programData)) { $programData = 'C:\ProgramData' }
    if ([string]::IsNullOrEmpty($StateDir)) { $StateDir = $programData + '\regstate' } else { $StateDir = Resolve-FullPath $StateDir }
    if ([string]::IsNullOrEmpty($ReportPath)) { $ReportPath = $programData + '\regstate\last-report.json' } else { $ReportPath = Resolve-FullPath $ReportPath }

    $definition = New-RegstateTaskDefinition -TaskName $TaskName -ConfigPath $configs -RegstatePath $RegstatePath -NodePath $NodePath `
        -ReportPath $ReportPath -StateDir $StateDir -EveryMinutes $EveryMinutes -TimeLimitMinutes $TimeLimitMinutes
    if ($DefinitionOnly) {
        $definition | ConvertTo-Json -Depth 5
        exit 0
    }
    if (-not (Test-ScheduledTasksAvailable)) { Exit-WithMessage ('registering a scheduled task ' + $needsWindows) }
    if ($PSCmdlet.ShouldProcess('scheduled task \' + $TaskName + ': ' + $definition.Execute + ' ' + $definition.Arguments, 'Register')) {
        Register-RegstateTaskDefinition -Definition $definition | Out-Null
        Write-Output ('registered scheduled task \' + $TaskName + ', every ' + $EveryMinutes + ' minutes as SYSTEM')
    }
    exit 0
} catch {
    Exit-WithMessage $_.Exception.Message
}
