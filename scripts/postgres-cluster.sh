#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: Debian's `postgresql` (installed with apt-get
# when missing), its own data directory, a free port on 127.0.0.1, trust authentication,
# run as a non-root user (`postgres` when started as root, else the caller).
#
#   scripts/postgres-cluster.sh start DIR   # initdb + start; prints the URL (also in DIR/url)
#   scripts/postgres-cluster.sh stop DIR    # stop the server, keep the cluster (restartable)
#   scripts/postgres-cluster.sh restart DIR # start a stopped cluster again, on the same port
#   scripts/postgres-cluster.sh remove DIR  # stop and delete DIR
#
# The URL names database `pdp_test`; tests make their own databases beside it.
set -euo pipefail

command=${1:-}
dir=${2:-}
[ -n "$command" ] && [ -n "$dir" ] || { sed -n '2,11p' "$0"; exit 2; }

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

ensure_postgres() {
    if [ -z "$(pg_bin)" ]; then
        echo "postgres-cluster: installing Debian's postgresql" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q >&2 && apt-get install -y -q --no-install-recommends postgresql >&2
    fi
    BIN=$(pg_bin)
    [ -n "$BIN" ] || { echo "postgres-cluster: no PostgreSQL binaries after installing" >&2; exit 1; }
}

# PostgreSQL refuses to run as root: as root, run it as `postgres` (created if missing).
as_owner() {
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

server_start() {
    local port
    port=$(cat "$dir/port")
    as_owner "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=on" start >&2
}

case "$command" in
    start)
        ensure_postgres
        mkdir -p "$dir"
        dir=$(cd "$dir" && pwd)
        [ "$(id -u)" = 0 ] && { id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres; chown postgres "$dir"; chmod 755 "$dir"; }
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' > "$dir/port"
        as_owner "$BIN/initdb" -D "$dir/data" -A trust -U pdp -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
            || { cat "$dir/initdb.log" >&2; exit 1; }
        server_start
        as_owner "$BIN/createdb" -h 127.0.0.1 -p "$(cat "$dir/port")" -U pdp pdp_test
        echo "postgres://pdp@127.0.0.1:$(cat "$dir/port")/pdp_test?sslmode=disable" | tee "$dir/url"
        ;;
    stop)
        ensure_postgres
        as_owner "$BIN/pg_ctl" -D "$dir/data" -m fast -w stop >&2
        ;;
    restart)
        ensure_postgres
        server_start
        ;;
    remove)
        if [ -d "$dir/data" ]; then
            ensure_postgres
            as_owner "$BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
        fi
        rm -rf "$dir"
        ;;
    *)
        echo "postgres-cluster: unknown command $command" >&2
        exit 2
        ;;
esac
