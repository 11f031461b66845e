#!/usr/bin/env bash
# Installs what `npm test` needs into .tools/ (git-ignored), and only what is missing:
#   .tools/pwsh                        PowerShell 7.6.9 for Linux (a .NET tool)
#   wine, osslsigncode                 Debian's packages (apt-get, only when running as root)
#   openssh-server                     Debian's package, for the fleet tests' own sshd (root only)
#   .tools/windows-pwsh/pwsh.exe       a Windows build of PowerShell 7.6.9 (tools/windows-pwsh-host)
#   .tools/windows-pwsh/pwsh-wine      the wrapper regstate runs as `--powershell` (pwsh.exe under wine)
#   .tools/wine-prefix-template/       a booted WINEPREFIX (Windows 10) that tests copy
# Idempotent and fast (well under a second) when everything is there. Exits non-zero with the one
# command to run when it cannot install something itself.
# REGSTATE_SKIP_WINDOWS=1 (never set in CI) leaves out wine and the Windows host.
set -euo pipefail
cd "$(dirname "$0")/.."
tools="$PWD/.tools"
mkdir -p "$tools"

fail() {
  echo "provision-test-tools: $1" >&2
  echo "  run: $2" >&2
  exit 1
}

# PowerShell 7, pinned, as a .NET tool.
if [ ! -x "$tools/pwsh" ]; then
  command -v dotnet >/dev/null 2>&1 || fail "the .NET SDK (dotnet) is needed to install PowerShell 7" "apt-get install -y dotnet-sdk-10.0"
  dotnet tool install --tool-path "$tools" PowerShell --version 7.6.9 >&2
fi

# OpenSSH's server (Debian's openssh-server): the fleet tests and bench run their own sshd on loopback
# (scripts/ssh-fleet.js), never the system's.
if [ ! -x /usr/sbin/sshd ]; then
  [ "$(id -u)" = "0" ] || fail "openssh-server is needed for the fleet tests (PowerShell remoting over SSH)" "sudo apt-get install -y openssh-server"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y openssh-server >&2 || { apt-get update >&2 && apt-get install -y openssh-server >&2; }
fi

if [ "${REGSTATE_SKIP_WINDOWS:-}" = "1" ]; then
  [ -z "${CI:-}" ] || fail "REGSTATE_SKIP_WINDOWS=1 is for contributors without Windows tooling, never for CI" "unset REGSTATE_SKIP_WINDOWS"
  exit 0
fi

# Debian packages: wine 8 (64-bit is enough: the 32-bit registry view works through Wow6432Node;
# installed with its recommended packages, as the tests were run), and osslsigncode, which strips
# node.exe's signature before regstate.exe is injected (scripts/build-exe.js).
missing=""
command -v wine >/dev/null 2>&1 || missing="$missing wine"
command -v osslsigncode >/dev/null 2>&1 || missing="$missing osslsigncode"
if [ -n "$missing" ]; then
  if [ "$(id -u)" != "0" ]; then
    fail "needed to test the Windows layer and regstate.exe:$missing (or set REGSTATE_SKIP_WINDOWS=1)" "sudo apt-get install -y$missing"
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update >&2
  # shellcheck disable=SC2086
  apt-get install -y $missing >&2
fi

# The Windows PowerShell host, rebuilt when its sources change.
host_src="tools/windows-pwsh-host"
host_dir="$tools/windows-pwsh"
stamp="$(cat "$host_src/Program.cs" "$host_src/pwsh-host.csproj" | sha256sum | cut -c1-16)"
if [ "$(cat "$host_dir/.stamp" 2>/dev/null || true)" != "$stamp" ] || [ ! -f "$host_dir/pwsh.exe" ]; then
  command -v dotnet >/dev/null 2>&1 || fail "the .NET SDK (dotnet) is needed to build the Windows PowerShell host" "apt-get install -y dotnet-sdk-10.0"
  echo "provision-test-tools: building the Windows PowerShell host (about a minute)" >&2
  rm -rf "$host_dir"
  dotnet publish "$host_src/pwsh-host.csproj" -c Release -o "$host_dir" --nologo -v quiet >&2
  # pwsh finds its built-in modules (ConvertTo-Json lives in one) only in $PSHOME\Modules.
  cp -r "$host_dir/runtimes/win/lib/net10.0/Modules" "$host_dir/Modules"
  echo "$stamp" >"$host_dir/.stamp"
fi
cat >"$host_dir/pwsh-wine" <<'EOF'
#!/bin/sh
# pwsh.exe (Windows PowerShell 7) under wine, in $WINEPREFIX (default ~/.wine). Made by scripts/provision-test-tools.sh.
WINEDEBUG="${WINEDEBUG:--all}" exec wine "$(dirname "$(readlink -f "$0")")/pwsh.exe" "$@"
EOF
chmod +x "$host_dir/pwsh-wine"

# A booted prefix set to Windows 10 (.NET 10 refuses Wine's default Windows 7); tests copy it.
template="$tools/wine-prefix-template"
if [ ! -f "$template/.regstate-ready" ]; then
  echo "provision-test-tools: creating a wine prefix (about 30 s)" >&2
  rm -rf "$template"
  (
    export WINEPREFIX="$template" WINEDEBUG=-all
    mkdir -p "$template"
    wineserver -p
    # Wine's service processes inherit the stdio of the process that starts them: give them none.
    wine wineboot -i </dev/null >/dev/null 2>&1
    wine winecfg /v win10 </dev/null >/dev/null 2>&1
    wineserver -k || true
    wineserver -w
  )
  touch "$template/.regstate-ready"
fi
