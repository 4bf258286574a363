#!/usr/bin/env bash
# Decisions per second of one connection sending /allowed/bulk batches of 1,000 checks
# (`pdp load --verify --batch 1000 --connections 1`), for two pdp binaries run alternately:
# what splitting a batch across cores (DispatchQueue.concurrentPerform) buys over answering it
# on one event loop. Each round measures both; a round starts only when the machine was at
# least --idle percent idle over the last second (other builds make a second core a lottery),
# and gives up waiting after --wait seconds (the round is then marked "busy").
#
#   Benchmarks/macro/bulk_speedup.sh OLD_PDP NEW_PDP [--rounds 5] [--duration 5] [--idle 80] [--wait 120] [--client PDP]
#
# Each binary measures itself with its own `pdp load` unless --client names the one binary
# whose `pdp load` measures both (for an OLD whose load client differs).
#
# Prints every round (decisions/s, p50 and p99 per batch, the machine's idle share before
# it), then the medians and their ratio. Talks only to 127.0.0.1; stops both servers.
set -euo pipefail
cd "$(dirname "$0")/../.."
OLD=$1
NEW=$2
shift 2
ROUNDS=5
DURATION=5
IDLE=80
WAIT=120
CLIENT=
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) ROUNDS=$2; shift ;;
        --duration) DURATION=$2; shift ;;
        --idle) IDLE=$2; shift ;;
        --wait) WAIT=$2; shift ;;
        --client) CLIENT=$2; shift ;;
        *) echo "bulk_speedup.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
POLICIES=(--policy policies/tasks.yaml --policy Tests/compat/policy/users.yaml)
WORK=$(mktemp -d)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
    rm -rf "$WORK"
}
trap cleanup EXIT
serve() { # binary port
    setsid "$1" serve "${POLICIES[@]}" --in-memory --port "$2" --api-key bench-key --log-level warning > "$WORK/$2.out" 2>&1 &
    PIDS+=($!)
    for _ in $(seq 100); do grep -q listening "$WORK/$2.out" 2>/dev/null && break; sleep 0.1; done
}
serve "$OLD" 17801
serve "$NEW" 17802
# Percent idle over the next second, from /proc/stat.
idle_percent() {
    local a b
    a=($(head -1 /proc/stat)); sleep 1; b=($(head -1 /proc/stat))
    local total=0 i
    for i in 1 2 3 4 5 6 7 8; do total=$((total + b[i] - a[i])); done
    echo $(( total > 0 ? 100 * (b[4] - a[4]) / total : 0 ))
}
run() { # binary port -> "decisions/s p50 p99 mismatches"
    "${CLIENT:-$1}" load --url "http://127.0.0.1:$2" --api-key bench-key "${POLICIES[@]}" --verify --batch 1000 --connections 1 \
        --duration "$DURATION" --json 2>/dev/null \
        | python3 -c 'import json,sys; d=json.load(sys.stdin); l=d["latencyMicroseconds"]; print(round(d["decisionsPerSecond"]), l["p50"], l["p99"], d["mismatches"])'
}
median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2)) }'; }
printf '%-6s %6s | %-40s | %-40s\n' round "idle%" "old: decisions/s p50 p99 (us) mismatches" "new: decisions/s p50 p99 (us) mismatches"
olds=""
news=""
for ((r = 1; r <= ROUNDS; r++)); do
    waited=0
    idle=$(idle_percent)
    while [ "$idle" -lt "$IDLE" ] && [ "$waited" -lt "$WAIT" ]; do
        idle=$(idle_percent)
        waited=$((waited + 1))
    done
    note=""
    [ "$idle" -lt "$IDLE" ] && note=" (busy)"
    old=$(run "$OLD" 17801)
    new=$(run "$NEW" 17802)
    printf '%-6s %6s | %-40s | %-40s%s\n' "$r" "$idle" "$old" "$new" "$note"
    olds+="${old%% *} "
    news+="${new%% *} "
done
mo=$(echo "$olds" | median)
mn=$(echo "$news" | median)
echo "median decisions/s: old $mo, new $mn, ratio $(awk -v a="$mn" -v b="$mo" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')"
