#!/usr/bin/env bash
# Instructions per `POST /allowed` request through the production pipeline (HTTP parsing,
# routing, API key, JSON, decision, response framing; on an EmbeddedChannel, so no socket
# and no kernel), counted by valgrind's callgrind: exact and repeatable, unlike timings on
# a shared VM. Runs the driver at 200 and 2,200 requests and divides the difference by
# 2,000, so start-up and the policy compile cancel out; prints the total and the functions
# that cost the most per request.
#
# With --bulk, instructions per check of an `/allowed/bulk` batch instead: the per-check work
# each thread answering a slice of a batch does (read, decide, write the answer; no HTTP, one
# thread), over the first 1,000-check batch `pdp load --batch 1000` sends (captured from a
# release `pdp`), at 10 and 60 batches.
#   Benchmarks/macro/callgrind_allowed.sh [top-N] [--bulk]
set -euo pipefail
cd "$(dirname "$0")/../Instructions"
TOP=25
BULK=
for arg in "$@"; do
    case "$arg" in
        --bulk) BULK=1 ;;
        *) TOP=$arg ;;
    esac
done
command -v valgrind >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q valgrind; }
../../scripts/ensure-libyaml.sh
swift build -c release --product PipelineInstructions >&2
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# callgrind cannot read the debug info of these release binaries ("possibly corrupted"):
# count on a copy without it.
cp .build/release/PipelineInstructions "$WORK/driver" && strip -g "$WORK/driver"
RUNS=(200 2200)
UNITS=2000
UNIT=request
BODY=()
if [ -n "$BULK" ]; then
    (cd ../.. && swift build -c release --product pdp >&2)
    # A one-request HTTP server that keeps the body it is sent.
    python3 - "$WORK/bulk.json" <<'PY' &
import socket, sys
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", 17951))
server.listen(1)
connection, _ = server.accept()
data = b""
while b"\r\n\r\n" not in data:
    data += connection.recv(65536)
head, body = data.split(b"\r\n\r\n", 1)
length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:"))
while len(body) < length:
    body += connection.recv(65536)
open(sys.argv[1], "wb").write(body[:length])
PY
    sleep 0.5
    (cd ../.. && .build/release/pdp load --url http://127.0.0.1:17951 --policy policies/tasks.yaml --policy Tests/compat/policy/users.yaml \
        --no-served-facts --batch 1000 --connections 1 --requests 1 --timeout 1 > /dev/null 2>&1) || true
    wait
    BODY=("$WORK/bulk.json")
    RUNS=(10 60)
    UNITS=$((50 * $(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))))' "$WORK/bulk.json")))
    UNIT="check of a 1,000-check bulk batch"
fi
for n in "${RUNS[@]}"; do
    valgrind --tool=callgrind --callgrind-out-file="$WORK/cg$n.out" "$WORK/driver" "$n" ../.. "${BODY[@]}" > /dev/null 2> "$WORK/valgrind$n.log" \
        || { cat "$WORK/valgrind$n.log" >&2; exit 1; }
done
python3 - "$WORK" "$TOP" "${RUNS[0]}" "${RUNS[1]}" "$UNITS" "$UNIT" <<'PY'
import re, subprocess, sys
work, top, low, high, units, unit = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5]), sys.argv[6]
def load(n):
    out = subprocess.run(["callgrind_annotate", "--threshold=100", f"{work}/cg{n}.out"], capture_output=True, text=True).stdout
    per, total = {}, 0
    for line in out.splitlines():
        m = re.match(r"\s*([\d,]+) \([^)]*\)\s+(.*)", line)
        if not m: continue
        count = int(m.group(1).replace(",", ""))
        if "PROGRAM TOTALS" in m.group(2): total = count; continue
        name = m.group(2).split(" [")[0].split(":", 1)[-1]
        per[name] = per.get(name, 0) + count
    return per, total
a, ta = load(low)
b, tb = load(high)
print(f"instructions per {unit}: {(tb - ta) / units:.0f}")
rows = sorted(((b.get(k, 0) - a.get(k, 0)) / units, k) for k in b)
for n, k in reversed(rows[-top:]):
    print(f"{n:8.0f}  {k[:140]}")
PY
