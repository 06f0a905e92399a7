#!/usr/bin/env bash
# bench/run.sh — dossierd side by side with OpenSSH (internal-sftp, chrooted)
# and vsftpd (chrooted local user, explicit TLS), driven by the real clients
# (OpenSSH sftp -b + sshpass, curl, lftp), on loopback, storage on tmpfs.
#
#   bench/run.sh              full run (issue 7 sizes, 3 runs each, peers;
#                             needs root): prints the report and writes
#                             bench/RESULTS.md
#   bench/run.sh --quick      tiny sizes, 1 run, dossierd only, a few
#                             seconds; every transferred file still checked;
#                             exits non-zero on any failure (.ci/run)
#   bench/run.sh --profile    dossierd only, full sizes, 1 run of the hot
#                             workloads under `perf record`; writes
#                             bench/PROFILE.md
#
# Sizes and choices (environment; defaults full / quick):
#   BENCH_BIG_MB=1024/1  BENCH_SMALL_FILES=500/10  BENCH_SMALL_KB=200/200
#   BENCH_LOGINS=30/3  BENCH_LIST_FILES=20/5  BENCH_CLIENTS=50/3
#   BENCH_CLIENT_FILES=20/5  BENCH_RUNS=3/1  BENCH_IDLE_CONNS=50/3
#   BENCH_PEERS=1/0           0: dossierd only
#   BENCH_WORKLOADS=id,id     only these (ids: see WORKLOADS below)
#   BENCH_SFTP_CIPHER=...     force an SSH cipher (sftp -c) on every server
#                             (default: the client's choice, chacha20-poly1305)
#   BENCH_SSH_KEX=...         SSH key exchange for every server (default
#                             curve25519-sha256, which both servers have;
#                             "" = the client's choice, which differs: OpenSSH
#                             9.2 picks the costlier sntrup761x25519)
#   BENCH_CURL_TLS="..."      curl options for FTPS (default: TLS 1.3 with
#                             TLS_AES_128_GCM_SHA256 for both servers, as
#                             vsftpd otherwise picks AES-256)
#   BENCH_CIPHER_SWEEP="c .." SFTP 1 GiB put/get again with each of these
#                             ciphers (full and profile: "aes128-gcm@openssh.com
#                             aes128-ctr"; quick: none)
#   BENCH_OUT=FILE            where the report goes (full: bench/RESULTS.md,
#                             quick: nowhere but stdout)
#   BENCH_SHM=/dev/shm        the tmpfs holding every server's storage
#   BENCH_PASV_PORTS=100      size of dossierd's passive port range, from
#                             61000 (vsftpd gets 62001-62100: 100 ports too)
#   BENCH_DOSSIERD_ENV="K=V .." environment of dossierd serve, e.g. "GOGC=400
#                             GOMEMLIMIT=64MiB" to try runtime settings
#   BENCH_DOSSIERD_BIN=PATH   bench this dossierd binary instead of building
#                             the work tree (to compare a change)
#   BENCH_EVENTS=1/1          0: skip the webhooks' benchmark (bench/events,
#                             its own server; full: writes
#                             bench/RESULTS-events.md, or BENCH_EVENTS_OUT)
#   BENCH_HOLD=SECONDS        debugging: keep the servers up that long after
#                             setting up, printing their ports and passwords
#
# It creates (and its EXIT trap removes): a temp dir (configs, keys, logs,
# the binaries), a dir on the tmpfs (storage of all servers, client files),
# and with peers: local users benchssh and benchftp, /etc/pam.d/dossierd-bench
# (vsftpd's PAM service), /run/dossierd-bench.* (a root-owned path to the
# sshd chroot: sshd refuses a chroot under the world-writable /dev/shm, and
# checks the path it is given, so a symlink from a root-owned folder to the
# tmpfs passes), and /run/sshd if absent. It stops only the processes it
# started, by PID. See bench/README.md.
set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
MODE=full
for a in "$@"; do
	case $a in
	--quick) MODE=quick ;;
	--profile) MODE=profile ;;
	-h | --help)
		sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "run.sh: unknown argument $a (see --help)" >&2
		exit 2
		;;
	esac
done

if [ $MODE = quick ]; then
	d=(1 10 200 3 5 3 5 1 3 0)
else
	d=(1024 500 200 30 20 50 20 3 50 1)
fi
BIG_MB=${BENCH_BIG_MB:-${d[0]}}
SMALL_FILES=${BENCH_SMALL_FILES:-${d[1]}}
SMALL_KB=${BENCH_SMALL_KB:-${d[2]}}
LOGINS=${BENCH_LOGINS:-${d[3]}}
LIST_FILES=${BENCH_LIST_FILES:-${d[4]}}
CLIENTS=${BENCH_CLIENTS:-${d[5]}}
CLIENT_FILES=${BENCH_CLIENT_FILES:-${d[6]}}
RUNS=${BENCH_RUNS:-${d[7]}}
IDLE_CONNS=${BENCH_IDLE_CONNS:-${d[8]}}
PEERS=${BENCH_PEERS:-${d[9]}}
SFTP_CIPHER=${BENCH_SFTP_CIPHER:-}
SSH_KEX=${BENCH_SSH_KEX-curve25519-sha256}
read -r -a CURL_TLS_EXTRA <<<"${BENCH_CURL_TLS---tls13-ciphers TLS_AES_128_GCM_SHA256}"
CIPHER_SWEEP=""
[ $MODE = quick ] || CIPHER_SWEEP="aes128-gcm@openssh.com aes128-ctr"
CIPHER_SWEEP=${BENCH_CIPHER_SWEEP-$CIPHER_SWEEP}
SHM_BASE=${BENCH_SHM:-/dev/shm}
PASV_PORTS=${BENCH_PASV_PORTS:-100}
if [ $MODE = profile ]; then
	PEERS=0
	RUNS=1
	WANT=${BENCH_WORKLOADS:-sftp-put-big,sftp-get-big,sftp-put-small,sftp-get-small,sftp-login,sftp-concurrent,ftp-get-big,ftps-put-big,ftps-get-big,lftp-mirror-down,lftp-mirror-up,ftp-concurrent}
	OUT=${BENCH_OUT:-$HERE/PROFILE.md}
else
	WANT=${BENCH_WORKLOADS:-all}
	if [ $MODE = full ]; then OUT=${BENCH_OUT:-$HERE/RESULTS.md}; else OUT=${BENCH_OUT:-}; fi
fi
for v in PASV_PORTS BIG_MB SMALL_FILES SMALL_KB LOGINS LIST_FILES CLIENTS CLIENT_FILES RUNS IDLE_CONNS; do
	[[ ${!v} =~ ^[0-9]+$ ]] && [ "${!v}" -ge 1 ] || { echo "run.sh: BENCH_$v must be a positive integer" >&2; exit 2; }
