#!/usr/bin/env bash
# Measures `pdp serve` against nginx answering a constant {"allow":true} (the ceiling for an
# HTTP server on this machine), in one run, on loopback:
#   1. wrk: keep-alive and a new connection per request (how Permit's Python SDK behaves),
#      at 1, 16, 64 and 256 connections; requests/s, p50/p99 and the ratio to nginx;
#   2. `pdp load` (closed loop, every pdp answer verified against the policy) for the same;
#   3. one core each: nginx with one worker against `pdp serve --threads 1`, each pinned to the
#      last CPU, generators pinned to CPU 0: wrk keep-alive at 64 connections (the cost per
#      request without the scheduling effects of four busy threads on two cores), and an open
#      loop at half of the pinned pdp's maximum, p50/p99/p99.9 of both servers at that rate
#      (the generator's own cost, about a core at 50k requests/s here, stays off the server's
#      core);
#   4. open loop at half of pdp's keep-alive maximum (64 connections): p50/p99/p99.9 of pdp
#      and of nginx at the same offered rate from the same generator, with one and two
#      generator threads (a second generator thread competes with the event loops for the
#      two cores and adds its own scheduling delay to every latency it measures);
#   5. /allowed/bulk with 1,000 checks per request, 2, 4 and 8 connections: decisions per
#      second. One loop accepts and hands connections to the loops in turn, so 2
#      connections land on 2 loops.
#
#   Benchmarks/macro/compare.sh [--duration 10] [--rounds 3] [--connections "1 16 64 256"] [--pdp PATH]
# Each wrk cell alternates nginx and pdp --rounds times and reports medians: on a 2-core VM
# one 10 s run of either server varies by 15-20%. First, the machine's own scheduling floor:
# how late an idle thread wakes from a timer (Benchmarks/macro/wake_latency.c).
# Installs nginx-light and wrk from Debian when missing. Builds the release pdp unless --pdp
# is given. Talks only to 127.0.0.1; stops both servers at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
DURATION=10
ROUNDS=3
CONNECTIONS="1 16 64 256"
PDP=""
while [ $# -gt 0 ]; do
    case "$1" in
        --duration) DURATION=$2; shift ;;
        --rounds) ROUNDS=$2; shift ;;
        --connections) CONNECTIONS=$2; shift ;;
        --pdp) PDP=$2; shift ;;
        *) echo "compare.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

if ! command -v nginx >/dev/null || ! command -v wrk >/dev/null; then
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx-light wrk
fi
if [ -z "$PDP" ]; then
    ./scripts/ensure-libyaml.sh
    swift build -c release --product pdp >&2
    PDP=$ROOT/.build/release/pdp
fi

WORK=$(mktemp -d)
NGINX_PORT=18080
NGINX1_PORT=18081
PDP_PORT=17766
PDP1_PORT=17767
cleanup() {
    for pidfile in "$WORK"/nginx*.pid; do [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null; done
    [ -n "${PDP_PID:-}" ] && kill "$PDP_PID" 2>/dev/null
    [ -n "${PDP1_PID:-}" ] && kill "$PDP1_PID" 2>/dev/null
    true
    rm -rf "$WORK"
}
trap cleanup EXIT

nginx_config() { # name workers port [launcher prefix, e.g. "taskset -c 1"]
    cat > "$WORK/$1.conf" <<NGINX
worker_processes $2;
pid $WORK/$1.pid;
error_log $WORK/$1-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  server {
    listen 127.0.0.1:$3 reuseport;
    location / { default_type application/json; return 200 '{"allow":true}'; }
  }
}
NGINX
    ${4:-} nginx -c "$WORK/$1.conf"
}
nginx_config nginx "$(nproc)" "$NGINX_PORT"

