#!/usr/bin/env bash
# Screenshots of the real FileZilla against `dossierd serve --demo`, for the
# README's FileZilla section. Rerun it after a change to what FileZilla
# shows (tree, refusals, certificate); it rewrites docs/filezilla/*.png.
#
#   docs/filezilla/shoot.sh            # PNGs into docs/filezilla/
#   OUT=/tmp/shots docs/filezilla/shoot.sh
#   KEEP=1 docs/filezilla/shoot.sh     # keep the scratch folder (logs, raw shots)
#
# Needs (Debian 12; FileZilla 3.63 was used for the committed PNGs):
#   apt-get install -y --no-install-recommends filezilla xvfb openbox xdotool x11-utils imagemagick pngquant
# openbox gives the windows their title bars; pngquant is optional (smaller PNGs).
#
# What it does: builds dossierd, starts it with --demo on free ports of
# 127.0.0.1 in a scratch folder, starts Xvfb and openbox, writes a fresh
# HOME with FileZilla's sitemanager.xml (an SFTP site and an FTPS site,
# Force UTF-8) and filezilla.xml (Preserve timestamps), runs
# `filezilla -c "0/<site>"` so it connects at once, answers its dialogs with
# xdotool and takes the pictures with ImageMagick's `import`. Every wait has
# a timeout; the EXIT trap stops, by PID, only the processes started here.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${OUT:-$here}
W=1280 H=800 # screen size; the coordinates below assume FileZilla 3.63's layout at this size