done
[ "$PASV_PORTS" -le 1000 ] || { echo "run.sh: BENCH_PASV_PORTS: at most 1000 (61000-61999)" >&2; exit 2; }
[ "$SMALL_FILES" -le 9999 ] && [ "$LIST_FILES" -le 9999 ] || { echo "run.sh: at most 9999 small/list files" >&2; exit 2; }
[ "$CLIENT_FILES" -le "$SMALL_FILES" ] || { echo "run.sh: BENCH_CLIENT_FILES must not exceed BENCH_SMALL_FILES" >&2; exit 2; }

# Timeouts (seconds): generous, only there so that nothing hangs forever.
TMO_BIG=$((120 + BIG_MB / 2))
TMO_DIR=$((120 + SMALL_FILES * SMALL_KB / 512))
TMO_LOGIN=30
TMO_CONC=$((180 + CLIENTS * CLIENT_FILES * SMALL_KB / 2048))

log() { printf '%s\n' "$*" >&2; }
fail() {
	log "run.sh: FAILED: $*"
	exit 1
}
need() { command -v "$1" >/dev/null 2>&1 || fail "$1 is missing (${2:-apt-get install $1})"; }
for c in go sftp ssh sshpass curl lftp cmp diff timeout openssl awk split; do need "$c"; done
if [ $MODE = profile ]; then need perf "apt-get install linux-perf"; fi

# ---------------------------------------------------------------- cleanup
TMP=""
SHM=""
LINKDIR=""
PAM_FILE=""
CREATED_USERS=()
CREATED_RUN_SSHD=0
D_PID=""
SSHD_PID=""
VSFTPD_PID=""
WPID=""
PERF_PID=""
CLIENT_PIDS=()

