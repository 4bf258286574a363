#!/usr/bin/env bash
# Runs the bundled task app authorized by the PDP, both on localhost:
#   1. libyaml-dev if missing, then builds `pdp` and `task-manager` (release; RUN_CONFIGURATION=debug
#      for a quicker first build)
#   2. starts `pdp serve --policy policies/tasks.yaml` and waits for `pdp listening on ...`
#   3. starts `task-manager serve` wired to it (PERMIT_PDP_URL / PERMIT_API_URL / PERMIT_API_KEY)
#      and waits until it answers /health
#   4. prints the app's URL and how to log in as admin; Ctrl-C (or SIGTERM) stops both
#
#   scripts/run.sh [extra `pdp serve` options, e.g. --port 7766 --api-key KEY --policy more.yaml]
#   scripts/run.sh --pdp-only [pdp serve options]     # only the PDP, in the foreground (as before)
#
#   env: APP_HOST (default 127.0.0.1), APP_PORT (default 8080), DATABASE_URL (default
#        sqlite://.task-manager/tasks.sqlite), ADMIN_EMAIL / ADMIN_PASSWORD (first start's admin;
#        without them one is generated and its password printed once), PDP_API_KEY or
#        PERMIT_API_KEY (the PDP's key, also given to the app), RUN_CONFIGURATION (release|debug),
#        and every other task-manager variable (docs/task-manager.md).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

PDP_ONLY=0
if [ "${1:-}" = "--pdp-only" ]; then PDP_ONLY=1; shift; fi
if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then sed -n '2,17p' "$0"; exit 0; fi
CONFIGURATION="${RUN_CONFIGURATION:-release}"
case "$CONFIGURATION" in release|debug) ;; *) echo "run.sh: RUN_CONFIGURATION must be release or debug" >&2; exit 2 ;; esac

./scripts/ensure-libyaml.sh
swift build -c "$CONFIGURATION" --product pdp
BIN=$(swift build -c "$CONFIGURATION" --show-bin-path)
if [ "$PDP_ONLY" -eq 1 ]; then
    exec "$BIN/pdp" serve --policy policies/tasks.yaml "$@"
fi
swift build -c "$CONFIGURATION" --product task-manager

# The PDP's host, port and key, as the options given to it say (the key is handed to the app).
PDP_HOST=127.0.0.1
API_KEY="${PDP_API_KEY:-${PERMIT_API_KEY:-}}"
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
    case "${args[$i]}" in
        --host) PDP_HOST="${args[$((i + 1))]:-$PDP_HOST}" ;;
        --host=*) PDP_HOST="${args[$i]#--host=}" ;;
        --api-key) API_KEY="${args[$((i + 1))]:-}" ;;
        --api-key=*) API_KEY="${args[$i]#--api-key=}" ;;
    esac
done
case "$PDP_HOST" in 0.0.0.0|::|"[::]") PDP_CONNECT=127.0.0.1 ;; *) PDP_CONNECT=$PDP_HOST ;; esac

STATE="$ROOT/.task-manager"
mkdir -p "$STATE"
chmod 700 "$STATE"
PDP_LOG="$STATE/pdp.out"
APP_LOG="$STATE/task-manager.out"
: > "$PDP_LOG"
: > "$APP_LOG"
PDP_PID=""
APP_PID=""
TAIL_PID=""

stop_all() {
    trap - INT TERM EXIT
    [ -n "$TAIL_PID" ] && kill "$TAIL_PID" 2>/dev/null
    [ -n "$APP_PID" ] && kill -TERM "$APP_PID" 2>/dev/null
    [ -n "$PDP_PID" ] && kill -TERM "$PDP_PID" 2>/dev/null
    [ -n "$APP_PID" ] && wait "$APP_PID" 2>/dev/null
    [ -n "$PDP_PID" ] && wait "$PDP_PID" 2>/dev/null
    echo "run.sh: stopped"
}
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap 'stop_all' EXIT

# wait_for_line FILE PATTERN PID SECONDS: the first line of FILE matching PATTERN, or fail when
# PID exits or the time is up.
wait_for_line() {
    local file=$1 pattern=$2 pid=$3 limit=$4 waited=0 line
    while [ "$waited" -lt $((limit * 10)) ]; do
        line=$(grep -m1 -E "$pattern" "$file" 2>/dev/null || true)
        if [ -n "$line" ]; then echo "$line"; return 0; fi
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.1
        waited=$((waited + 1))
    done
    return 1
}

"$BIN/pdp" serve --policy policies/tasks.yaml "$@" > "$PDP_LOG" 2>&1 &
PDP_PID=$!
if ! LISTENING=$(wait_for_line "$PDP_LOG" '^pdp listening on http://' "$PDP_PID" 30); then
    echo "run.sh: pdp serve did not start:" >&2
    cat "$PDP_LOG" >&2
    exit 1
fi
PDP_PORT=${LISTENING##*:}
PDP_URL="http://$PDP_CONNECT:$PDP_PORT"

APP_HOST="${APP_HOST:-127.0.0.1}"
APP_PORT="${APP_PORT:-8080}"
export PERMIT_PDP_URL="$PDP_URL"
export PERMIT_API_URL="${PERMIT_API_URL:-$PDP_URL}"
[ -n "$API_KEY" ] && export PERMIT_API_KEY="$API_KEY"
export DATABASE_URL="${DATABASE_URL:-sqlite://.task-manager/tasks.sqlite}"
"$BIN/task-manager" serve --env production --hostname "$APP_HOST" --port "$APP_PORT" > "$APP_LOG" 2>&1 &
APP_PID=$!
if ! wait_for_line "$APP_LOG" 'Server started on' "$APP_PID" 120 > /dev/null; then
    echo "run.sh: task-manager did not start:" >&2
    cat "$APP_LOG" >&2
    exit 1
fi

APP_URL="http://$APP_HOST:$APP_PORT"
[ "$APP_HOST" = "0.0.0.0" ] && APP_URL="http://127.0.0.1:$APP_PORT"
echo
echo "  PDP:          $PDP_URL  (policy policies/tasks.yaml; log $PDP_LOG)"
echo "  Task Manager: $APP_URL  (log $APP_LOG)"
if CREATED=$(grep -m1 'created the admin account' "$APP_LOG"); then
    echo "  Admin login:  ${CREATED#task-manager: }"
elif FAILED=$(grep -m1 'could not set up the admin account' "$APP_LOG"); then
    echo "  Admin login:  none yet: $FAILED"
elif [ -n "${ADMIN_EMAIL:-}" ]; then
    echo "  Admin login:  $ADMIN_EMAIL with ADMIN_PASSWORD"
else
    echo "  Admin login:  the admin created on the first start (its password was printed then);"
    echo "                start with ADMIN_EMAIL=... ADMIN_PASSWORD=... and a new DATABASE_URL for another"
fi
echo "  Ctrl-C stops both."
echo
tail -n 0 -f "$PDP_LOG" "$APP_LOG" &
TAIL_PID=$!
# Whichever stops first ends the run (and the trap stops the other).
wait -n "$PDP_PID" "$APP_PID" || true
echo "run.sh: a server exited; stopping" >&2
