#!/bin/sh
# Writes configs/examples/agpm-server-snapshot.reg: what `reg export` gives on an AGPM server whose
# notification mail is sent unencrypted (EncryptSmtp 0, no SmtpPort). The values are set with wine's
# reg.exe and exported by it, so the file is a genuine UTF-16LE export with a BOM and CRLF line ends.
# Usage: sh scripts/make-agpm-snapshot.sh   (needs wine)
set -eu
out="$(cd "$(dirname "$0")/.." && pwd)/configs/examples/agpm-server-snapshot.reg"
prefix="$(mktemp -d)"
trap 'rm -rf "$prefix"' EXIT
export WINEPREFIX="$prefix" WINEDEBUG=-all
reg() { wine reg "$@" >/dev/null; }

agpm='HKLM\SOFTWARE\Microsoft\AGPM'
reg add "$agpm" /v EncryptSmtp /t REG_DWORD /d 0 /f
reg add "$agpm" /v SmtpServer /t REG_SZ /d 'mail.contoso.com' /f
reg add "$agpm" /v SmtpFrom /t REG_SZ /d 'agpm@contoso.com' /f
reg add "$agpm" /v Port /t REG_DWORD /d 4600 /f
reg add "$agpm" /v ArchivePath /t REG_EXPAND_SZ /d '%ProgramData%\Microsoft\AGPM' /f
reg add "$agpm" /v ApproverEmails /t REG_MULTI_SZ /d 'gpo-approvers@contoso.com\0gpo-admins@contoso.com' /f
reg add "$agpm" /v LogLevel /t REG_DWORD /d 1 /f
reg add "$agpm\Server" /v ServiceAccount /t REG_SZ /d 'CONTOSO\svc-agpm' /f
reg add "$agpm\Server" /v InstallDate /t REG_QWORD /d 133700000000000000 /f
reg add 'HKLM\SOFTWARE\Contoso\Inventory' /v AssetTag /t REG_SZ /d 'SRV-GPO-01' /f
reg add 'HKLM\SOFTWARE\Contoso\Inventory' /v Role /t REG_SZ /d 'Group Policy management' /f

wine reg export "$agpm" "$prefix/agpm.reg" /y >/dev/null
wine reg export 'HKLM\SOFTWARE\Contoso' "$prefix/contoso.reg" /y >/dev/null
# One file for both keys, as an administrator would merge two exports: the second one without its
# BOM (2 bytes) and its header line and blank line (40 UTF-16 units).
cat "$prefix/agpm.reg" > "$out"
tail -c +83 "$prefix/contoso.reg" >> "$out"
echo "wrote $out"
