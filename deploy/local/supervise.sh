#!/usr/bin/env bash
# deploy/local/supervise.sh - keeps one hrflow service binary running.
#
# usage: supervise.sh NAME PIDFILE -- COMMAND [ARG...]
#
# `./hrflow up` starts this under setsid, so the loop leads its own process
# group; it writes that group id ($$) to PIDFILE and removes the file when it
# ends. Its stdout/stderr are the service log (opened for appending by
# ./hrflow) and COMMAND inherits them.
#
#   COMMAND exits 0 (it drained after SIGTERM)   -> the loop ends.
#   COMMAND exits non-zero or dies by a signal   -> log
#       "hrflow: NAME exited with status N, restarting in Ds"
#     and restart it after a back-off of 1 s, doubling up to 30 s; the
#     back-off starts again at 1 s once a run has lasted 60 s.
#   SIGTERM or SIGINT to this loop               -> forwarded to COMMAND; wait
#     for it to exit, then end.
#
# `./hrflow down` signals the whole group, so COMMAND may see SIGTERM twice
# (once from the group signal, once forwarded from here).
set -uo pipefail

if (($# < 4)) || [[ $3 != -- ]]; then
  echo "usage: $0 NAME PIDFILE -- COMMAND [ARG...]" >&2
  exit 2
fi
name=$1 pidfile=$2
shift 3

readonly MIN_BACKOFF=1 MAX_BACKOFF=30 STABLE_AFTER=60

child=0      # pid of the running COMMAND, 0 when none
sleeper=0    # pid of the back-off sleep, 0 when none
stopping=0   # set once SIGTERM/SIGINT arrived

log() { printf 'hrflow: %s %s\n' "$name" "$*"; }

on_stop_signal() {
  stopping=1
  if ((child)); then kill -TERM "$child" 2>/dev/null; fi
  if ((sleeper)); then kill -TERM "$sleeper" 2>/dev/null; fi
}

# Remove the pid file, unless another supervisor has taken it over since.
on_exit() {
  if [[ $(head -n 1 "$pidfile" 2>/dev/null) == "$$" ]]; then rm -f "$pidfile"; fi
}

# reap PID: wait until PID has exited and return its status (128+N when it
# was killed by signal N). A trapped signal interrupts `wait` with a status
# above 128 while PID is still running: wait again in that case.
reap() {
  local rc
  while :; do
    wait "$1"
    rc=$?
    if ((rc > 128)) && kill -0 "$1" 2>/dev/null; then continue; fi
    return "$rc"
  done
}

# run_once: start COMMAND, wait for it; returns its exit status.
run_once() {
  "$@" </dev/null &
  child=$!
  log "started (pid $child, $(date -u +%Y-%m-%dT%H:%M:%SZ))"
  # A stop signal that arrived between the fork and `child=$!` was not forwarded.
  if ((stopping)); then kill -TERM "$child" 2>/dev/null; fi
  local rc=0
  reap "$child" || rc=$?
  child=0
  return "$rc"
}

# pause SECONDS: sleep, but return early on a stop signal.
pause() {
  sleep "$1" &
  sleeper=$!
  wait "$sleeper" 2>/dev/null
  sleeper=0
}

trap on_stop_signal TERM INT
trap on_exit EXIT
echo "$$" >"$pidfile"

backoff=$MIN_BACKOFF
while :; do
  started=$SECONDS
  status=0
  run_once "$@" || status=$?
  if ((stopping)); then
    log "stopped (status $status)"
    exit 0
  fi
  if ((status == 0)); then
    log "exited with status 0, not restarting"
    exit 0
  fi
  if ((SECONDS - started >= STABLE_AFTER)); then backoff=$MIN_BACKOFF; fi
  log "exited with status $status, restarting in ${backoff}s"
  pause "$backoff"
  if ((stopping)); then
    log "stopped"
    exit 0
  fi
  backoff=$((backoff * 2 > MAX_BACKOFF ? MAX_BACKOFF : backoff * 2))
done
