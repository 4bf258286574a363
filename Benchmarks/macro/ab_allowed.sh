#!/usr/bin/env bash
# `/allowed` throughput and tail of two pdp binaries against nginx's constant answer, in one
# run: every round runs nginx, OLD and NEW in turn (wrk -t1, the Python SDK's check body,
# keep-alive), so all three see the same drift of this shared machine. For a change on the
# request path (for example the metrics recording): OLD built before it, NEW after.
#
#   Benchmarks/macro/ab_allowed.sh OLD_PDP NEW_PDP [--rounds 5] [--duration 8] [--connections "16 64"] [--threads 2]
#
# Both pdp servers get the same --threads (default 2, one loop per core here) so only the
# code differs. Prints every round (requests/s, p50, p99, p99.9 in microseconds), then the
# medians and each binary's ratio to nginx's and NEW's to OLD's. Needs nginx-light and wrk
# (compare.sh installs them). Talks only to 127.0.0.1; stops every server at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
OLD=$1
NEW=$2
shift 2
ROUNDS=5
DURATION=8
CONNECTIONS="16 64"
THREADS=2
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) ROUNDS=$2; shift ;;
        --duration) DURATION=$2; shift ;;
        --connections) CONNECTIONS=$2; shift ;;
        --threads) THREADS=$2; shift ;;
        *) echo "ab_allowed.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
command -v nginx >/dev/null && command -v wrk >/dev/null || { echo "ab_allowed.sh: needs nginx and wrk (run compare.sh once)" >&2; exit 2; }
WORK=$(mktemp -d)
cleanup() {
    # serve() runs in a command substitution (a subshell), so the pids are in files.
    for file in "$WORK"/*.pid; do [ -f "$file" ] && kill "$(cat "$file")" 2>/dev/null || true; done
    [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

NGINX_PORT=$(free_port)
cat > "$WORK/nginx.conf" <<CONF
worker_processes $(nproc);
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 4096; }
http {
    access_log off;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        location / { default_type application/json; return 200 '{"allow":true,"result":true}'; }
    }
}
CONF
nginx -c "$WORK/nginx.conf" -p "$WORK"

serve() { # name binary -> url
    local port
    port=$(free_port)
    setsid "$2" serve --policy policies/tasks.yaml --policy Tests/compat/policy/users.yaml --in-memory --no-watch \
        --port "$port" --api-key bench-key --log-level warning --threads "$THREADS" > "$WORK/$1.out" 2>&1 &
    echo $! > "$WORK/$1.pid"
    for _ in $(seq 100); do grep -q "listening" "$WORK/$1.out" 2>/dev/null && break; sleep 0.1; done
    echo "http://127.0.0.1:$port"
}
OLD_URL=$(serve old "$OLD")
NEW_URL=$(serve new "$NEW")
{
    echo 'wrk.method = "POST"'
    echo "wrk.body = '{\"user\": {\"key\": \"alice\"}, \"action\": \"read\", \"resource\": {\"type\": \"task\", \"key\": null, \"tenant\": \"default\", \"context\": {\"tenant\": \"default\"}}, \"context\": {}}'"
    echo 'wrk.headers["Content-Type"] = "application/json"'
    echo 'wrk.headers["Authorization"] = "Bearer bench-key"'
    echo 'done = function(summary, latency, requests)'
    echo '  io.write(string.format("RESULT %.0f %.0f %.0f %.0f\n", summary.requests / (summary.duration / 1e6), latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))'
    echo 'end'
} > "$WORK/check.lua"
measure() { wrk -t1 -c"$2" -d"${DURATION}s" -s "$WORK/check.lua" "$1/allowed" 2>/dev/null | awk '/^RESULT/ {print $2, $3, $4, $5}'; }
median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2)) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

echo "old: $OLD"
echo "new: $NEW"
echo "$(nproc) CPUs, pdp --threads $THREADS, wrk -t1 keep-alive, ${DURATION}s per run; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-5s %-8s %-6s | %9s %7s %7s %8s\n' conns round server "r/s" "p50 us" "p99 us" "p99.9 us"
for c in $CONNECTIONS; do
    declare -A rps=() p99=()
    for ((r = 1; r <= ROUNDS; r++)); do
        for server in nginx old new; do
            case $server in nginx) url="http://127.0.0.1:$NGINX_PORT" ;; old) url=$OLD_URL ;; new) url=$NEW_URL ;; esac
            read -r a b d f < <(measure "$url" "$c")
            printf '%-5s %-8s %-6s | %9s %7s %7s %8s\n' "$c" "round $r" "$server" "$a" "$b" "$d" "$f"
            rps[$server]+="$a "; p99[$server]+="$d "
        done
    done
    n=$(echo "${rps[nginx]}" | median); o=$(echo "${rps[old]}" | median); w=$(echo "${rps[new]}" | median)
    n9=$(echo "${p99[nginx]}" | median); o9=$(echo "${p99[old]}" | median); w9=$(echo "${p99[new]}" | median)
    echo "c$c medians: nginx $n r/s (p99 $n9 us), old $o ($o9), new $w ($w9); old/nginx $(ratio "$o" "$n"), new/nginx $(ratio "$w" "$n"), new/old r/s $(ratio "$w" "$o"), p99 $(ratio "$w9" "$o9")"
done