descendants() { # PID: its descendants, deepest last
	local kids k
	kids=$(ps -o pid= --ppid "$1" 2>/dev/null || true)
	for k in $kids; do
		echo "$k"
		descendants "$k"
	done
}
stop_pid() { # PID [tree]: TERM (with its descendants), wait up to 10 s, then KILL
	local pid=$1 all=() i
	[ -n "$pid" ] || return 0
	kill -0 "$pid" 2>/dev/null || return 0
	if [ "${2:-}" = tree ]; then mapfile -t all < <(descendants "$pid"); fi
	kill -TERM "$pid" "${all[@]}" 2>/dev/null || true
	for i in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" "${all[@]}" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}
cleanup() {
	local rc=$?
	set +e
	trap - EXIT INT TERM
	for p in "${CLIENT_PIDS[@]}"; do kill -TERM "$p" $(descendants "$p") 2>/dev/null; done
	stop_pid "$PERF_PID"
	stop_pid "$WPID"
	stop_pid "$VSFTPD_PID" tree
	stop_pid "$SSHD_PID" tree
	stop_pid "$D_PID" tree
	for u in "${CREATED_USERS[@]}"; do
		userdel "$u" 2>/dev/null || log "run.sh: could not remove user $u"
	done
	[ -n "$PAM_FILE" ] && rm -f "$PAM_FILE"
	[ "$CREATED_RUN_SSHD" = 1 ] && rmdir /run/sshd 2>/dev/null
	[ -n "$LINKDIR" ] && rm -rf "$LINKDIR"
	[ -n "$SHM" ] && rm -rf "$SHM"
	[ -n "$TMP" ] && rm -rf "$TMP"
	if [ $rc -ne 0 ]; then log "run.sh: exit $rc (cleaned up)"; fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

TMP=$(mktemp -d "${TMPDIR:-/tmp}/dossierd-bench.XXXXXX")
SHM=$(mktemp -d "$SHM_BASE/dossierd-bench.XXXXXX")
chmod 755 "$SHM"
SRC=$SHM/client/src
DL=$SHM/client/dl
mkdir -p "$SRC/small" "$SRC/list" "$DL" "$TMP/batch"
CLIENT_LOG=$TMP/client.log
RES=$TMP/results.tsv
: >"$RES"
HZ=$(getconf CLK_TCK)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
PW_D=$(openssl rand -hex 12)
PW_P=$(openssl rand -hex 12)

# ---------------------------------------------------------------- build
log "== building dossierd and benchtool"
if [ -n "${BENCH_DOSSIERD_BIN:-}" ]; then # compare another build
	[ -x "$BENCH_DOSSIERD_BIN" ] || fail "BENCH_DOSSIERD_BIN=$BENCH_DOSSIERD_BIN is not executable"
	mkdir -p "$TMP/bin"
	cp "$BENCH_DOSSIERD_BIN" "$TMP/bin/dossierd"
	(cd "$REPO" && go build -o "$TMP/bin/benchtool" ./bench/benchtool) || fail "go build"
else
	(cd "$REPO" && go build -o "$TMP/bin/dossierd" ./cmd/dossierd && go build -o "$TMP/bin/benchtool" ./bench/benchtool) ||
		fail "go build"
fi
(cd "$REPO" && go build -o "$TMP/bin/benchevents" ./bench/events) || fail "go build ./bench/events"
BT=$TMP/bin/benchtool
mapfile -t ports < <("$BT" freeport -n 5)
[ ${#ports[@]} -eq 5 ] || fail "benchtool freeport"
P_D_SFTP=${ports[0]} P_D_FTP=${ports[1]} P_SSH=${ports[2]} P_VSFTPD=${ports[3]} P_D_WEB=${ports[4]}

wait_port() { # PORT PID NAME: until it accepts (30 s)
	local i
	for i in $(seq 1 300); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# ---------------------------------------------------------------- data
log "== generating data on $SHM ($BIG_MB MiB file, $SMALL_FILES x $SMALL_KB KiB, $LIST_FILES to list)"
head -c $((BIG_MB * 1048576)) /dev/urandom >"$SRC/big"
head -c $((SMALL_FILES * SMALL_KB * 1024)) /dev/urandom |
	split -b $((SMALL_KB * 1024)) -d -a 4 --additional-suffix=.bin - "$SRC/small/f"
head -c $((LIST_FILES * 1024)) /dev/urandom | split -b 1024 -d -a 4 --additional-suffix=.bin - "$SRC/list/l"
[ "$(ls "$SRC/small" | wc -l)" -eq "$SMALL_FILES" ] || fail "generating the small files"
mapfile -t SMALL_NAMES < <(ls "$SRC/small")

seed() { # DIR OWNER: the server-side copies workloads download
	mkdir -p "$1"
	cp "$SRC/big" "$1/big"
	cp -r "$SRC/small" "$1/small"
	cp -r "$SRC/list" "$1/list"
	chown -R "$2" "$1"
}

# ---------------------------------------------------------------- dossierd
D_ROOT=$SHM/root
D_DIR=$D_ROOT/bench
mkdir -p "$D_ROOT" "$TMP/dossierd"
GODEBUG_SERVE=""
[ $MODE = profile ] && GODEBUG_SERVE=gctrace=1
cat >"$TMP/dossierd/sftpgo.json" <<EOF
{
  "common": {"max_per_host_connections": 0, "max_total_connections": 0, "max_sessions": 0, "grace_time": 2,
             "defender": {"enabled": false}},
  "sftpd": {"bindings": [{"address": "127.0.0.1", "port": $P_D_SFTP}],
            "host_keys": ["$TMP/dossierd/id_ed25519"]},
  "ftpd": {"bindings": [{"address": "127.0.0.1", "port": $P_D_FTP, "tls_mode": 0}],
           "passive_port_range": {"start": 61000, "end": $((61000 + PASV_PORTS - 1))},
           "certificate_file": "$TMP/dossierd/ftpd.crt", "certificate_key_file": "$TMP/dossierd/ftpd.key"},
  "httpd": {"bindings": [{"address": "127.0.0.1", "port": $P_D_WEB}]},
  "data_provider": {"driver": "sqlite", "name": "$TMP/dossierd/dossierd.db"},
  "storage": {"root": "$D_ROOT"}
}
EOF
DCFG=$TMP/dossierd/sftpgo.json
"$TMP/bin/dossierd" --config "$DCFG" account add bench --role staff --password "$PW_D" >>"$TMP/dossierd.log" 2>&1 ||
	fail "dossierd account add (see the log above)"
seed "$D_DIR" root
log "== starting dossierd (SFTP $P_D_SFTP, FTP $P_D_FTP, web $P_D_WEB)"
read -r -a D_ENV <<<"${BENCH_DOSSIERD_ENV:-}"
env GODEBUG="$GODEBUG_SERVE" "${D_ENV[@]}" "$TMP/bin/dossierd" --config "$DCFG" serve >>"$TMP/dossierd.log" 2>&1 &
D_PID=$!
wait_port "$P_D_SFTP" "$D_PID" || { cat "$TMP/dossierd.log" >&2; fail "dossierd does not serve SFTP"; }
FTP_OK=1
if ! wait_port "$P_D_FTP" "$D_PID"; then
	kill -0 "$D_PID" 2>/dev/null || { cat "$TMP/dossierd.log" >&2; fail "dossierd died"; }
	FTP_OK=0
	log "run.sh: dossierd does not serve FTP on $P_D_FTP (ftpd not finished?): FTP workloads SKIPPED"
fi
wait_port "$P_D_WEB" "$D_PID" || { cat "$TMP/dossierd.log" >&2; fail "dossierd does not serve the web on $P_D_WEB"; }

# ---------------------------------------------------------------- peers
SSH_DIR=$SHM/sshroot/bench
FTP_DIR=$SHM/ftproot/bench
setup_peers() {
	[ "$(id -u)" = 0 ] || fail "the peers need root (local users, chroots); run as root, or BENCH_PEERS=0 / --quick"
	if [ ! -x /usr/sbin/sshd ] || [ ! -x /usr/sbin/vsftpd ]; then
		log "== installing openssh-server vsftpd (apt-get)"
		DEBIAN_FRONTEND=noninteractive apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssh-server vsftpd >/dev/null
	fi
	local u
	for u in benchssh benchftp; do
		! id "$u" >/dev/null 2>&1 || fail "user $u already exists (left by an interrupted run?); remove it: userdel $u"
	done
	useradd -M -d /bench -s /usr/sbin/nologin -c "dossierd bench (temporary)" benchssh
	CREATED_USERS+=(benchssh)
	useradd -M -d "$SHM/ftproot" -s /usr/sbin/nologin -c "dossierd bench (temporary)" benchftp
	CREATED_USERS+=(benchftp)
	printf 'benchssh:%s\nbenchftp:%s\n' "$PW_P" "$PW_P" | chpasswd
	PEER_HASH=$(getent shadow benchssh | cut -d: -f2 | cut -d'$' -f2)
	case $PEER_HASH in y) PEER_HASH=yescrypt ;; 6) PEER_HASH=sha512crypt ;; esac

	mkdir -p "$SHM/sshroot" "$SHM/ftproot"
	chmod 755 "$SHM/sshroot" "$SHM/ftproot"
	seed "$SSH_DIR" benchssh
	seed "$FTP_DIR" benchftp
	# sshd checks that every component of ChrootDirectory is root-owned and
	# not group/world-writable: /dev/shm (1777) is not, a root-owned folder
	# holding a symlink to the tmpfs is.
	local st
	st=$(stat -c '%u %a' /run)
	[ "${st%% *}" = 0 ] && [ $((0${st#* } & 022)) = 0 ] || fail "/run is not root-owned 755: no place for the sshd chroot link"
	LINKDIR=$(mktemp -d /run/dossierd-bench.XXXXXX)
	chmod 755 "$LINKDIR"
	ln -s "$SHM/sshroot" "$LINKDIR/sshroot"
	if [ ! -d /run/sshd ]; then
		mkdir -m 755 /run/sshd
		CREATED_RUN_SSHD=1
	fi

	mkdir -p "$TMP/sshd"
	ssh-keygen -q -t ed25519 -N '' -f "$TMP/sshd/host_ed25519" >/dev/null
	cat >"$TMP/sshd/sshd_config" <<EOF
# dossierd bench: a second sshd, only on loopback, only for benchssh.
Port $P_SSH
ListenAddress 127.0.0.1
HostKey $TMP/sshd/host_ed25519
PidFile $TMP/sshd/sshd.pid
AllowUsers benchssh
PermitRootLogin no
PasswordAuthentication yes
KbdInteractiveAuthentication no
PubkeyAuthentication no
UsePAM no
UseDNS no
# 50 concurrent clients: OpenSSH's default MaxStartups 10:30:100 drops
# connections beyond 10 unauthenticated ones.
MaxStartups 200
Subsystem sftp internal-sftp
Match User benchssh
	ChrootDirectory $LINKDIR/sshroot
	ForceCommand internal-sftp
	AllowTcpForwarding no
	X11Forwarding no
EOF
	/usr/sbin/sshd -t -f "$TMP/sshd/sshd_config" || fail "sshd -t rejects $TMP/sshd/sshd_config"
	log "== starting sshd (port $P_SSH, internal-sftp, chroot $SHM/sshroot)"
	# Under benchtool reaper: see "How the figures are taken".
	"$BT" reaper -- /usr/sbin/sshd -f "$TMP/sshd/sshd_config" -D -e >>"$TMP/sshd.log" 2>&1 &
	SSHD_PID=$!
	wait_port "$P_SSH" "$SSHD_PID" || { cat "$TMP/sshd.log" >&2; fail "sshd does not start"; }

	mkdir -p "$TMP/vsftpd"
	# Same key type as dossierd's self-signed certificate (ECDSA P-256).
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj /CN=127.0.0.1 -keyout "$TMP/vsftpd/key.pem" -out "$TMP/vsftpd/cert.pem" 2>/dev/null
	# Debian's /etc/pam.d/vsftpd requires a shell listed in /etc/shells
	# (pam_shells); the bench user has none, so vsftpd gets its own service:
	# the password from /etc/shadow, nothing else.
	[ ! -e /etc/pam.d/dossierd-bench ] || fail "/etc/pam.d/dossierd-bench exists (left by an interrupted run?); remove it"
	PAM_FILE=/etc/pam.d/dossierd-bench
	printf '%s\n' "# dossierd bench (temporary, removed by bench/run.sh)" \
		"auth required pam_unix.so" "account required pam_unix.so" "session required pam_unix.so" >"$PAM_FILE"
	[ -d /var/run/vsftpd/empty ] || fail "/var/run/vsftpd/empty missing (vsftpd package incomplete?)"
	cat >"$TMP/vsftpd/vsftpd.conf" <<EOF
listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port=$P_VSFTPD
background=NO
anonymous_enable=NO
local_enable=YES
write_enable=YES
local_umask=022
chroot_local_user=YES
local_root=$SHM/ftproot
userlist_enable=NO
pam_service_name=dossierd-bench
secure_chroot_dir=/var/run/vsftpd/empty
pasv_enable=YES
pasv_min_port=62001
pasv_max_port=62100
max_clients=0
max_per_ip=0
xferlog_enable=YES
xferlog_file=$TMP/vsftpd/xfer.log
vsftpd_log_file=$TMP/vsftpd/vsftpd.log
ssl_enable=YES
rsa_cert_file=$TMP/vsftpd/cert.pem
rsa_private_key_file=$TMP/vsftpd/key.pem
allow_anon_ssl=NO
force_local_logins_ssl=NO
force_local_data_ssl=NO
require_ssl_reuse=NO
ssl_ciphers=HIGH
EOF
	log "== starting vsftpd (port $P_VSFTPD, chroot $SHM/ftproot)"
	"$BT" reaper -- /usr/sbin/vsftpd "$TMP/vsftpd/vsftpd.conf" >>"$TMP/vsftpd.log" 2>&1 &
	VSFTPD_PID=$!
	wait_port "$P_VSFTPD" "$VSFTPD_PID" || { cat "$TMP/vsftpd.log" >&2; fail "vsftpd does not start"; }
}
PEER_HASH=""
[ "$PEERS" = 1 ] && setup_peers

# ---------------------------------------------------------------- clients
# use PROTO SERVER: the globals the workloads use (PORT USER PW DIR PID TREE)
use() {
	case $1-$2 in
	sftp-d) PORT=$P_D_SFTP USER_=bench PW=$PW_D DIR=$D_DIR PID=$D_PID TREE=-hwm ;;
	ftp-d) PORT=$P_D_FTP USER_=bench PW=$PW_D DIR=$D_DIR PID=$D_PID TREE=-hwm ;;
	web-d) PORT=$P_D_WEB USER_=bench PW=$PW_D DIR=$D_DIR PID=$D_PID TREE=-hwm ;;
	sftp-p) PORT=$P_SSH USER_=benchssh PW=$PW_P DIR=$SSH_DIR PID=$SSHD_PID TREE=-reaper ;;
	ftp-p) PORT=$P_VSFTPD USER_=benchftp PW=$PW_P DIR=$FTP_DIR PID=$VSFTPD_PID TREE=-reaper ;;
	esac
}
SSH_OPTS=(-F /dev/null -o BatchMode=no -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o LogLevel=ERROR -o ConnectTimeout=10 -o PreferredAuthentications=password -o PubkeyAuthentication=no
	-o NumberOfPasswordPrompts=1)
[ -n "$SSH_KEX" ] && SSH_OPTS+=(-o "KexAlgorithms=$SSH_KEX")
SSH_OPTS_BASE=("${SSH_OPTS[@]}")
[ -n "$SFTP_CIPHER" ] && SSH_OPTS+=(-c "$SFTP_CIPHER")
sftp_b() { # TIMEOUT BATCHFILE [sftp options]
	local t=$1 b=$2
	shift 2
	timeout "$t" sshpass -p "$PW" sftp -q "${SSH_OPTS[@]}" "$@" -P "$PORT" -b "$b" "$USER_@127.0.0.1"
}
TLS=()
curl_ftp() { # TIMEOUT curl-args...
	local t=$1
	shift
	timeout "$t" curl -sS --fail --ftp-pasv --connect-timeout 10 --user "$USER_:$PW" "${TLS[@]}" "$@"
}
lftp_run() { # TIMEOUT COMMANDS
	timeout "$1" lftp -c "set cmd:fail-exit yes; set net:max-retries 1; set net:timeout 30;
		set net:reconnect-interval-base 1; set ftp:ssl-allow no; set ftp:passive-mode yes; set xfer:clobber yes;
		open -u $USER_,$PW -p $PORT 127.0.0.1; $2"
}
batch() { # NAME LINES...: a batch file for sftp -b
	local f=$TMP/batch/$1
	shift
	printf '%s\n' "$@" >"$f"
	echo "$f"
}
check_file() { cmp -s "$1" "$2" || fail "$W_ID: $2 differs from $1 (corrupt transfer)"; }
check_dir() {
	local n
	n=$(find "$2" -type f | wc -l)
	[ "$n" -eq "$(find "$1" -type f | wc -l)" ] || fail "$W_ID: $2 holds $n files, $1 $(find "$1" -type f | wc -l)"
	diff -rq "$1" "$2" >/dev/null || fail "$W_ID: $2 differs from $1 (corrupt transfer)"
}
median_of() { sort -n | awk '{v[NR]=$1} END{if(NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }

# A workload is three functions: prep_X (untimed), act_X (timed; a latency
# workload sets VALUE itself), check_X (untimed, fails on a corrupt file).
# ---- SFTP
prep_sftp_put_big() { rm -f "$DIR/big.up"; }
act_sftp_put_big() { sftp_b $TMO_BIG "$(batch put-big "put $SRC/big /bench/big.up")" >>"$CLIENT_LOG" 2>&1; }
check_sftp_put_big() { check_file "$SRC/big" "$DIR/big.up"; rm -f "$DIR/big.up"; }
prep_sftp_get_big() { rm -f "$DL/big"; }
act_sftp_get_big() { sftp_b $TMO_BIG "$(batch get-big "get /bench/big $DL/big")" >>"$CLIENT_LOG" 2>&1; }
check_sftp_get_big() { check_file "$SRC/big" "$DL/big"; rm -f "$DL/big"; }
prep_sftp_put_small() { rm -rf "$DIR/small.up"; }
act_sftp_put_small() { sftp_b $TMO_DIR "$(batch put-small "put -r $SRC/small /bench/small.up")" >>"$CLIENT_LOG" 2>&1; }
check_sftp_put_small() { check_dir "$SRC/small" "$DIR/small.up"; rm -rf "$DIR/small.up"; }
prep_sftp_get_small() { rm -rf "$DL/small"; }
act_sftp_get_small() { sftp_b $TMO_DIR "$(batch get-small "get -r /bench/small $DL/small")" >>"$CLIENT_LOG" 2>&1; }
check_sftp_get_small() { check_dir "$SRC/small" "$DL/small"; rm -rf "$DL/small"; }
prep_sftp_login() { :; }
act_sftp_login() { # LOGINS sequential logins, each listing /bench/list
	local i t0 t1 n b
	b=$(batch ls "ls -1 /bench/list")
	: >"$TMP/lat"
	for i in $(seq 1 "$LOGINS"); do
		t0=${EPOCHREALTIME/./}
		sftp_b $TMO_LOGIN "$b" >"$TMP/ls.out" 2>>"$CLIENT_LOG" || return 1
		t1=${EPOCHREALTIME/./}
		echo $(((t1 - t0) / 1000)) >>"$TMP/lat"
		n=$(grep -c 'l[0-9]\{4\}\.bin' "$TMP/ls.out" || true)
		[ "$n" -eq "$LIST_FILES" ] || fail "$W_ID: login $i listed $n files, want $LIST_FILES"
	done
	VALUE=$(median_of <"$TMP/lat")
}
check_sftp_login() { :; }
conc_files() { # CLIENT: the names client i gets
	local i=$1 j
	for j in $(seq 0 $((CLIENT_FILES - 1))); do
		echo "${SMALL_NAMES[$((((i - 1) * CLIENT_FILES + j) % SMALL_FILES))]}"
	done
}
prep_sftp_concurrent() {
	local i
	rm -rf "$DL/conc"
	for i in $(seq 1 "$CLIENTS"); do
		mkdir -p "$DL/conc/c$i"
		conc_files "$i" | sed "s|.*|get /bench/small/& $DL/conc/c$i/|" >"$TMP/batch/conc$i"
	done
}
wait_clients() { # wait for CLIENT_PIDS; fails if any failed
	local p bad=0
	for p in "${CLIENT_PIDS[@]}"; do wait "$p" || bad=$((bad + 1)); done
	CLIENT_PIDS=()
	[ $bad -eq 0 ] || { log "$W_ID: $bad clients failed"; return 1; }
}
act_sftp_concurrent() {
	local i
	for i in $(seq 1 "$CLIENTS"); do
		sftp_b $TMO_CONC "$TMP/batch/conc$i" >>"$CLIENT_LOG" 2>&1 &
		CLIENT_PIDS+=($!)
	done
	wait_clients
}
check_concurrent() {
	local i f
	for i in $(seq 1 "$CLIENTS"); do
		[ "$(ls "$DL/conc/c$i" | wc -l)" -eq "$CLIENT_FILES" ] || fail "$W_ID: client $i has $(ls "$DL/conc/c$i" | wc -l) files, want $CLIENT_FILES"
		for f in $(conc_files "$i"); do check_file "$SRC/small/$f" "$DL/conc/c$i/$f"; done
	done
	rm -rf "$DL/conc"
}
check_sftp_concurrent() { check_concurrent; }
# ---- FTP and FTPS (curl), lftp
URL() { echo "ftp://127.0.0.1:$PORT$1"; }
prep_ftp_put_big() { rm -f "$DIR/big.up"; }
act_ftp_put_big() { curl_ftp $TMO_BIG -T "$SRC/big" "$(URL /bench/big.up)" >>"$CLIENT_LOG" 2>&1; }
check_ftp_put_big() { check_sftp_put_big; }
prep_ftp_get_big() { rm -f "$DL/big"; }
act_ftp_get_big() { curl_ftp $TMO_BIG -o "$DL/big" "$(URL /bench/big)" >>"$CLIENT_LOG" 2>&1; }
check_ftp_get_big() { check_sftp_get_big; }
prep_lftp_mirror_down() { rm -rf "$DL/small"; }
act_lftp_mirror_down() { lftp_run $TMO_DIR "mirror /bench/small $DL/small" >>"$CLIENT_LOG" 2>&1; }
check_lftp_mirror_down() { check_sftp_get_small; }
prep_lftp_mirror_up() { rm -rf "$DIR/small.up"; }
act_lftp_mirror_up() { lftp_run $TMO_DIR "mirror -R $SRC/small /bench/small.up" >>"$CLIENT_LOG" 2>&1; }
check_lftp_mirror_up() { check_sftp_put_small; }
prep_ftp_login() { :; }
act_ftp_login() {
	local i t0 t1 n
	: >"$TMP/lat"
	for i in $(seq 1 "$LOGINS"); do
		t0=${EPOCHREALTIME/./}
		curl_ftp $TMO_LOGIN "$(URL /bench/list/)" >"$TMP/ls.out" 2>>"$CLIENT_LOG" || return 1
		t1=${EPOCHREALTIME/./}
		echo $(((t1 - t0) / 1000)) >>"$TMP/lat"
		n=$(grep -c 'l[0-9]\{4\}\.bin' "$TMP/ls.out" || true)
		[ "$n" -eq "$LIST_FILES" ] || fail "$W_ID: login $i listed $n files, want $LIST_FILES"
	done
	VALUE=$(median_of <"$TMP/lat")
}
check_ftp_login() { :; }
prep_ftp_concurrent() {
	local i
	rm -rf "$DL/conc"
	for i in $(seq 1 "$CLIENTS"); do mkdir -p "$DL/conc/c$i"; done
}
# One lftp per client: one control connection, its files one after the
# other. Not curl: curl 7.88 re-using an FTP connection stalls 1 s (its
# poll timeout) whenever the EPSV reply arrives before it polls for it,
# which happens more often the faster the server answers.
act_ftp_concurrent() {
	local i
	for i in $(seq 1 "$CLIENTS"); do
		lftp_run $TMO_CONC "get -O $DL/conc/c$i $(conc_files "$i" | sed 's|^|/bench/small/|' | tr '\n' ' ')" >>"$CLIENT_LOG" 2>&1 &
		CLIENT_PIDS+=($!)
	done
	wait_clients
}
check_ftp_concurrent() { check_concurrent; }
# FTPS: the FTP functions, run with TLS=(--ssl-reqd ...) set by the caller.
for w in put_big get_big login; do
	for step in prep act check; do eval "${step}_ftps_$w() { ${step}_ftp_$w; }"; done
done

# ---- the web (HTTPS, the espace privé's protocol): benchtool's Go client
# behaves as a browser (cookie jar, Sec-Fetch-Site, HTTP/2); uploads go in
# 16 MiB chunks as the page sends them (httpd/upload.go). No peer.
web() { # TIMEOUT benchtool-web-command args...
	local t=$1 cmd=$2
	shift 2
	timeout "$t" "$BT" "$cmd" -url "https://127.0.0.1:$PORT" -user "$USER_" -password "$PW" "$@"
}
prep_web_put_big() { rm -f "$DIR/big.up"; }
act_web_put_big() { web $TMO_BIG web-put -file "$SRC/big" -folder /bench -name big.up >>"$CLIENT_LOG" 2>&1; }
check_web_put_big() { check_sftp_put_big; }
prep_web_get_big() { rm -f "$DL/big"; }
act_web_get_big() { web $TMO_BIG web-get -path /bench/big -out "$DL/big" >>"$CLIENT_LOG" 2>&1; }
check_web_get_big() { check_sftp_get_big; }
prep_web_concurrent() { # each browser's files, as the SFTP clients' batches
	local i
	rm -rf "$DL/conc"
	for i in $(seq 1 "$CLIENTS"); do
		mkdir -p "$DL/conc/c$i"
		conc_files "$i" >"$TMP/batch/web$i"
	done
}
act_web_concurrent() {
	web $TMO_CONC web-sessions -n "$CLIENTS" -folder /bench/small -lists "$TMP/batch/web" -out "$DL/conc" >>"$CLIENT_LOG" 2>&1
}
check_web_concurrent() { check_concurrent; }

# ---------------------------------------------------------------- driver
watch_start() { # PID FLAG
	rm -f "$TMP/w.ready" "$TMP/w.out"
	"$BT" watch -pid "$1" "$2" -hz "$HZ" -ready "$TMP/w.ready" -out "$TMP/w.out" &
	WPID=$!
	local i
	for i in $(seq 1 200); do
		[ -e "$TMP/w.ready" ] && return 0
		kill -0 "$WPID" 2>/dev/null || fail "benchtool watch died"
		sleep 0.05
	done
	fail "benchtool watch not ready"
}
watch_stop() {
	kill -TERM "$WPID"
	wait "$WPID" || fail "benchtool watch failed"
	WPID=""
	read -r W_CPU W_RSS _ <"$TMP/w.out"
}
perf_start() { # the profile mode: perf on dossierd during the run
	perf record -q -F 999 -g -p "$D_PID" -o "$TMP/perf-$W_ID.data" >>"$TMP/perf.log" 2>&1 &
	PERF_PID=$!
	sleep 1
	GC0=$(grep -c '^gc ' "$TMP/dossierd.log" || true)
}
perf_stop() {
	kill -INT "$PERF_PID"
	wait "$PERF_PID" || true
	PERF_PID=""
	GCS=$(($(grep -c '^gc ' "$TMP/dossierd.log" || true) - GC0))
	# gctrace: "gc N @t p%: ... ms cpu, A->B->C MB, G MB goal, ...": C is
	# the live heap after the cycle, G the heap goal.
	HEAP=$(grep '^gc ' "$TMP/dossierd.log" | tail -n +$((GC0 + 1)) |
		sed -n 's/.*, \([0-9]*\)->\([0-9]*\)->\([0-9]*\) MB, \([0-9]*\) MB goal.*/\3 \4/p' |
		awk '{if ($1>l) l=$1; if ($2>g) g=$2} END{printf "max live heap %d MB, max heap goal %d MB", l, g}')
	{
		echo "## $W_LABEL"
		echo
		echo "Wall $(fmt_value "$VALUE" "$W_UNIT") (under perf), dossierd CPU ${W_CPU} s, peak RSS $((W_RSS / 1024)) MiB, $GCS GC cycles ($HEAP)."
		echo
		echo "Self time (flat), symbols ≥ 0.7 %:"
		echo
		echo '```'
		perf report -i "$TMP/perf-$W_ID.data" --stdio --no-children --sort symbol -g none --percent-limit 0.7 2>/dev/null |
			grep -v '^#' | grep -v '^$' | sed 's/[ -]*$//' | head -40 || true
		echo '```'
		echo
		echo "Inclusive (with children), symbols ≥ 4 %:"
		echo
		echo '```'
		perf report -i "$TMP/perf-$W_ID.data" --stdio --children --sort symbol -g none --percent-limit 4 2>/dev/null |
			grep -v '^#' | grep -v '^$' | sed 's/[ -]*$//' | head -45 || true
		echo '```'
		echo
	} >>"$TMP/profile.md"
	rm -f "$TMP/perf-$W_ID.data"
}
fmt_value() { if [ "$2" = ms ]; then echo "$1 ms"; else echo "$1 s"; fi; }

# run_workload ID PROTO UNIT LABEL [FUNCTIONS]: FUNCTIONS defaults to the
# ID with _ for -, and is what BENCH_WORKLOADS selects.
run_workload() {
	W_ID=$1
	local proto=$2 fn=${5:-${1//-/_}} r s attempt servers=(d) t0 t1
	W_UNIT=$3 W_LABEL=$4
	if [ "$WANT" != all ] && [[ ",$WANT," != *",${fn//_/-},"* ]]; then return 0; fi
	if [ "$proto" = ftp ] && [ "$FTP_OK" = 0 ]; then
		log "[$W_ID] SKIPPED: dossierd does not serve FTP yet"
		SKIPPED+=("$W_ID")
		return 0
	fi
	[ "$PEERS" = 1 ] && [ "$proto" != web ] && servers=(d p)
	for r in $(seq 1 "$RUNS"); do
		for s in "${servers[@]}"; do
			for attempt in 1 2; do
				use "$proto" "$s"
				"prep_$fn"
				: >"$CLIENT_LOG"
				watch_start "$PID" "$TREE"
				[ $MODE = profile ] && perf_start
				VALUE=""
				t0=${EPOCHREALTIME/./}
				if "act_$fn"; then break; fi
				watch_stop
				[ $MODE = profile ] && perf_stop
				log "---- last client output:"
				tail -5 "$CLIENT_LOG" >&2
				# A peer failing is retried once and reported (vsftpd 3.0.3
				# now and then ends a TLS upload with "426 Failure reading
				# network stream"); dossierd failing fails the bench.
				if [ "$s" = p ] && [ $attempt = 1 ]; then
					PEER_RETRIES+=("$W_ID run $r: $(grep -v '^sftp>' "$CLIENT_LOG" | tail -1)")
					log "[$W_ID] run $r on the peer failed; retrying once"
					continue
				fi
				fail "$W_ID run $r on $([ "$s" = d ] && echo dossierd || echo the peer)"
			done
			t1=${EPOCHREALTIME/./}
			watch_stop
			[ -n "$VALUE" ] || VALUE=$(awk -v u=$((t1 - t0)) 'BEGIN{printf "%.3f", u/1e6}')
			[ $MODE = profile ] && perf_stop
			"check_$fn"
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$W_ID" "$W_LABEL" "$W_UNIT" "$s" "$r" "$VALUE" "$W_CPU" "$W_RSS" >>"$RES"
			log "[$W_ID] run $r $([ "$s" = d ] && echo dossierd || echo peer): $(fmt_value "$VALUE" "$W_UNIT"), CPU $W_CPU s, peak RSS $((W_RSS / 1024)) MiB"
		done
	done
}

# ---------------------------------------------------------------- fairness
SSH_CIPHERS=""
TLS_INFO=""
probe() { # what each server negotiates with these clients
	local s name c k t
	for s in d p; do
		[ "$s" = p ] && [ "$PEERS" != 1 ] && continue
		name=dossierd
		[ "$s" = p ] && name=OpenSSH
		use sftp "$s"
		c=$(sftp_b 20 /dev/null -v 2>&1 | grep -m1 'kex: client->server cipher' | sed 's/.*cipher: //; s/ compression.*//') ||
			true
		k=$(sftp_b 20 /dev/null -v 2>&1 | grep -m1 'kex: algorithm:' | sed 's/.*algorithm: //') || true
		[ -n "$c" ] || fail "cannot log in over SFTP to $name (see $CLIENT_LOG)"
		SSH_CIPHERS+="- SFTP, $name: cipher $c; kex $k"$'\n'
		[ "$FTP_OK" = 1 ] || continue
		[ "$s" = p ] && name=vsftpd
		use ftp "$s"
		TLS=(--ssl-reqd -k "${CURL_TLS_EXTRA[@]}")
		t=$(curl_ftp 20 -v -o /dev/null "$(URL /bench/list/)" 2>&1 | grep -m1 'SSL connection using' | sed 's/.*using //') || true
		TLS=()
		[ -n "$t" ] || fail "cannot log in over FTPS to $name"
		TLS_INFO+="- FTPS, $name: $t"$'\n'
	done
}
probe
log "$SSH_CIPHERS$TLS_INFO"
if [ -n "${BENCH_HOLD:-}" ]; then # debugging aid: keep the servers up for a while
	log "holding ${BENCH_HOLD}s: TMP=$TMP SHM=$SHM dossierd pid $D_PID sftp $P_D_SFTP ftp $P_D_FTP pw $PW_D;" \
		"sshd pid $SSHD_PID port $P_SSH, vsftpd pid $VSFTPD_PID port $P_VSFTPD, peer pw $PW_P"
	sleep "$BENCH_HOLD"
fi

# ---------------------------------------------------------------- idle memory
# Measured first, on freshly started servers: later, the Go heap left by the
# workloads shrinks while it is measured and hides the connections' cost.
IDLE=""
if [ $MODE != profile ]; then
	use sftp d
	read -r b a per pb pa pper < <("$BT" idle -addr "127.0.0.1:$PORT" -user "$USER_" -password "$PW" -n "$IDLE_CONNS" -pid "$D_PID") ||
		fail "idle connections to dossierd"
	IDLE="- dossierd: $IDLE_CONNS idle SFTP connections on the fresh server: RSS $((b / 1024)) → $((a / 1024)) MiB, **$per KiB per connection** (PSS: $pper KiB)"$'\n'
	if [ "$PEERS" = 1 ]; then
		use sftp p
		read -r b a per pb pa pper < <("$BT" idle -reaper -addr "127.0.0.1:$PORT" -user "$USER_" -password "$PW" -n "$IDLE_CONNS" -pid "$PID") ||
			fail "idle connections to sshd"
		IDLE+="- OpenSSH sshd: the same: sum of RSS over its process tree (2 processes per connection) $((b / 1024)) → $((a / 1024)) MiB, $per KiB per connection; sum of PSS (shared pages divided among their users) $((pb / 1024)) → $((pa / 1024)) MiB, **$pper KiB per connection**"$'\n'
	fi
	log "$IDLE"
fi

# ---------------------------------------------------------------- workloads
human() { if [ $(($1 % 1024)) = 0 ]; then echo "$(($1 / 1024)) GiB"; else echo "$1 MiB"; fi; }
BIG=$(human "$BIG_MB")
SMALL="$SMALL_FILES × $SMALL_KB KiB"
CONC="$CLIENTS clients × $CLIENT_FILES × $SMALL_KB KiB"
SKIPPED=()
PEER_RETRIES=()
log "== workloads ($RUNS run(s) each; dossierd then peer, interleaved)"
run_workload sftp-put-big sftp s "SFTP put $BIG (sftp -b)"
run_workload sftp-get-big sftp s "SFTP get $BIG"
run_workload sftp-put-small sftp s "SFTP put -r $SMALL"
run_workload sftp-get-small sftp s "SFTP get -r $SMALL"
run_workload sftp-login sftp ms "SFTP login + ls of $LIST_FILES (median of $LOGINS)"
run_workload sftp-concurrent sftp s "SFTP $CONC, get"
run_workload ftp-put-big ftp s "FTP put $BIG (curl)"
run_workload ftp-get-big ftp s "FTP get $BIG (curl)"
TLS=(--ssl-reqd -k "${CURL_TLS_EXTRA[@]}")
run_workload ftps-put-big ftp s "FTPS put $BIG (curl, explicit TLS)"
run_workload ftps-get-big ftp s "FTPS get $BIG (curl, explicit TLS)"
TLS=()
run_workload lftp-mirror-down ftp s "lftp mirror $SMALL (FTP)"
run_workload lftp-mirror-up ftp s "lftp mirror -R $SMALL (FTP)"
run_workload ftp-login ftp ms "FTP login + LIST of $LIST_FILES (curl, median of $LOGINS)"
TLS=(--ssl-reqd -k "${CURL_TLS_EXTRA[@]}")
run_workload ftps-login ftp ms "FTPS login + LIST of $LIST_FILES (curl, median of $LOGINS)"
TLS=()
run_workload ftp-concurrent ftp s "FTP $CONC, get (lftp)"
run_workload web-put-big web s "HTTPS upload $BIG (web page's protocol, 16 MiB chunks)"
run_workload web-get-big web s "HTTPS download $BIG"
run_workload web-concurrent web s "HTTPS $CLIENTS browser sessions × (login, list, $CLIENT_FILES × $SMALL_KB KiB, logout)"

# The SFTP big-file rows again with other ciphers (issue 7: AES-GCM against
# chacha20-poly1305 in x/crypto/ssh), into their own table.
SWEEP_RES=$TMP/sweep.tsv
: >"$SWEEP_RES"
SWEEP_INFO=""
if [ -n "$CIPHER_SWEEP" ]; then
	MAIN_RES=$RES
	RES=$SWEEP_RES
	for c in $CIPHER_SWEEP; do
		SSH_OPTS=("${SSH_OPTS_BASE[@]}" -c "$c")
		for s in d p; do
			[ "$s" = p ] && [ "$PEERS" != 1 ] && continue
			use sftp "$s"
			neg=$(sftp_b 20 /dev/null -v 2>&1 | grep -m1 'kex: client->server cipher' | sed 's/.*cipher: //; s/ compression.*//') || true
			[ -n "$neg" ] || fail "sftp -c $c: cannot log in to $([ "$s" = d ] && echo dossierd || echo OpenSSH)"
			SWEEP_INFO+="- sftp -c $c, $([ "$s" = d ] && echo dossierd || echo OpenSSH): $neg"$'\n'
		done
		run_workload "sftp-put-big@$c" sftp s "SFTP put $BIG, $c" sftp_put_big
		run_workload "sftp-get-big@$c" sftp s "SFTP get $BIG, $c" sftp_get_big
	done
	SSH_OPTS=("${SSH_OPTS_BASE[@]}")
	[ -n "$SFTP_CIPHER" ] && SSH_OPTS+=(-c "$SFTP_CIPHER")
	RES=$MAIN_RES
fi

# ---------------------------------------------------------------- report
ver() { dpkg-query -W -f '${Version}' "$1" 2>/dev/null || echo "?"; }
commit=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo "?")
[ -z "$(git -C "$REPO" status --porcelain 2>/dev/null)" ] || commit="$commit + uncommitted changes in the work tree"
[ -z "${BENCH_DOSSIERD_BIN:-}" ] || commit="binary $BENCH_DOSSIERD_BIN (not built from the work tree)"
cmdline="bench/run.sh${*:+ $*}"
envs=$(env | grep '^BENCH_' | sort | tr '\n' ' ' || true)
[ -n "$envs" ] && cmdline="$envs$cmdline"
report=$TMP/report.md
{
	if [ $MODE = profile ]; then
		echo "# dossierd profile (perf record -F 999 -g on the running server)"
	else
		if [ "$PEERS" = 1 ]; then echo "# dossierd benchmark: side by side with OpenSSH and vsftpd"; else echo "# dossierd benchmark (dossierd only)"; fi
	fi
	echo
	echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "- Command: \`$cmdline\` (mode $MODE)"
	echo "- Machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo) RAM, Linux $(uname -r); shared, noisy"
	echo "- Versions: $(go version | cut -d' ' -f3), dossierd $commit, OpenSSH client $(ver openssh-client)$([ "$PEERS" = 1 ] && echo ", openssh-server $(ver openssh-server), vsftpd $(ver vsftpd)"), curl $(curl --version | head -1 | cut -d' ' -f2), lftp $(lftp --version | head -1 | sed 's/.*Version \([^ ]*\).*/\1/'), $(sshpass -V 2>/dev/null | head -1)"
	echo "- Sizes: big file $BIG_MB MiB; $SMALL_FILES small files of $SMALL_KB KiB; $LOGINS logins listing $LIST_FILES files; $CLIENTS concurrent clients × $CLIENT_FILES files; $RUNS run(s) per workload and server"
	echo "- Load average (1, 5, 15 min) at the start: $LOAD_START; at the end: $(cut -d' ' -f1-3 /proc/loadavg) (the bench's own clients included)"
	echo "- Storage of every server on the same tmpfs ($SHM_BASE); clients' files there too; all on 127.0.0.1"
	[ -n "${BENCH_DOSSIERD_ENV:-}" ] && echo "- dossierd runs with the environment: $BENCH_DOSSIERD_ENV"
	echo "- dossierd: logs in as staff (sees the whole storage root, read-write), argon2id password (verified logins cached by dossierd), defender off, no per-host or per-login connection limit (max_per_host_connections and max_sessions 0), passive ports 61000-$((61000 + PASV_PORTS - 1)), its own self-signed ECDSA P-256 certificate; log level info, audit trail on"
	[ "$PEERS" = 1 ] && echo "- Peers: OpenSSH sshd (own config, internal-sftp, ChrootDirectory, password auth without PAM, $PEER_HASH hash, MaxStartups 200, log level info) and vsftpd (own config, chroot_local_user, explicit TLS with an ECDSA P-256 self-signed certificate, PAM pam_unix, passive ports 62001-62100, sendfile on for plain FTP, xferlog on)"
	echo
	echo "Negotiated (same clients, same options for every server: sftp ${SFTP_CIPHER:+-c $SFTP_CIPHER }${SSH_KEX:+-o KexAlgorithms=$SSH_KEX}; curl ${CURL_TLS_EXTRA[*]}):"
	echo
	printf '%s%s' "$SSH_CIPHERS" "$TLS_INFO"
	echo
	if [ $MODE = profile ]; then
		cat "$TMP/profile.md"
	else
		echo "## Results"
		echo
		[ "$PEERS" = 1 ] && echo "Peer: OpenSSH internal-sftp for the SFTP rows, vsftpd for the FTP rows, none for the HTTPS rows (the web front-end; its figures stand beside dossierd's own SFTP and FTP rows of the same run). Ratio = peer time / dossierd time (also for latencies): > 1 means dossierd is faster. Medians over the runs; CPU = server CPU seconds (median); peak RSS = highest over the runs. The SFTP rows use the cipher an unmodified OpenSSH client negotiates with each server (see above); the table after this one forces the same cipher on both."
		echo
		"$BT" table -results "$RES" -big-mb "$BIG_MB"
		echo
		if [ -s "$SWEEP_RES" ]; then
			echo "## SFTP $BIG with another cipher (forced with sftp -c on both servers)"
			echo
			printf '%s\n' "$SWEEP_INFO"
			"$BT" table -results "$SWEEP_RES" -big-mb "$BIG_MB"
			echo
		fi
		if [ ${#PEER_RETRIES[@]} -gt 0 ]; then
			echo "Peer runs that failed and were retried once (not counted):"
			echo
			printf -- '- %s\n' "${PEER_RETRIES[@]}"
			echo
		fi
		if [ ${#SKIPPED[@]} -gt 0 ]; then echo "Skipped (dossierd did not serve FTP): ${SKIPPED[*]}"; echo; fi
		echo "## Memory per idle connection"
		echo
		printf '%s' "$IDLE"
		echo
		echo "## How the figures are taken"
		echo
		echo "- Time: wall clock around the client command(s) (bash \$EPOCHREALTIME); the 50-client rows time the whole batch, from the first start to the last exit. Login rows: each login is a separate client process (sshpass + sftp, or curl) doing login, one listing, quit; the figure is the median of the $LOGINS logins of one run."
		echo "- Every transferred file is compared byte for byte with its source (cmp, diff -r, file counts) after each run; a difference fails the run."
		echo "- Server CPU: utime+stime+cutime+cstime from /proc/PID/stat, summed over the server's live process tree, difference between the start and end of the run (a reaped child's time is in its parent's cutime/cstime, so forked connection processes count once). sshd's per-connection monitor exits without reaping its internal-sftp child, whose time would then go to PID 1: the peers run under \`benchtool reaper\` (a PR_SET_CHILD_SUBREAPER parent that reaps what is re-parented to it), and its cutime/cstime count too (its own CPU and memory do not)."
		echo "- Peak RSS: dossierd: VmHWM, reset at the start of each run (echo 5 > /proc/PID/clear_refs). Forking peers: largest sum of RSS over the server's process tree, sampled every 100 ms (shared pages count once per process: an overstatement of about 1-3 MiB per process)."
	fi
} >"$report"
cat "$report"
if [ -n "$OUT" ]; then
	cp "$report" "$OUT"
	log "== report written to $OUT"
fi

# ---------------------------------------------------------------- events
# The webhooks (issue 14) on a server of their own: events per second while
# 20 clients upload, delivery latency, transfers with and without a webhook.
if [ $MODE != profile ] && [ "${BENCH_EVENTS:-1}" = 1 ]; then
	log "== events (webhooks): bench/events"
	EV_ARGS=(-bin "$TMP/bin/dossierd")
	if [ $MODE = quick ]; then EV_ARGS+=(-quick); else EV_ARGS+=(-out "${BENCH_EVENTS_OUT:-$HERE/RESULTS-events.md}"); fi
	"$TMP/bin/benchevents" "${EV_ARGS[@]}" || fail "bench/events"
fi
