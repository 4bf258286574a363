#!/usr/bin/env bash
# Instructions per `POST /allowed` request through the production pipeline (HTTP parsing,
# routing, API key, JSON, decision, response framing; on an EmbeddedChannel, so no socket
# and no kernel), counted by valgrind's callgrind: exact and repeatable, unlike timings on
# a shared VM. Runs the driver at 200 and 2,200 requests and divides the difference by
# 2,000, so start-up and the policy compile cancel out; prints the total and the functions
# that cost the most per request.
#   Benchmarks/macro/callgrind_allowed.sh [top-N]
set -euo pipefail
cd "$(dirname "$0")/../Instructions"
TOP=${1:-25}
command -v valgrind >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q valgrind; }
../../scripts/ensure-libyaml.sh
swift build -c release --product PipelineInstructions >&2
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# callgrind cannot read the debug info of these release binaries ("possibly corrupted"):
# count on a copy without it.
cp .build/release/PipelineInstructions "$WORK/driver" && strip -g "$WORK/driver"
for n in 200 2200; do
    valgrind --tool=callgrind --callgrind-out-file="$WORK/cg$n.out" "$WORK/driver" "$n" ../.. > /dev/null 2> "$WORK/valgrind$n.log" \
        || { cat "$WORK/valgrind$n.log" >&2; exit 1; }
done
python3 - "$WORK" "$TOP" <<'PY'
import re, subprocess, sys
work, top = sys.argv[1], int(sys.argv[2])
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
a, ta = load(200)
b, tb = load(2200)
print(f"instructions per /allowed request: {(tb - ta) / 2000:.0f}")
rows = sorted(((b.get(k, 0) - a.get(k, 0)) / 2000, k) for k in b)
for n, k in reversed(rows[-top:]):
    print(f"{n:8.0f}  {k[:140]}")
PY
