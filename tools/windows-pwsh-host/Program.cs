// pwsh.exe for Wine: the real PowerShell 7 console host (UnmanagedPSEntry), plus a relay.
// Wine gives no console to a process whose stdio are Unix pipes, and ConsoleHost then exits 0 printing
// nothing. So the outer process relaunches itself as a child with CreateNoWindow and redirected stdio,
// and pumps the bytes both ways, flushing on every read.
using System.Diagnostics;

const string ChildMarker = "REGSTATE_PWSH_HOST_CHILD";

if (Environment.GetEnvironmentVariable(ChildMarker) == "1")
{
    return Microsoft.PowerShell.UnmanagedPSEntry.Start(args, args.Length);
}

var start = new ProcessStartInfo(Environment.ProcessPath!)
{
    UseShellExecute = false,
    CreateNoWindow = true,
    RedirectStandardInput = true,
    RedirectStandardOutput = true,
    RedirectStandardError = true,
};
foreach (var arg in args) start.ArgumentList.Add(arg);
start.Environment[ChildMarker] = "1";
// Without it the CLR dies under Wine with "Internal CLR error (0x80131506)".
start.Environment["DOTNET_EnableWriteXorExecute"] = "0";

using var child = Process.Start(start)!;
var stdout = Task.Run(() => Pump(child.StandardOutput.BaseStream, Console.OpenStandardOutput()));
var stderr = Task.Run(() => Pump(child.StandardError.BaseStream, Console.OpenStandardError()));
var stdin = new Thread(() =>
{
    try { Pump(Console.OpenStandardInput(), child.StandardInput.BaseStream); } catch (IOException) { }
    try { child.StandardInput.Close(); } catch (IOException) { }
}) { IsBackground = true };
stdin.Start();

child.WaitForExit();
// Wine 8 sometimes never signals EOF on the child's pipes after it exits: bound the wait for the last bytes.
Task.WaitAll(new[] { stdout, stderr }, TimeSpan.FromSeconds(2));
Console.Out.Flush();
return child.ExitCode;

static void Pump(Stream from, Stream to)
{
    var buffer = new byte[65536];
    int n;
    while ((n = from.Read(buffer, 0, buffer.Length)) > 0)
    {
        to.Write(buffer, 0, n);
        to.Flush();
    }
}