# Both servers run in a session of their own, as services do. nginx daemonizes (setsid) by
# itself; without setsid, pdp would share this shell's session, and with it the kernel's
# scheduling autogroup, with wrk and pdp load: CPU is shared fairly between autogroups, so
# nginx's workers and the generator would each get their own share while pdp's event loops
# and the generator split one (measured: wrk got 0.68 of a CPU against pdp and 0.9 against
# nginx, /proc/sys/kernel/sched_autogroup_enabled = 1).
setsid "$PDP" serve --policy policies/tasks.yaml --policy Tests/compat/policy/users.yaml \
    --port "$PDP_PORT" --api-key bench-key --log-level warning > "$WORK/pdp.out" 2>&1 &
PDP_PID=$!
for _ in $(seq 100); do grep -q "pdp listening" "$WORK/pdp.out" 2>/dev/null && break; sleep 0.1; done

# The body the Python SDK sends for permit.check("alice", "read", "task").
for mode in keepalive close; do
    {
        echo 'wrk.method = "POST"'
        echo "wrk.body = '{\"user\": {\"key\": \"alice\"}, \"action\": \"read\", \"resource\": {\"type\": \"task\", \"key\": null, \"tenant\": \"default\", \"context\": {\"tenant\": \"default\"}}, \"context\": {}}'"
        echo 'wrk.headers["Content-Type"] = "application/json"'
        echo 'wrk.headers["Authorization"] = "Bearer bench-key"'
        [ "$mode" = close ] && echo 'wrk.headers["Connection"] = "close"'
        echo 'done = function(summary, latency, requests)'
        echo '  io.write(string.format("RESULT %.0f %.0f %.0f %d\n", summary.requests / (summary.duration / 1e6), latency:percentile(50), latency:percentile(99), summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))'
        echo 'end'
    } > "$WORK/$mode.lua"
done

measure() { # url mode connections -> "rps p50us p99us errors"
    ${WRK_PREFIX:-} wrk -t1 -c"$3" -d"${DURATION}s" -s "$WORK/$2.lua" "$1/allowed" 2>/dev/null | awk '/^RESULT/ {print $2, $3, $4, $5}'
}
median() { tr ' ' '\n' | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2)) }'; }
# One table row: nginx and pdp measured alternately ROUNDS times (both see the same drift of
# this shared machine); medians of each column, and the ratio of the median rates.
compare_row() { # label nginx-url pdp-url mode connections
    local label=$1 nginx=$2 pdp=$3 mode=$4 c=$5 nr=() n50=() n99=() pr=() p50=() p99=() errors=0 r a b d e
    for ((r = 0; r < ROUNDS; r++)); do
        read -r a b d e < <(measure "$nginx" "$mode" "$c"); nr+=("$a"); n50+=("$b"); n99+=("$d")
        read -r a b d e < <(measure "$pdp" "$mode" "$c"); pr+=("$a"); p50+=("$b"); p99+=("$d"); errors=$((errors + e))
    done
    local mnr mpr
    mnr=$(echo "${nr[*]}" | median); mpr=$(echo "${pr[*]}" | median)
    printf '%-10s %5s | %10s %8s %8s | %10s %8s %8s | %6s\n' "$label" "$c" "$mnr" "$(echo "${n50[*]}" | median)" \
        "$(echo "${n99[*]}" | median)" "$mpr" "$(echo "${p50[*]}" | median)" "$(echo "${p99[*]}" | median)" \
        "$(awk -v a="$mpr" -v b="$mnr" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
    [ "$errors" = 0 ] || echo "  (pdp: $errors errors)"
    [ "$ROUNDS" -gt 1 ] && echo "  rounds: nginx ${nr[*]} / pdp ${pr[*]} r/s"
    true
}

# The floor: how late this machine wakes an idle thread, with no network and no server.
if command -v cc >/dev/null && cc -O2 -o "$WORK/wake_latency" Benchmarks/macro/wake_latency.c 2>/dev/null; then
    echo "this machine, idle: $("$WORK/wake_latency" 20000 100000)"
    echo
