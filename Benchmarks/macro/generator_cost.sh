#!/usr/bin/env bash
# What two `pdp load` builds cost as generators: each offers the same open-loop rate (one
# generator thread, 64 kept-alive connections) to nginx answering a constant {"allow":true} and
# to one `pdp serve` (of SERVER_PDP, the same for both), alternating round by round, and reports
# how busy its busiest thread was (`generatorBusiestThread`) beside the latency it measured.
# A generator near 100% adds its own queueing to every latency it reports.
#
#   Benchmarks/macro/generator_cost.sh OLD_PDP NEW_PDP [--server SERVER_PDP] [--rates "37700 65000"]
#                                      [--rounds 3] [--duration 8]
#
# OLD_PDP must be new enough to report generatorBusiestThread (dbb4cb8 or later). SERVER_PDP
# defaults to NEW_PDP. Needs nginx. Talks only to 127.0.0.1; stops what it started.
set -euo pipefail
cd "$(dirname "$0")/../.."
OLD=$1
NEW=$2
shift 2
SERVER=$NEW
RATES="37700 65000"
ROUNDS=3
DURATION=8
while [ $# -gt 0 ]; do
    case "$1" in
        --server) SERVER=$2; shift ;;
        --rates) RATES=$2; shift ;;
        --rounds) ROUNDS=$2; shift ;;
        --duration) DURATION=$2; shift ;;
        *) echo "generator_cost.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
command -v nginx >/dev/null || { echo "generator_cost.sh: needs nginx (apt-get install nginx-light)" >&2; exit 2; }
POLICIES=(--policy policies/tasks.yaml --policy Tests/compat/policy/users.yaml)
WORK=$(mktemp -d)
PDP_PID=
cleanup() {
    [ -n "$PDP_PID" ] && kill "$PDP_PID" 2>/dev/null || true
    [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
NGINX_PORT=$(free_port)
PDP_PORT=$(free_port)
cat > "$WORK/nginx.conf" <<CONF
worker_processes 2;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 4096; }
http { access_log off; server { listen 127.0.0.1:$NGINX_PORT; location / { default_type application/json; return 200 '{"allow":true}'; } } }
CONF
nginx -c "$WORK/nginx.conf"
"$SERVER" serve "${POLICIES[@]}" --in-memory --port "$PDP_PORT" --api-key bench-key --log-level warning >"$WORK/pdp.log" 2>&1 &
PDP_PID=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PDP_PORT/ready" >/dev/null 2>&1 && break; sleep 0.1; done

measure() { # generator url rate [extra...] -> "r/s p50 p99 p99.9 gen%"
    local generator=$1 url=$2 rate=$3
    shift 3
    "$generator" load --url "$url" "${POLICIES[@]}" --api-key bench-key --connections 64 --threads 1 --rate "$rate" \
        --duration "$DURATION" --json "$@" 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
l = d["latencyMicroseconds"]
print("%9.0f %7d %7d %8d %5.0f" % (d["requestsPerSecond"], l["p50"], l["p99"], l["p999"], 100 * d["generatorBusiestThread"]))'
}

echo "generators: old $OLD, new $NEW; server: $SERVER; $(nproc) CPUs; ${DURATION}s per run"
for rate in $RATES; do
    echo
    echo "open loop at $rate r/s, 64 connections, 1 generator thread"
    printf '%-6s %-10s %-6s | %9s %7s %7s %8s %5s\n' round generator server r/s "p50 us" "p99 us" "p99.9 us" gen%
    for round in $(seq "$ROUNDS"); do
        for label in old new; do
            generator=$OLD
            [ "$label" = new ] && generator=$NEW
            printf '%-6s %-10s %-6s | %s\n' "$round" "$label" nginx "$(measure "$generator" "http://127.0.0.1:$NGINX_PORT" "$rate")"
            printf '%-6s %-10s %-6s | %s\n' "$round" "$label" pdp "$(measure "$generator" "http://127.0.0.1:$PDP_PORT" "$rate" --verify)"
        done
    done
done
