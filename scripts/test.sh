#!/usr/bin/env bash
# The project's test command (.ci/run execs it). From a fresh clone, as root on Debian:
#   1. libyaml-dev if pkg-config has no yaml-0.1 (apt-get)
#   2. swift build
#   3. a throwaway PostgreSQL cluster (scripts/postgres-cluster.sh: Debian's postgresql,
#      installed if missing, run as a non-root user on a free port; removed on exit) whose
#      URL is $PDP_TEST_POSTGRES_URL for the PostgreSQL store's Swift tests
#   4. swift test                                     (Swift Testing / XCTest)
#   5. a venv per Permit SDK under .build/compat-venv-<version>, reused while its
#      requirements file is unchanged
#   6. the SDK compatibility suite (Tests/compat) against .build/debug/pdp:
#      permit 3.0.0 + raw HTTP in one venv, permit 2.6.5 in the other
# Runs every step it can, prints a summary, exits non-zero if anything failed.
#
#   scripts/test.sh [--compat-only] [-- extra pytest arguments]
#     --compat-only   skip `swift test` (still builds)
#   env: PDP_BIN (server binary, default .build/debug/pdp), PYTHON (interpreter for the venvs),
#        COMPAT_TIMEOUT (seconds per pytest run, default 1200)
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

COMPAT_ONLY=0
PYTEST_ARGS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --compat-only) COMPAT_ONLY=1 ;;
        --) shift; PYTEST_ARGS=("$@"); break ;;
        -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
        *) echo "test.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
    shift
done

SDK_VERSIONS=(3.0.0 2.6.5)
declare -A SDK_TESTS=(
    [3.0.0]="Tests/compat/test_sdk_3_0_0.py Tests/compat/test_http.py Tests/compat/test_cli.py Tests/compat/test_reload.py Tests/compat/test_serve.py Tests/compat/test_facts_3_0_0.py Tests/compat/test_crash.py Tests/compat/test_durability.py Tests/compat/test_install.py Tests/compat/test_postgres.py"
    [2.6.5]="Tests/compat/test_sdk_2_6_5.py Tests/compat/test_facts_2_6_5.py"
)
PDP_BIN="${PDP_BIN:-$ROOT/.build/debug/pdp}"
COMPAT_TIMEOUT="${COMPAT_TIMEOUT:-1200}"

SUMMARY=()
FAILED=0
STARTED=$SECONDS

banner() { printf '\n==> %s\n' "$*"; }

# run_step NAME COMMAND...: runs it, records "ok"/"FAILED" with its time; returns its status.
run_step() {
    local name=$1 start=$SECONDS rc=0
    shift
    banner "$name"
    "$@" || rc=$?
    if [ "$rc" -eq 0 ]; then
        SUMMARY+=("  ok      $name ($((SECONDS - start))s)")
    else
        SUMMARY+=("  FAILED  $name (exit $rc, $((SECONDS - start))s)")
        FAILED=1
    fi
    return "$rc"
}

skip_step() { SUMMARY+=("  skipped $1 ($2)"); }

# The counts of pytest's closing lines in .build/compat-*.log, added up.
compat_counts() {
    local log line passed=0 failed=0 skipped=0 n word found=0
    for v in "${SDK_VERSIONS[@]}"; do
        log="$ROOT/.build/compat-$v.log"
        [ -f "$log" ] && [ "$log" -nt "$ROOT/.build/compat-started" ] || continue
        line=$(grep -E '^=+ .*[0-9]+ (passed|failed|error|errors|skipped).* in [0-9.]+s' "$log" | tail -1)
        [ -n "$line" ] || continue
        found=1
        while read -r n word; do
            case "$word" in
                passed*) passed=$((passed + n)) ;;
                failed*|error*) failed=$((failed + n)) ;;
                skipped*) skipped=$((skipped + n)) ;;
            esac
        done < <(grep -oE '[0-9]+ (passed|failed|errors?|skipped)' <<< "$line")
    done
    [ "$found" -eq 1 ] && echo "compat: $passed passed, $failed failed, $skipped skipped"
    return 0
}

finish() {
    printf '\n==> test.sh summary (%ss)\n' "$((SECONDS - STARTED))"
    printf '%s\n' "${SUMMARY[@]}"
    compat_counts
    if [ "$FAILED" -ne 0 ]; then
        echo "test.sh: FAILED"
        exit 1
    fi
    echo "test.sh: all steps passed"
    exit 0
}

# ---- Python for the venvs -----------------------------------------------------------------

python_ok() { "$1" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 9))' >/dev/null 2>&1; }

