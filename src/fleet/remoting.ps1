<#
regstate fleet driver. Loaded into the one local PowerShell process after agent.ps1 and
simulated-hive.ps1 (it uses the agent's JSON helpers and its request-chunk buffer). It opens one
PowerShell remoting runspace per host (SSH or WinRM), loads the agent into each once, and then runs
each host's own agent request there, with at most `parallel` hosts in flight. One call per line:

    Invoke-RegstateFleetRequest -RequestBase64 '<base64 of UTF-8 JSON>'

(long requests arrive in chunks through Add-RegstateRequestChunk, as for the agent), and the answer
is one line `REGSTATE:<base64 of UTF-8 JSON>` on stdout, { ok, results, errors } like the agent's.
ASCII only, Windows PowerShell 5.1 syntax (the SSH transport itself needs PowerShell 7).

REQUEST (JSON; every free-text string is base64 of UTF-8, as in the agent's protocol):
  { "op": "open", "parallel": n, "retries": n, "openTimeoutMs": n, "agent": B64 (agent source),
    "agentCode": B64 (the agent's C# source, for Import-RegstateAgentCode),
    "hosts": [ { "id": n, "transport": "ssh"|"winrm", "address": B64, "port": n (0: default),
                 "user": B64|null, "keyFile": B64|null, "useSsl": bool,
                 "credential": "current"|"prompt"|"file", "credentialFile": B64|null,
                 "sshOptions": [ { "name": "StrictHostKeyChecking"|"UserKnownHostsFile", "value": B64 } ] } ] }
  { "op": "call", "parallel": n, "timeoutMs": n, "calls": [ { "id": n, "request": B64 agent request } ] }
  { "op": "close", "ids": [n, ...] }
ANSWER results:
  open:  { "hosts": [ { "id", "ok", "state", "code"?, "reason", "attempts", "ms", "hello": agent answer line|null } ],
           "ssh": [ lines the ssh client processes printed meanwhile ] }
  call:  { "calls": [ { "id", "ok", "answer": agent answer line|null, "state", "reason", "ms" } ], "ssh": [...] }
  close: { "closed": n }
ssh lines: PowerShell's SSH transport prints each line its ssh child writes on stderr with
Console.WriteLine and reports only "The SSH transport process has abruptly terminated" itself; the
driver captures the console during a phase so the real cause ("Connection refused", "Permission
denied (publickey)") reaches the caller, which attributes each line to its host by address and port.
#>

$script:RsFleetHosts = @{}
$script:RsFleetCapture = $null
$script:RsFleetConsole = $null

class RsFleetSshOption { [string]$name; [string]$value }
class RsFleetHostReq {
    [int]$id; [string]$transport; [string]$address; [int]$port; [string]$user; [string]$keyFile
    [bool]$useSsl; [string]$credential; [string]$credentialFile; [RsFleetSshOption[]]$sshOptions
}
# The ssh options a request may set (host key checking); any other name is refused, never passed to ssh.
$script:RsFleetSshOptionNames = @('StrictHostKeyChecking', 'UserKnownHostsFile')
class RsFleetCallReq { [int]$id; [string]$request }
class RsFleetRequest {
    [string]$op; [int]$parallel; [int]$retries; [int]$openTimeoutMs; [int]$timeoutMs; [string]$agent; [string]$agentCode
    [RsFleetHostReq[]]$hosts; [RsFleetCallReq[]]$calls; [int[]]$ids
}

function ConvertFrom-RsFleetText([string]$Text) {
    if ([string]::IsNullOrEmpty($Text)) { return $null }
    return [Regstate.Agent.RsAgent]::FromBase64($Text)
}

# The connection of one host: the same parameters New-PSSession takes (-HostName -Port -UserName
# -KeyFilePath -Options for SSH; -ComputerName -Port -UseSSL -Credential for WinRM).
function New-RsFleetConnectionInfo($Spec, [int]$OpenTimeoutMs) {
    $address = ConvertFrom-RsFleetText $Spec.address
    $user = ConvertFrom-RsFleetText $Spec.user
    if ($Spec.transport -ceq 'ssh') {
        $key = ConvertFrom-RsFleetText $Spec.keyFile
        $port = 22
        if ($Spec.port -gt 0) { $port = $Spec.port }
        # BatchMode: a refused key fails at once instead of prompting; LogLevel ERROR keeps the
        # console to the lines that explain a failure. Host key checking is what the inventory says
        # (nothing given: OpenSSH's own); each option reaches ssh as one argument, never through a shell.
        $options = @{ BatchMode = 'yes'; LogLevel = 'ERROR' }
        foreach ($o in @($Spec.sshOptions)) {
            if ($null -eq $o) { continue }
            if ($script:RsFleetSshOptionNames -cnotcontains $o.name) { throw ([Regstate.Agent.RsAgent]::Error('INTERNAL', "ssh option $($o.name) is not one the driver sets")) }
            $options[$o.name] = ConvertFrom-RsFleetText $o.value
        }
        return [System.Management.Automation.Runspaces.SSHConnectionInfo]::new($user, $address, $key, $port, 'powershell', $OpenTimeoutMs, $options)
    }
    if ($Spec.transport -ceq 'winrm') {
        $credential = $null
        if ($Spec.credential -ceq 'file') {
            $credential = Import-Clixml -LiteralPath (ConvertFrom-RsFleetText $Spec.credentialFile)
            if ($credential -isnot [System.Management.Automation.PSCredential]) { throw ([Regstate.Agent.RsAgent]::Error('HOST_AUTH_FAILED', 'the credential file does not hold a PSCredential (make it with Get-Credential | Export-Clixml)')) }
        } elseif ($Spec.credential -ceq 'prompt') {
            throw ([Regstate.Agent.RsAgent]::Error('HOST_AUTH_FAILED', 'the credential kind prompt needs a terminal: save the credential with Get-Credential | Export-Clixml FILE and use kind file'))
        }
        $port = 5985
        if ($Spec.useSsl) { $port = 5986 }
        if ($Spec.port -gt 0) { $port = $Spec.port }
        $info = New-Object System.Management.Automation.Runspaces.WSManConnectionInfo ($Spec.useSsl, $address, $port, '/wsman', 'http://schemas.microsoft.com/powershell/Microsoft.PowerShell', $credential)
        $info.OpenTimeout = $OpenTimeoutMs
        return $info
    }
    throw ([Regstate.Agent.RsAgent]::Error('INTERNAL', "unknown transport $($Spec.transport)"))
}

function Start-RsFleetCapture {
    $script:RsFleetConsole = [Console]::Out
    $script:RsFleetCapture = New-Object System.IO.StringWriter
    [Console]::SetOut([System.IO.TextWriter]::Synchronized($script:RsFleetCapture))
}

# Lines an ssh child writes may trail its exit a little: wait (bounded) until they stop coming.
function Stop-RsFleetCapture([bool]$Settle) {
    if ($Settle) {
        $last = -1
        for ($i = 0; $i -lt 20; $i++) {
            $now = $script:RsFleetCapture.GetStringBuilder().Length
            if ($now -eq $last) { break }
            $last = $now
            Start-Sleep -Milliseconds 100
        }
    }
    [Console]::SetOut($script:RsFleetConsole)
    $lines = [System.Collections.Generic.List[string]]::new()
    foreach ($line in $script:RsFleetCapture.ToString().Split([char]10)) {
        $t = $line.Trim()
        if ($t.Length -gt 0 -and $lines.Count -lt 500) { $lines.Add($t) }
    }
    return ,$lines.ToArray()
}

function Get-RsFleetReason($Runspace, $Exception) {
    $e = $Exception
    if ($null -eq $e -and $null -ne $Runspace) { $e = $Runspace.RunspaceStateInfo.Reason }
    $messages = [System.Collections.Generic.List[string]]::new()
    while ($null -ne $e) {
        if ($e.Message -and -not $messages.Contains($e.Message)) { $messages.Add($e.Message) }
        $e = $e.InnerException
    }
    return [string]::Join(' / ', $messages.ToArray())
}

function Close-RsFleetHost([int]$Id) {
    $h = $script:RsFleetHosts[$Id]
    if ($null -eq $h) { return }
    $script:RsFleetHosts.Remove($Id)
    try { $h.Runspace.Dispose() } catch { }
}

# ---------------------------------------------------------------- open

function Open-RsFleetHosts($Request) {
    # An ssh child that dies at the wrong moment must fail its own host only, not end this process
    # and every other host's session with it (see RsSshTransportGuard in agent.cs).
    [Regstate.Agent.RsSshTransportGuard]::Install()
    $parallel = [Math]::Max(1, $Request.parallel)
    $retries = [Math]::Max(0, $Request.retries)
    $agent = ConvertFrom-RsFleetText $Request.agent
    $agentCode = [string]$Request.agentCode
    $hello = [Convert]::ToBase64String($script:RsUtf8.GetBytes('{"op":"hello"}'))
    $queue = New-Object System.Collections.Queue
    foreach ($spec in @($Request.hosts)) { $queue.Enqueue(@{ Spec = $spec; Attempts = 0; Clock = [System.Diagnostics.Stopwatch]::StartNew() }) }
    $running = [System.Collections.Generic.List[object]]::new()
    $done = [System.Collections.Generic.List[object]]::new()
    $failed = $false
    Start-RsFleetCapture
    try {
        while ($queue.Count -gt 0 -or $running.Count -gt 0) {
            while ($running.Count -lt $parallel -and $queue.Count -gt 0) {
                $job = $queue.Dequeue()
                $job.Attempts++
                $job.Started = [System.Diagnostics.Stopwatch]::StartNew()
                $job.Ps = $null
                try {
                    $job.Runspace = [runspacefactory]::CreateRunspace((New-RsFleetConnectionInfo $job.Spec $Request.openTimeoutMs))
                    $job.Runspace.OpenAsync()
                    $running.Add($job)
                } catch {
                    $failed = $true
                    $info = Get-RsErrorInfo $_.Exception 'HOST_UNREACHABLE'
                    $done.Add(@{ id = $job.Spec.id; ok = $false; state = 'Failed'; code = $info.code; reason = (Get-RsFleetReason $null $_.Exception); attempts = $job.Attempts; ms = $job.Clock.ElapsedMilliseconds; hello = $null })
                }
            }
            Start-Sleep -Milliseconds 20
            for ($i = $running.Count - 1; $i -ge 0; $i--) {
                $job = $running[$i]
                $rs = $job.Runspace
                $state = [string]$rs.RunspaceStateInfo.State
                $outcome = $null
                if ($null -eq $job.Ps -and $state -eq 'Opened') {
                    # Opened: load the agent and its C# code (our own files, passed as arguments) and say hello, one round trip.
                    $ps = [PowerShell]::Create()
                    $ps.Runspace = $rs
                    [void]$ps.AddScript('param($AgentText, $CodeBase64, $Hello) . ([ScriptBlock]::Create($AgentText)); Import-RegstateAgentCode -SourceBase64 $CodeBase64; Get-RegstateAnswer -RequestBase64 $Hello').AddArgument($agent).AddArgument($agentCode).AddArgument($hello)
                    $job.Ps = $ps
                    $job.Handle = $ps.BeginInvoke()
                } elseif ($null -ne $job.Ps -and $job.Handle.IsCompleted) {
                    try {
                        $out = $job.Ps.EndInvoke($job.Handle)
                        $line = $null
                        foreach ($o in $out) { $line = [string]$o }
                        $outcome = @{ ok = $true; state = 'Opened'; reason = ''; hello = $line }
                    } catch {
                        $outcome = @{ ok = $false; state = [string]$rs.RunspaceStateInfo.State; reason = (Get-RsFleetReason $rs $_.Exception); hello = $null; final = $true }
                    }
                    $job.Ps.Dispose()
                } elseif ($state -eq 'Broken' -or $state -eq 'Closed') {
                    $outcome = @{ ok = $false; state = $state; reason = (Get-RsFleetReason $rs $null); hello = $null }
                } elseif ($job.Started.ElapsedMilliseconds -gt $Request.openTimeoutMs + 5000) {
                    $outcome = @{ ok = $false; state = $state; reason = "no session after $($Request.openTimeoutMs) ms"; hello = $null; final = $true }
                }
                if ($null -eq $outcome) { continue }
                $running.RemoveAt($i)
                if ($outcome.ok) {
                    $script:RsFleetHosts[$job.Spec.id] = @{ Runspace = $rs; Spec = $job.Spec }
                } else {
                    try { $rs.Dispose() } catch { }
                    # A Broken open is retried (busy machines break some opens at random), a bounded number of times.
                    if ($outcome.final -ne $true -and $job.Attempts -le $retries) { $queue.Enqueue($job); continue }
                    $failed = $true
                }
                $done.Add(@{ id = $job.Spec.id; ok = $outcome.ok; state = $outcome.state; reason = $outcome.reason; attempts = $job.Attempts; ms = $job.Clock.ElapsedMilliseconds; hello = $outcome.hello })
            }
        }
    } finally {
        $ssh = Stop-RsFleetCapture $failed
    }
    return @{ ok = $true; results = @{ hosts = $done.ToArray(); ssh = $ssh }; errors = @() }
}

# ---------------------------------------------------------------- call

function Invoke-RsFleetCalls($Request) {
    $parallel = [Math]::Max(1, $Request.parallel)
    $queue = New-Object System.Collections.Queue
    foreach ($c in @($Request.calls)) { $queue.Enqueue($c) }
    $running = [System.Collections.Generic.List[object]]::new()
    $done = [System.Collections.Generic.List[object]]::new()
    $failed = $false
    Start-RsFleetCapture
    try {
        while ($queue.Count -gt 0 -or $running.Count -gt 0) {
            while ($running.Count -lt $parallel -and $queue.Count -gt 0) {
                $c = $queue.Dequeue()
                $h = $script:RsFleetHosts[$c.id]
                if ($null -eq $h) {
                    $done.Add(@{ id = $c.id; ok = $false; answer = $null; state = 'Closed'; reason = 'the host has no open session'; ms = 0 })
                    continue
                }
                $ps = [PowerShell]::Create()
                $ps.Runspace = $h.Runspace
                [void]$ps.AddCommand('Get-RegstateAnswer').AddParameter('RequestBase64', $c.request)
                try {
                    $running.Add(@{ Id = $c.id; Ps = $ps; Handle = $ps.BeginInvoke(); Clock = [System.Diagnostics.Stopwatch]::StartNew(); Runspace = $h.Runspace })
                } catch {
                    $failed = $true
                    $done.Add(@{ id = $c.id; ok = $false; answer = $null; state = [string]$h.Runspace.RunspaceStateInfo.State; reason = (Get-RsFleetReason $h.Runspace $_.Exception); ms = 0 })
                    $ps.Dispose()
                    Close-RsFleetHost $c.id
                }
            }
            $handles = [System.Collections.Generic.List[System.Threading.WaitHandle]]::new()
            foreach ($r in $running) { if ($handles.Count -lt 64) { $handles.Add($r.Handle.AsyncWaitHandle) } }
            if ($handles.Count -gt 0) { [void][System.Threading.WaitHandle]::WaitAny($handles.ToArray(), 50) }
            for ($i = $running.Count - 1; $i -ge 0; $i--) {
                $r = $running[$i]
                $outcome = $null
                if ($r.Handle.IsCompleted) {
                    try {
                        $out = $r.Ps.EndInvoke($r.Handle)
                        $line = $null
                        foreach ($o in $out) { $line = [string]$o }
                        if ($null -eq $line) { throw 'the agent gave no answer' }
                        $outcome = @{ ok = $true; answer = $line; state = 'Opened'; reason = '' }
                    } catch {
                        $outcome = @{ ok = $false; answer = $null; state = [string]$r.Runspace.RunspaceStateInfo.State; reason = (Get-RsFleetReason $r.Runspace $_.Exception) }
                    }
                } elseif ($r.Clock.ElapsedMilliseconds -gt $Request.timeoutMs) {
                    try { [void]$r.Ps.BeginStop($null, $null) } catch { }
                    $outcome = @{ ok = $false; answer = $null; state = [string]$r.Runspace.RunspaceStateInfo.State; reason = "no answer within $($Request.timeoutMs) ms" }
                }
                if ($null -eq $outcome) { continue }
                $running.RemoveAt($i)
                try { $r.Ps.Dispose() } catch { }
                if (-not $outcome.ok) { $failed = $true; Close-RsFleetHost $r.Id }
                $outcome.id = $r.Id
                $outcome.ms = $r.Clock.ElapsedMilliseconds
                $done.Add($outcome)
            }
        }
    } finally {
        $ssh = Stop-RsFleetCapture $failed
    }
    return @{ ok = $true; results = @{ calls = $done.ToArray(); ssh = $ssh }; errors = @() }
}

# ---------------------------------------------------------------- requests

function Invoke-RegstateFleetRequest {
    param([Parameter(Mandatory = $true)][string]$RequestBase64)
    try {
        [void]$script:RsPending.Append($RequestBase64)
        $whole = $script:RsPending.ToString()
        [void]$script:RsPending.Clear()
        $request = ConvertFrom-RsJsonText ($script:RsUtf8.GetString([Convert]::FromBase64String($whole))) ([RsFleetRequest])
        if ($null -eq $request) { throw ([Regstate.Agent.RsAgent]::Error('INTERNAL', 'the request is empty')) }
        switch -CaseSensitive ([string]$request.op) {
            'open' { $answer = Open-RsFleetHosts $request }
            'call' { $answer = Invoke-RsFleetCalls $request }
            'close' {
                $n = 0
                foreach ($id in @($request.ids)) { if ($script:RsFleetHosts.ContainsKey($id)) { Close-RsFleetHost $id; $n++ } }
                $answer = @{ ok = $true; results = @{ closed = $n }; errors = @() }
            }
            default { throw ([Regstate.Agent.RsAgent]::Error('INTERNAL', "unknown fleet request op $($request.op)")) }
        }
        $text = ConvertTo-RsJsonText $answer
    } catch {
        [void]$script:RsPending.Clear()
        $info = Get-RsErrorInfo $_.Exception 'INTERNAL'
        $text = ConvertTo-RsJsonText @{ ok = $false; results = $null; errors = @(@{ code = $info.code; message = $info.message }) }
    }
    [Console]::Out.WriteLine('REGSTATE:' + [Convert]::ToBase64String($script:RsUtf8.GetBytes($text)))
}
