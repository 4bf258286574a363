#!/usr/bin/env bash
# Builds one libFuzzer target of Tests/Fuzz (or all) with -sanitize=fuzzer,address and runs
# it for SECONDS over its seed corpus, after replaying every input that once crashed it.
#
#   scripts/fuzz.sh TARGET SECONDS [extra libFuzzer flags]
#   scripts/fuzz.sh all SECONDS          every target in turn, SECONDS each
#   scripts/fuzz.sh --list               the targets
#
# Targets: FuzzCheckBody FuzzBulkBody FuzzQueryBodies FuzzRESTBodies FuzzPolicyYAML
#          FuzzJournal FuzzHTTP (Tests/Fuzz/Sources/*/main.swift says what each covers).
# Seeds:   Tests/Fuzz/Corpus/TARGET (committed, read only). New inputs the run finds go to
#          .build/fuzz/corpus/TARGET (kept between runs, not committed).
# Crashes: written to .build/fuzz/artifacts/TARGET/; the script exits non-zero. Copy the
#          input to Tests/Fuzz/Regressions/TARGET/ with the fix and its regression test:
#          every later run replays that directory first.
# Prints:  the executions, the coverage (libFuzzer's `cov`, edges hit, and `ft`, features)
#          and the corpus size, as one line `fuzz: TARGET ... executions ...` per target.
# env:     FUZZ_JOBS (parallel libFuzzer workers, default 1), FUZZ_RSS_MB (default 3072).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PKG="$ROOT/Tests/Fuzz"
TARGETS=(FuzzCheckBody FuzzBulkBody FuzzQueryBodies FuzzRESTBodies FuzzPolicyYAML FuzzJournal FuzzHTTP)

usage() { sed -n '2,19p' "$0"; }
[ $# -ge 1 ] || { usage >&2; exit 64; }
case "$1" in
    -h|--help) usage; exit 0 ;;
    --list) printf '%s\n' "${TARGETS[@]}"; exit 0 ;;
esac
[ $# -ge 2 ] && [[ "$2" =~ ^[0-9]+$ ]] || { usage >&2; exit 64; }
TARGET=$1
SECONDS_EACH=$2
shift 2
if [ "$TARGET" = all ]; then
    selected=("${TARGETS[@]}")
else
    [[ " ${TARGETS[*]} " == *" $TARGET "* ]] || { echo "fuzz.sh: unknown target $TARGET (try --list)" >&2; exit 64; }
    selected=("$TARGET")
fi

"$ROOT/scripts/ensure-libyaml.sh" >/dev/null
# One build of every target: they share the (sanitized) swift-pdp modules.
BUILD=(swift build --package-path "$PKG" -c debug
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -enable-testing)
echo "fuzz.sh: building (${BUILD[*]})" >&2
"${BUILD[@]}" >&2
BIN="$PKG/.build/debug"

max_len() {
    case "$1" in
        FuzzHTTP) echo 16384 ;;
        FuzzPolicyYAML) echo 65536 ;;
        *) echo 8192 ;;
    esac
}

dictionary() {
    case "$1" in
        FuzzHTTP) echo "$PKG/Dictionaries/http.dict" ;;
        FuzzPolicyYAML) echo "$PKG/Dictionaries/yaml.dict" ;;
        FuzzJournal) echo "" ;;
        *) echo "$PKG/Dictionaries/json.dict" ;;
    esac
}

# Leak checks off: the harnesses keep process-wide state (a server state whose writer
# threads live as long as the process), which LeakSanitizer reports at exit.
status=0
for target in "${selected[@]}"; do
    work="$ROOT/.build/fuzz/corpus/$target"
    artifacts="$ROOT/.build/fuzz/artifacts/$target"
    mkdir -p "$work" "$artifacts"
    regressions="$PKG/Regressions/$target"
    if [ -d "$regressions" ] && [ -n "$(ls -A "$regressions")" ]; then
        echo "fuzz.sh: $target: replaying $(ls "$regressions" | wc -l) regression inputs" >&2
        SWIFT_BACKTRACE=enable=no ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1}" \
            "$BIN/$target" -runs=0 "$regressions"/* >/dev/null 2>"$artifacts/regressions.log" \
            || { cat "$artifacts/regressions.log" >&2; echo "fuzz: $target FAILED on a regression input" ; status=1; continue; }
    fi
    flags=(-max_total_time="$SECONDS_EACH" -print_final_stats=1 -max_len="$(max_len "$target")"
        -timeout=10 -rss_limit_mb="${FUZZ_RSS_MB:-3072}" -artifact_prefix="$artifacts/" -close_fd_mask=1)
    dict=$(dictionary "$target")
    [ -n "$dict" ] && flags+=(-dict="$dict")
    if [ "${FUZZ_JOBS:-1}" -gt 1 ]; then flags+=(-fork="$FUZZ_JOBS" -ignore_crashes=0); fi
    log="$ROOT/.build/fuzz/$target.log"
    echo "fuzz.sh: $target for ${SECONDS_EACH}s (log $log)" >&2
    rc=0
    SWIFT_BACKTRACE=enable=no ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1}" \
        "$BIN/$target" "${flags[@]}" "$@" "$work" "$PKG/Corpus/$target" >"$log" 2>&1 || rc=$?
    runs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$log" | tail -1 | grep -oE '[0-9]+$' || echo "?")
    last=$(grep -E '^#[0-9]+' "$log" | tail -1)
    cov=$(grep -oE 'cov: [0-9]+' <<<"$last" | grep -oE '[0-9]+' || echo "?")
    ft=$(grep -oE 'ft: [0-9]+' <<<"$last" | grep -oE '[0-9]+' || echo "?")
    corp=$(grep -oE 'corp: [0-9]+' <<<"$last" | grep -oE '[0-9]+' || echo "?")
    if [ "$rc" -eq 0 ]; then
        echo "fuzz: $target ok: $runs executions in ${SECONDS_EACH}s, cov $cov edges, ft $ft features, corpus $corp"
    else
        echo "fuzz: $target FAILED (exit $rc) after $runs executions: see $log and $artifacts"
        grep -E 'ERROR|Fatal error|==[0-9]+==|panic|Precondition' "$log" | head -5
        status=1
    fi
done
exit "$status"