find_python() {
    local candidate
    for candidate in "${PYTHON:-}" python3.11 python3.12 python3.13 python3.10 python3.9 python3; do
        [ -n "$candidate" ] || continue
        if command -v "$candidate" >/dev/null 2>&1 && python_ok "$candidate"; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

ensure_python() {
    if PY=$(find_python); then return 0; fi
    echo "no Python >= 3.9 with venv and ensurepip: installing python3-venv with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q && apt-get install -y -q --no-install-recommends python3 python3-venv python3-pip || return 1
    PY=$(PYTHON=/usr/bin/python3 find_python) || { echo "error: still no usable python3" >&2; return 1; }
}

# ensure_venv VERSION: .build/compat-venv-VERSION with Tests/compat/requirements-VERSION.txt installed.
ensure_venv() {
    local version=$1
    local venv="$ROOT/.build/compat-venv-$version"
    local requirements="$ROOT/Tests/compat/requirements-$version.txt"
    local stamp="$venv/.requirements.sha256"
    local want
    want="$(sha256sum "$requirements" | cut -d' ' -f1) $("$PY" -c 'import sys; print(sys.version.split()[0])')"
    if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] \
        && "$venv/bin/python" -c 'import permit, pytest' >/dev/null 2>&1; then
        echo "reusing $venv"
        return 0
    fi
    rm -rf "$venv"
    mkdir -p "$ROOT/.build"
    "$PY" -m venv "$venv" || return 1
    "$venv/bin/pip" install --disable-pip-version-check -q -r "$requirements" || return 1
    echo "$want" > "$stamp"
    "$venv/bin/python" -c "import importlib.metadata as m; print('permit', m.version('permit'), 'in $venv')"
}

# compat VERSION: pytest with that SDK against the built server.
compat() {
    local version=$1 rc=0
    local -a files
    read -r -a files <<< "${SDK_TESTS[$version]}"
    PDP_BIN="$PDP_BIN" timeout --kill-after=30 "$COMPAT_TIMEOUT" \
        "$ROOT/.build/compat-venv-$version/bin/python" -m pytest "${files[@]}" "${PYTEST_ARGS[@]}" \
        2>&1 | tee "$ROOT/.build/compat-$version.log"
    rc=${PIPESTATUS[0]}
    case "$rc" in
        0) return 0 ;;
        5) echo "pytest collected no tests: that is a failure here" >&2; return 5 ;;
        124|137) echo "pytest timed out after ${COMPAT_TIMEOUT}s" >&2; return "$rc" ;;
        *) return "$rc" ;;
    esac
}

# ---- steps --------------------------------------------------------------------------------

run_step "libyaml-dev" ./scripts/ensure-libyaml.sh || finish

if ! run_step "swift build" swift build; then
    skip_step "swift test" "build failed"
    for v in "${SDK_VERSIONS[@]}"; do skip_step "compat permit $v" "build failed"; done
    finish
fi

# start_postgres: a cluster for the Swift tests of the PostgreSQL facts store.
PG_DIR=""
start_postgres() {
    PG_DIR=$(mktemp -d /tmp/pdp-test-pg-XXXXXX) || return 1
    PDP_TEST_POSTGRES_URL=$(./scripts/postgres-cluster.sh start "$PG_DIR" | tail -1) || return 1
    export PDP_TEST_POSTGRES_URL
    echo "PDP_TEST_POSTGRES_URL=$PDP_TEST_POSTGRES_URL"
}
trap '[ -n "$PG_DIR" ] && ./scripts/postgres-cluster.sh remove "$PG_DIR" >/dev/null 2>&1' EXIT

if [ "$COMPAT_ONLY" -eq 1 ]; then
    skip_step "swift test" "--compat-only"
else
    run_step "postgresql for the tests" start_postgres
    run_step "swift test" swift test
fi

if ! run_step "python for the compat venvs" ensure_python; then
    for v in "${SDK_VERSIONS[@]}"; do skip_step "compat permit $v" "no python"; done
    finish
fi
echo "using $PY ($("$PY" --version 2>&1))"

if [ ! -x "$PDP_BIN" ]; then
    banner "compat"
    echo "error: no server binary at $PDP_BIN after swift build" >&2
    for v in "${SDK_VERSIONS[@]}"; do SUMMARY+=("  FAILED  compat permit $v (no $PDP_BIN)"); done
    FAILED=1
    finish
fi

touch "$ROOT/.build/compat-started"
for v in "${SDK_VERSIONS[@]}"; do
    if run_step "venv permit $v" ensure_venv "$v"; then
        run_step "compat permit $v (${SDK_TESTS[$v]})" compat "$v"
    else
        skip_step "compat permit $v" "venv failed"
    fi
done

finish