log() { printf 'shoot: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

for tool in go filezilla Xvfb xdotool xwininfo import convert; do
	command -v "$tool" >/dev/null || die "$tool not found: apt-get install -y --no-install-recommends filezilla xvfb openbox xdotool x11-utils imagemagick"
done

T=$(mktemp -d "${TMPDIR:-/tmp}/dossierd-shots.XXXXXX")
pids=() # started here, stopped in reverse order by the trap
cleanup() {
	local rc=$? i
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		kill "${pids[i]}" 2>/dev/null || true
	done
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		# wait at most 5 s for each, then SIGKILL
		for _ in $(seq 50); do kill -0 "${pids[i]}" 2>/dev/null || break; sleep 0.1; done
		kill -9 "${pids[i]}" 2>/dev/null || true
	done
	if [[ $rc -ne 0 || -n ${KEEP:-} ]]; then
		log "scratch folder kept: $T (server.log, filezilla-*.log, raw/)"
	else
		rm -rf "$T"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# until TIMEOUT CMD...: run CMD every 0.2 s until it succeeds, at most TIMEOUT seconds.
until_ok() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" 2>/dev/null; do
		((SECONDS < deadline)) || return 1
		sleep 0.2
	done
}

# A port nobody listens on (checked with ss when present, else by connecting).
in_use() {
	if command -v ss >/dev/null; then
		ss -Hltn "sport = :$1" | grep -q .
	else
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
	fi
}
free_port() { # free_port LOW HIGH
	local p
	for _ in $(seq 200); do
		p=$((RANDOM % ($2 - $1) + $1))
		in_use "$p" || { echo "$p"; return; }
	done
	die "no free port in $1-$2"
}

# --- dossierd --------------------------------------------------------------

log "building dossierd"
(cd "$repo" && go build -o "$T/dossierd" ./cmd/dossierd)

sftp_port=$(free_port 20000 40000)
ftp_port=$(free_port 40000 60000)
while :; do # a passive range of 20 ports above 61000, all free
	pasv=$((RANDOM % 4000 + 61000))
	busy=
	for ((p = pasv; p < pasv + 20; p++)); do in_use "$p" && busy=1 && break; done
	[[ -z $busy ]] && break
done
cat >"$T/dossierd.json" <<EOF
{
  "sftpd": {"bindings": [{"address": "127.0.0.1", "port": $sftp_port}]},
  "ftpd": {
    "bindings": [{"address": "127.0.0.1", "port": $ftp_port, "tls_mode": 1}],
    "passive_port_range": {"start": $pasv, "end": $((pasv + 19))}
  },
  "telemetry": {"bind_address": "127.0.0.1", "bind_port": 0}
}
EOF
log "starting dossierd serve --demo (SFTP $sftp_port, FTPS $ftp_port, passive $pasv-$((pasv + 19)))"
(cd "$T" && exec ./dossierd --config dossierd.json serve --demo >server.log 2>&1) &
pids+=($!)
until_ok 30 grep -q 'msg="dossierd started"' "$T/server.log" || { cat "$T/server.log" >&2; die "dossierd did not start"; }
password=$(awk '$1 == "acme" && $3 == "client" { print $2; exit }' "$T/server.log")
[[ -n $password ]] || die "no demo password for acme in server.log"
hostkey=$(sed -n 's/.*msg="host key".*type=ssh-ed25519 fingerprint=\(SHA256:[^ ]*\).*/\1/p' "$T/server.log")
certfp=$(sed -n 's/.*msg="FTPS certificate".*fingerprint_sha256=\([0-9a-f:]*\).*/\1/p' "$T/server.log")

# count PATTERN: how many lines of the server's log match.
count() { grep -c -e "$1" "$T/server.log" || true; }
at_least() { (($(count "$1") >= $2)); }

# --- X ----------------------------------------------------------------------

d=99 # :99 unless taken
while [[ -e /tmp/.X$d-lock || -e /tmp/.X11-unix/X$d ]]; do
	((d++ < 150)) || die "no free X display"
done
export DISPLAY=:$d
Xvfb "$DISPLAY" -screen 0 "${W}x${H}x24" -nolisten tcp >"$T/xvfb.log" 2>&1 &
pids+=($!)
until_ok 10 xdotool getdisplaygeometry >/dev/null || die "Xvfb $DISPLAY did not start"
if command -v openbox >/dev/null; then
	openbox >"$T/openbox.log" 2>&1 &
	pids+=($!)
	sleep 1
else
	log "openbox not found: windows will have no title bars"
fi

# --- FileZilla's configuration ----------------------------------------------

export HOME=$T/home NO_AT_BRIDGE=1 LANG=C.UTF-8 LC_ALL=C.UTF-8
unset XDG_CONFIG_HOME XDG_DATA_HOME XDG_CACHE_HOME
fzdir=$HOME/.config/filezilla
mkdir -p "$fzdir" "$HOME/Documents" "$T/raw"
printf '%%PDF-1.4\n%% demo\n' >"$HOME/Documents/Convocation Hélène l'été.pdf"
pass64=$(printf %s "$password" | base64)

# Protocol 1 is SFTP, 4 FTP with "Require explicit FTP over TLS"
# (0 would be "Use explicit FTP over TLS if available", 6 plain FTP);
# Logontype 1 is Normal; EncodingType UTF-8 is Charset > Force UTF-8.
site() { # site NAME PROTOCOL PORT
	cat <<EOF
    <Server>
      <Host>127.0.0.1</Host>
      <Port>$3</Port>
      <Protocol>$2</Protocol>
      <Type>0</Type>
      <User>acme</User>
      <Pass encoding="base64">$pass64</Pass>
      <Logontype>1</Logontype>
      <PasvMode>MODE_DEFAULT</PasvMode>
      <EncodingType>UTF-8</EncodingType>
      <BypassProxy>0</BypassProxy>
      <Name>$1</Name>
      <LocalDir>$HOME/Documents</LocalDir>
      <RemoteDir />
      <SyncBrowsing>0</SyncBrowsing>
      <DirectoryComparison>0</DirectoryComparison>
    </Server>
EOF
}
{
	echo '<?xml version="1.0" encoding="UTF-8"?>'
	echo '<FileZilla3 version="3.63.0" platform="*nix">'
	echo '  <Servers>'
	site "dossierd SFTP" 1 "$sftp_port"
	site "dossierd FTPS" 4 "$ftp_port"
	echo '  </Servers>'
	echo '</FileZilla3>'
} >"$fzdir/sitemanager.xml"
# Greeting version and Update Check keep the welcome and update dialogs away;
# the local tree is hidden (it would show this machine's folders).
cat >"$fzdir/filezilla.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<FileZilla3 version="3.63.0" platform="*nix">
  <Settings>
    <Setting name="Preserve timestamps">1</Setting>
    <Setting name="Update Check">0</Setting>
    <Setting name="Greeting version">3.63.0</Setting>
    <Setting name="Window position and size">0 0 0 $W $H</Setting>
    <Setting name="Show Tree Local">0</Setting>
    <Setting name="Local filelist colwidths">300 80 90 130</Setting>
    <Setting name="Remote filelist colwidths">230 75 80 130 80 85</Setting>
  </Settings>
</FileZilla3>
EOF

# --- helpers for the pictures -----------------------------------------------

fzpid=
start_filezilla() { # start_filezilla SITE
	filezilla -c "0/$1" >"$T/filezilla-${1// /-}.log" 2>&1 &
	fzpid=$!
	pids+=("$fzpid")
}
stop_filezilla() {
	xdotool key --clearmodifiers ctrl+q || true
	until_ok 10 sh -c "! kill -0 $fzpid" || kill "$fzpid" 2>/dev/null || true
	until_ok 5 sh -c "! kill -0 $fzpid" || kill -9 "$fzpid" 2>/dev/null || true
}
# window TITLE-REGEX [TIMEOUT]: the id of the visible window whose title matches.
window() {
	local id deadline=$((SECONDS + ${2:-20}))
	while :; do
		id=$(xdotool search --onlyvisible --name "$1" 2>/dev/null | tail -n 1) || true
		[[ -n $id ]] && { echo "$id"; return; }
		((SECONDS < deadline)) || die "no window \"$1\" within ${2:-20} s"
		sleep 0.2
	done
}
# click WINDOW X Y: a left click at X,Y of the window's client area.
click() { xdotool mousemove --window "$1" "$2" "$3" sleep 0.2 click 1; sleep 0.5; }
# shot NAME [WINDOW]: the whole screen, or WINDOW with its frame (title
# bar), into $out/NAME.png. xwininfo, not xdotool getwindowgeometry, which
# counts the frame twice under a reparenting window manager.
shot() {
	local raw=$T/raw/$1.png
	sleep 1 # let GTK finish drawing
	import -window root "$raw"
	if [[ -z ${2:-} ]]; then
		crop_to "$1" "$raw"
		return
	fi
	local info ax ay bx by w h
	info=$(xwininfo -id "$2")
	ax=$(awk '/Absolute upper-left X/ { print $NF }' <<<"$info")
	ay=$(awk '/Absolute upper-left Y/ { print $NF }' <<<"$info")
	bx=$(awk '/Relative upper-left X/ { print $NF }' <<<"$info") # frame's left border
	by=$(awk '/Relative upper-left Y/ { print $NF }' <<<"$info") # frame's title bar
	w=$(awk '/Width:/ { print $NF }' <<<"$info")
	h=$(awk '/Height:/ { print $NF }' <<<"$info")
	crop_to "$1" "$raw" "$((w + 2 * bx))x$((h + by + bx))+$((ax - bx))+$((ay - by))"
}
# crop_to NAME RAW [GEOMETRY [MAXWIDTH]]: RAW, cropped to GEOMETRY and
# scaled down to MAXWIDTH (1000) pixels, into $out/NAME.png.
crop_to() {
	local png=$out/$1.png crop=()
	[[ -n ${3:-} ]] && crop=(-crop "$3" +repage)
	convert "$2" "${crop[@]}" -resize "${4:-1000}x>" -strip "$png"
	if command -v pngquant >/dev/null; then
		pngquant --force --skip-if-larger --quality 60-95 --output "$png" "$png" || true
	fi
	log "wrote $png ($(($(stat -c %s "$png") / 1024)) KB)"
	shots+=("$png")
}
shots=()
mkdir -p "$out"

# --- SFTP -------------------------------------------------------------------

log "FileZilla, site \"dossierd SFTP\""
start_filezilla "dossierd SFTP"
dlg=$(window '^Unknown host key$' 30)
shot sftp-host-key "$dlg"
log "host key the server logged: $hostkey"
xdotool windowactivate --sync "$dlg" key Return # OK, trust for this session only
until_ok 20 at_least 'msg=login .*protocol=SFTP' 1 || die "FileZilla did not log in over SFTP"
main=$(window 'dossierd SFTP - sftp://.*FileZilla$')
top=$(xwininfo -id "$main" | awk '/Absolute upper-left Y/ { print $NF }') # under the title bar, if any
sleep 2 # the listing of /
shot sftp-connected

# Site Manager (first toolbar button): the SFTP site, its Charset tab, the FTPS site.
click "$main" 21 45
sm=$(window '^Site Manager$')
click "$sm" 119 88 # My Sites > dossierd SFTP (dossierd FTPS is above it)
shot sitemanager-sftp "$sm"
click "$sm" 912 24 # Charset tab
shot sitemanager-charset "$sm"
click "$sm" 119 65 # dossierd FTPS
click "$sm" 592 24 # General tab
shot sitemanager-ftps "$sm"
xdotool windowactivate --sync "$sm" key Escape
until_ok 10 sh -c "! xdotool search --onlyvisible --name '^Site Manager$'" || die "Site Manager did not close"

# Into /Mes documents (Remote site box), then upload the refused name:
# select it in the local list and press Enter, which uploads it.
click "$main" 989 235
xdotool key ctrl+a type --delay 20 "/Mes documents"
xdotool key Return
sleep 2
click "$main" 119 316 # the second row, under ".."
xdotool key Return
# FileZilla tries three times (Settings > Connection > Maximum number of retries: 2).
until_ok 30 at_least 'msg=refused .*op=upload' 3 || die "the server refused no upload from FileZilla"
sleep 2
# Make the message log taller: drag the sash under it down.
xdotool mousemove --window "$main" 640 212 mousedown 1 sleep 0.3 mousemove --window "$main" 640 400 \
	sleep 0.3 mousemove --window "$main" 640 540 sleep 0.3 mouseup 1
sleep 1
import -window root "$T/raw/log.png"
crop_to sftp-refused-upload "$T/raw/log.png" "${W}x430+0+$((top + 110))" "$W" # not scaled: the text is the point

# Transfer menu: "Preserve timestamps of transferred files" is ticked.
click "$main" 162 12
sleep 1
import -window root "$T/raw/menu.png"
crop_to transfer-menu "$T/raw/menu.png" "520x182+0+$top"
xdotool key Escape
stop_filezilla

# --- FTPS -------------------------------------------------------------------

log "FileZilla, site \"dossierd FTPS\""
start_filezilla "dossierd FTPS"
dlg=$(window '^Unknown certificate$' 30)
shot ftps-certificate "$dlg"
log "certificate the server logged: $certfp"
xdotool windowactivate --sync "$dlg" key Return
until_ok 20 at_least 'msg=login .*protocol=FTPS' 1 || die "FileZilla did not log in over FTPS"
sleep 2
stop_filezilla

log "done; screenshots:"
printf '  %s\n' "${shots[@]}"