fi

echo "wrk -t1, ${DURATION}s per run, median of $ROUNDS alternating rounds"
printf '%-10s %5s | %10s %8s %8s | %10s %8s %8s | %6s\n' mode conns "nginx r/s" "p50 us" "p99 us" "pdp r/s" "p50 us" "p99 us" ratio
for mode in keepalive close; do
    for c in $CONNECTIONS; do
        compare_row "$mode" "http://127.0.0.1:$NGINX_PORT" "http://127.0.0.1:$PDP_PORT" "$mode" "$c"
    done
done
POLICIES=(--policy policies/tasks.yaml --policy Tests/compat/policy/users.yaml)
load() { # url mode connections [extra...] -> JSON summary of `pdp load`
    local url=$1 mode=$2 c=$3
    shift 3
    local flags=(--url "$url" --connections "$c" --duration "$DURATION" --json --api-key bench-key "${POLICIES[@]}")
    [ "$mode" = close ] && flags+=(--new-connection)
    "$PDP" load "${flags[@]}" "$@" 2>/dev/null || true
}
field() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
LATENCY_FIELDS='" ".join(str(x) for x in [d["latencyMicroseconds"]["p50"], d["latencyMicroseconds"]["p99"], d["latencyMicroseconds"]["p999"], round(d["requestsPerSecond"]), d["mismatches"]])'
# ROUNDS open-loop runs alternating nginx and pdp (pdp's answers verified): each run's line,
# then the median p99 of each. `runner URL ARGS...` prints "p50 p99 p99.9 rps mismatches".
open_loop_rounds() { # label runner nginx-url pdp-url [runner args...]
    local label=$1 runner=$2 nginx=$3 pdp=$4 pdp99=() ngx99=() r n50 n99 n999 nrps p50 p99 p999 prps mm
    shift 4
    for ((r = 0; r < ROUNDS; r++)); do
        read -r n50 n99 n999 nrps _ < <("$runner" "$nginx" "$@")
        read -r p50 p99 p999 prps mm < <("$runner" "$pdp" "$@" --verify)
        ngx99+=("$n99"); pdp99+=("$p99")
        echo "  $label: pdp $prps r/s, p50 $p50 us, p99 $p99 us, p99.9 $p999 us, mismatches $mm" \
            "| nginx $nrps r/s, p50 $n50 us, p99 $n99 us, p99.9 $n999 us"
    done
    echo "  $label: median p99 over $ROUNDS runs: pdp $(echo "${pdp99[*]}" | median) us, nginx $(echo "${ngx99[*]}" | median) us"
}

