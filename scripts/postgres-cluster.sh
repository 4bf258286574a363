#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on a free loopback port, for the task app's PostgreSQL test.
#   scripts/postgres-cluster.sh start DIR   # installs Debian's postgresql if missing, initdb in DIR,
#                                           # starts it, creates database `tasks`; prints its URL
#   scripts/postgres-cluster.sh stop DIR    # stops the cluster and removes DIR
# initdb refuses root, so as root the server runs as the `postgres` user (created by the package).
set -euo pipefail
command=${1:-}
DIR=${2:-}
[ -n "$command" ] && [ -n "$DIR" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

pg_bindir() {
    if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then pg_config --bindir; return; fi
    local dir
    for dir in /usr/lib/postgresql/*/bin; do [ -x "$dir/initdb" ] && { echo "$dir"; return; }; done
    return 1
}

as_owner() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$command" in
start)
    if ! BIN=$(pg_bindir); then
        echo "PostgreSQL not found: installing Debian's postgresql with apt-get" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q >&2 && apt-get install -y -q --no-install-recommends postgresql >&2
        BIN=$(pg_bindir) || { echo "error: no initdb after installing postgresql" >&2; exit 1; }
    fi
    PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    mkdir -p "$DIR"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$DIR"
    as_owner "$BIN/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$DIR.initdb.log" 2>&1 \
        || { cat "$DIR.initdb.log" >&2; exit 1; }
    as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR" start >&2
    "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -q -c "create user tasks password 'tasks'" >&2
    "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -q -c "create database tasks owner tasks" >&2
    echo "$PORT" > "$DIR.port"
    echo "postgres://tasks:tasks@127.0.0.1:$PORT/tasks?sslmode=disable"
    ;;
stop)
    if BIN=$(pg_bindir) && [ -d "$DIR/data" ]; then
        as_owner "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >&2 || true
    fi
    rm -rf "$DIR" "$DIR.port" "$DIR.initdb.log"
    ;;
*)
    echo "usage: $0 start|stop DIR" >&2
    exit 2
    ;;
esac
