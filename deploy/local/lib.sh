# shellcheck shell=bash
# deploy/local/lib.sh - helpers sourced by ./hrflow (never run on its own).
#
# Messages, process and port checks, Debian packages, and private PostgreSQL
# and Redis servers. Every server function takes its directory and port as
# arguments, so the long-lived `./hrflow up` stack and the throwaway servers of
# `./hrflow test` share the same code.
#
# Written for `set -euo pipefail`: functions that may fail on purpose are only
# used in `if`/`until` conditions, and failures that must stop us call die.

# ---- messages ---------------------------------------------------------------

say()  { printf 'hrflow: %s\n' "$*"; }
warn() { printf 'hrflow: warning: %s\n' "$*" >&2; }
die()  { printf 'hrflow: error: %s\n' "$*" >&2; exit 1; }

# show_tail FILE [LINES]: print the end of a log file to stderr, framed.
show_tail() {
  [[ -s $1 ]] || return 0
  printf -- '--- last lines of %s ---\n' "$1" >&2
  tail -n "${2:-20}" "$1" >&2
}

# ---- processes --------------------------------------------------------------

# read_pid FILE: print the number stored in FILE (nothing if FILE is missing).
read_pid() {
  if [[ -r $1 ]]; then head -n 1 "$1" | tr -cd '0-9'; fi
}

# pid_alive PID: true if PID exists and is not a zombie. Zombies linger for a
# few seconds on this kind of machine, so `kill -0` alone is not enough.
pid_alive() {
  local state
  [[ $1 =~ ^[0-9]+$ ]] || return 1
  state=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ -n $state && $state != Z* ]]
}

# group_alive PGID: true while the process group still has a live member.
group_alive() {
  [[ $1 =~ ^[0-9]+$ ]] || return 1
  ps -eo pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { n++ } END { exit n == 0 }'
}

# wait_until SECONDS COMMAND...: poll COMMAND every 0.1 s until it succeeds;
# false if it still fails after SECONDS.
wait_until() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    if ((SECONDS >= deadline)); then return 1; fi
    sleep 0.1
  done
}

# ---- ports ------------------------------------------------------------------

# port_open PORT: true if something accepts TCP connections on 127.0.0.1:PORT.
port_open() {
  # shellcheck disable=SC2016  # $0 expands in the inner bash
  timeout 2 bash -c ': <>"/dev/tcp/127.0.0.1/$0"' "$1" 2>/dev/null
}

port_closed() { ! port_open "$1"; }

# valid_port NAME VALUE: die unless VALUE is a usable TCP port number.
valid_port() {
  if [[ ! $2 =~ ^[0-9]+$ ]] || (($2 < 1 || $2 > 65535)); then
    die "$1 must be a TCP port number, got '$2'"
  fi
}

# free_ports COUNT [EXCLUDED_PORT...]: print COUNT distinct free ports (on one
# line) from 10000-14999, never one of the excluded ones. The range is below
# the kernel's ephemeral ports (an ephemeral port found free can be taken by
# any outgoing connection before our server binds it) and below the ports the
# tests pick for their own brokers (15000 and up). All sockets stay bound
# until every port is chosen, so the ports differ from each other.
free_ports() {
  /usr/bin/python3 - "$@" <<'EOF'
import random, socket, sys
count, excluded = int(sys.argv[1]), {int(p) for p in sys.argv[2:]}
held, ports = [], []
candidates = [p for p in range(10000, 15000) if p not in excluded]
random.shuffle(candidates)
for port in candidates:
    if len(ports) == count:
        break
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        s.close()
        continue
    held.append(s)
    ports.append(port)
if len(ports) < count:
    sys.exit("no free ports in 10000-14999")
print(" ".join(map(str, ports)))
EOF
}

# ---- Debian packages ----------------------------------------------------------

SUDO=()   # becomes (sudo -n) when we are not root but may use sudo

# missing_packages PKG...: print the packages that are not installed.
missing_packages() {
  local pkg status
  for pkg in "$@"; do
    status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
    if [[ $status != ii* ]]; then printf '%s\n' "$pkg"; fi
  done
}