echo
echo "pdp load (closed loop; answers from pdp verified against the policy)"
printf '%-10s %5s | %10s | %10s %8s %10s | %6s\n' mode conns "nginx r/s" "pdp r/s" "p99 us" mismatches ratio
for mode in keepalive close; do
    for c in $CONNECTIONS; do
        nr=$(load "http://127.0.0.1:$NGINX_PORT" "$mode" "$c" | field 'round(d["requestsPerSecond"])')
        summary=$(load "http://127.0.0.1:$PDP_PORT" "$mode" "$c" --verify)
        pr=$(field 'round(d["requestsPerSecond"])' <<< "$summary")
        p99=$(field 'd["latencyMicroseconds"]["p99"]' <<< "$summary")
        mm=$(field 'd["mismatches"] + d["non200"] + d["connectionErrors"] + d["timeouts"]' <<< "$summary")
        ratio=$(awk -v a="$pr" -v b="$nr" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
        printf '%-10s %5s | %10s | %10s %8s %10s | %6s\n' "$mode" "$c" "$nr" "$pr" "$p99" "$mm" "$ratio"
    done
done

echo
# One core each: each server on a core of its own (the last), the generator on another (the
# first). Without pinning, two busy server threads and a generator share two cores and every
# latency includes waits for a core; pinned, the generator's cost stays off the server's core.
SERVER_CPU=$(($(nproc) - 1))
echo "one core each: nginx with 1 worker vs pdp serve --threads 1, both on CPU $SERVER_CPU; generators on CPU 0"
nginx_config nginx1 1 "$NGINX1_PORT" "taskset -c $SERVER_CPU"
setsid taskset -c "$SERVER_CPU" "$PDP" serve --policy policies/tasks.yaml --policy Tests/compat/policy/users.yaml --threads 1 \
    --in-memory --port "$PDP1_PORT" --api-key bench-key --log-level warning > "$WORK/pdp1.out" 2>&1 &
PDP1_PID=$!
for _ in $(seq 100); do grep -q "pdp listening" "$WORK/pdp1.out" 2>/dev/null && break; sleep 0.1; done
WRK_PREFIX="taskset -c 0"
compare_row "1 core" "http://127.0.0.1:$NGINX1_PORT" "http://127.0.0.1:$PDP1_PORT" keepalive 64
WRK_PREFIX=""
# Open loop at half of the pinned pdp's own maximum, one generator thread on CPU 0.
max1=$(taskset -c 0 "$PDP" load --url "http://127.0.0.1:$PDP1_PORT" --connections 64 --threads 1 --duration "$DURATION" \
    --json --api-key bench-key "${POLICIES[@]}" 2>/dev/null | field 'round(d["requestsPerSecond"])')
half1=$((max1 / 2))
echo "  open loop, one core each: $half1 r/s offered (half of $max1 by pdp load), 64 connections, 1 generator thread"
pinned_open_loop() { # url [extra...] -> "p50 p99 p99.9 rps mismatches"
    local url=$1
    shift
    taskset -c 0 "$PDP" load --url "$url" --connections 64 --threads 1 --rate "$half1" --duration "$DURATION" --json \
        --api-key bench-key "${POLICIES[@]}" "$@" 2>/dev/null | field "$LATENCY_FIELDS"
}
open_loop_rounds "one core each" pinned_open_loop "http://127.0.0.1:$NGINX1_PORT" "http://127.0.0.1:$PDP1_PORT"
kill "$PDP1_PID" 2>/dev/null; PDP1_PID=""

echo
max=$(load "http://127.0.0.1:$PDP_PORT" keepalive 64 | field 'round(d["requestsPerSecond"])')
half=$((max / 2))
echo "open loop at half of the keep-alive maximum ($max r/s by pdp load): $half r/s offered, 64 connections;"
echo "nginx gets the same offered rate from the same generator, alternating, as the baseline"
open_loop() { # url threads [extra...] -> "p50 p99 p99.9 rps mismatches"
    local url=$1 threads=$2
    shift 2
    load "$url" keepalive 64 --rate "$half" --threads "$threads" "$@" | field "$LATENCY_FIELDS"
}
for threads in 1 2; do
    open_loop_rounds "$threads generator thread(s)" open_loop "http://127.0.0.1:$NGINX_PORT" "http://127.0.0.1:$PDP_PORT" "$threads"
done
for c in 2 4 8; do
    summary=$(load "http://127.0.0.1:$PDP_PORT" keepalive "$c" --batch 1000 --verify)
    echo "/allowed/bulk, 1,000 checks per request, $c connections:" \
        "$(field 'round(d["decisionsPerSecond"])' <<< "$summary") decisions/s," \
        "p99 $(field 'd["latencyMicroseconds"]["p99"]' <<< "$summary") us per request," \
        "mismatches $(field 'd["mismatches"]' <<< "$summary")"
done

curl -s -H "Authorization: Bearer bench-key" "http://127.0.0.1:$PDP_PORT/allowed" \
    -d '{"user":"alice","action":"read","resource":"task"}' | grep -q '"allow":true' \
    || { echo "pdp answered a check wrongly after the run" >&2; exit 1; }