apt_get() { "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "$@"; }

# apt_install PKG...: apt-get install; refresh the package lists and retry
# only when the failure says they are missing or stale.
apt_install() {
  local out rc=0
  out=$(mktemp)
  apt_get install -y "$@" 2>&1 | tee "$out" || rc=$?
  if ((rc != 0)) && grep -Eq 'Unable to locate package|has no installation candidate|Failed to fetch|404 +Not Found' "$out"; then
    say "package lists are missing or stale: running apt-get update"
    rc=0
    { apt_get update && apt_get install -y "$@"; } || rc=$?
  fi
  rm -f "$out"
  return "$rc"
}

# install_packages PKG...: install whichever of PKG... are missing, as root or
# through password-less sudo; otherwise stop and say what is missing.
install_packages() {
  local -a missing
  mapfile -t missing < <(missing_packages "$@")
  ((${#missing[@]} > 0)) || return 0
  if ((EUID != 0)); then
    if ! sudo -n true 2>/dev/null; then
      die "missing Debian packages: ${missing[*]}
       installing them needs root or sudo, e.g.: sudo apt-get install ${missing[*]}"
    fi
    SUDO=(sudo -n)
  fi
  say "installing missing packages: ${missing[*]}"
  apt_install "${missing[@]}" || die "apt-get install failed for: ${missing[*]}"
}

# ---- PostgreSQL ---------------------------------------------------------------
# A private cluster lives in one directory DIR: DIR/data is the cluster,
# DIR/run holds the Unix socket. Port and listen address are written to
# DIR/data/hrflow.conf (included from postgresql.conf), so a plain
# `pg_ctl -D DIR/data start` comes back with the same settings.

# PostgreSQL refuses to run as root: then every server command runs as postgres.
PG_RUNAS=""
if ((EUID == 0)); then PG_RUNAS=postgres; fi
PG_BIN=""   # set by pg_require

# pg_require: find the newest /usr/lib/postgresql/*/bin, or stop.
pg_require() {
  if [[ -n $PG_BIN ]]; then return 0; fi
  local dirs=(/usr/lib/postgresql/*/bin)
  if [[ ! -x ${dirs[0]}/pg_ctl ]]; then
    die "PostgreSQL server binaries not found in /usr/lib/postgresql/*/bin (package postgresql)"
  fi
  PG_BIN=$(printf '%s\n' "${dirs[@]}" | sort -V | tail -n 1)
}

# as_pg COMMAND...: run COMMAND as the PostgreSQL server user (from /, which
# that user can always enter; every path given is absolute).
as_pg() {
  if [[ -n $PG_RUNAS ]]; then (cd / && runuser -u "$PG_RUNAS" -- "$@"); else "$@"; fi
}

# pg_prepare DIR LOG: create DIR and LOG, owned by the server user.
pg_prepare() {
  local dir=$1 log=$2
  mkdir -p "$dir/run" "$(dirname "$log")"
  touch "$log"
  if [[ -n $PG_RUNAS ]]; then chown "$PG_RUNAS:" "$dir" "$dir/run" "$log"; fi
  if ! as_pg test -w "$dir" || ! as_pg test -w "$log"; then
    die "user ${PG_RUNAS:-$(id -un)} cannot write to $dir or $log (is a parent directory closed to it?)"
  fi
}

# pg_init DIR LOG: create the cluster in DIR/data unless it exists.
pg_init() {
  local dir=$1 log=$2 locale=C
  if [[ -f $dir/data/PG_VERSION ]]; then return 0; fi
  if grep -qiE '^c\.utf-?8$' < <(locale -a 2>/dev/null); then locale=C.UTF-8; fi
  say "postgres: creating cluster in $dir/data"
  if ! as_pg "$PG_BIN/initdb" -D "$dir/data" --auth=trust -U postgres \
         -E UTF8 --locale="$locale" >>"$log" 2>&1; then
    show_tail "$log"
    die "initdb failed (log: $log)"
  fi
  printf "\n# hrflow: port, addresses and per-run settings\ninclude_if_exists = 'hrflow.conf'\n" \
    >>"$dir/data/postgresql.conf"
}

# pg_configure DIR PORT [SETTING...]: write DIR/data/hrflow.conf; each extra
# SETTING is a postgresql.conf line such as "fsync = off".
pg_configure() {
  local dir=$1 port=$2
  shift 2
  {
    echo "# Written by ./hrflow before each start; put lasting changes in postgresql.conf."
    echo "listen_addresses = '127.0.0.1'"
    echo "port = $port"
    echo "unix_socket_directories = '$dir/run'"
    if (($# > 0)); then printf '%s\n' "$@"; fi
  } >"$dir/data/hrflow.conf"
  if [[ -n $PG_RUNAS ]]; then chown "$PG_RUNAS:" "$dir/data/hrflow.conf"; fi
}

# pg_start DIR LOG: start the cluster and wait until it accepts connections.
pg_start() {
  local dir=$1 log=$2
  if ! as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -l "$log" -w -t 60 start >/dev/null 2>&1; then
    show_tail "$log"
    die "PostgreSQL did not start (log: $log)"
  fi
}

# pg_running DIR: true if the cluster in DIR/data is running.
pg_running() {
  [[ -f $1/data/PG_VERSION ]] || return 1
  as_pg "$PG_BIN/pg_ctl" -D "$1/data" status >/dev/null 2>&1
}

# pg_pid DIR / pg_port DIR: read them from postmaster.pid (lines 1 and 4).
pg_pid()  { sed -n 1p "$1/data/postmaster.pid" 2>/dev/null || true; }
pg_port() { sed -n 4p "$1/data/postmaster.pid" 2>/dev/null || true; }

# pg_stop DIR MODE: stop the cluster (MODE: fast or immediate) and wait until
# its port is closed.
pg_stop() {
  local dir=$1 mode=$2 port
  port=$(pg_port "$dir")
  as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m "$mode" -w -t 60 stop >/dev/null 2>&1 || true
  if [[ -n $port ]] && ! wait_until 30 port_closed "$port"; then
    warn "PostgreSQL port $port is still open"
  fi
}

# pg_sql PORT SQL: run SQL as superuser postgres, print unaligned tuples.
pg_sql() {
  "$PG_BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$1" -U postgres \
    -d postgres -c "$2"
}

# pg_ensure_db PORT NAME: create role NAME (LOGIN SUPERUSER) and database NAME
# owned by it, if missing.
pg_ensure_db() {
  local port=$1 name=$2
  if [[ $(pg_sql "$port" "SELECT 1 FROM pg_roles WHERE rolname = '$name'") != 1 ]]; then
    pg_sql "$port" "CREATE ROLE \"$name\" LOGIN SUPERUSER" >/dev/null
  fi
  if [[ $(pg_sql "$port" "SELECT 1 FROM pg_database WHERE datname = '$name'") != 1 ]]; then
    pg_sql "$port" "CREATE DATABASE \"$name\" OWNER \"$name\"" >/dev/null
  fi
}

# ---- Redis --------------------------------------------------------------------
# REDIS_AUTH, when set, is the password of the Redis these functions talk to:
# redis_start makes the server ask for it, redis_cli sends it (through the
# environment, never on a command line that ps shows).

redis_cli() {
  local port=$1
  shift
  env ${REDIS_AUTH:+REDISCLI_AUTH="$REDIS_AUTH"} redis-cli --no-auth-warning \
    -h 127.0.0.1 -p "$port" "$@"
}

# redis_running PORT: true if a Redis answers PING on PORT.
redis_running() { [[ $(redis_cli "$1" ping 2>/dev/null) == PONG ]]; }

# redis_authenticates PORT: true if the Redis on PORT asks for REDIS_AUTH.
redis_authenticates() {
  [[ $(redis_cli "$1" config get requirepass 2>/dev/null | sed -n 2p) == "${REDIS_AUTH:-}" ]]
}

# redis_start PORT DIR PIDFILE LOG [REDIS-SERVER-OPTION...]: start a daemonized
# Redis bound to 127.0.0.1, asking for REDIS_AUTH when it is set (DIR/auth.conf,
# 0600), and wait until it answers.
redis_start() {
  local port=$1 dir=$2 pidfile=$3 log=$4 conf=()
  shift 4
  mkdir -p "$dir" "$(dirname "$pidfile")" "$(dirname "$log")"
  if [[ -n ${REDIS_AUTH:-} ]]; then
    (umask 077 && printf 'requirepass "%s"\n' "$REDIS_AUTH" >"$dir/auth.conf")
    conf=("$dir/auth.conf")
  fi
  if ! redis-server "${conf[@]}" --bind 127.0.0.1 --port "$port" --dir "$dir" --daemonize yes \
         --pidfile "$pidfile" --logfile "$log" "$@" >/dev/null 2>&1 ||
     ! wait_until 10 redis_running "$port"; then
    show_tail "$log"
    die "Redis did not start on port $port (log: $log)"
  fi
}

# redis_stop PORT PIDFILE [SHUTDOWN-ARG...]: SHUTDOWN (saves when persistence
# is on), fall back to SIGTERM then SIGKILL on the pid file, and wait until the
# port is closed.
redis_stop() {
  local port=$1 pidfile=$2 pid
  shift 2
  pid=$(read_pid "$pidfile")
  redis_cli "$port" shutdown "$@" >/dev/null 2>&1 || true
  if wait_until 30 port_closed "$port" && ! pid_alive "$pid"; then return 0; fi
  if pid_alive "$pid"; then kill -TERM "$pid" 2>/dev/null || true; fi
  if wait_until 10 port_closed "$port" && ! pid_alive "$pid"; then return 0; fi
  if pid_alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
  wait_until 5 port_closed "$port" || warn "Redis port $port is still open"
}
