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
#      permit 3.0.0 + raw HTTP in one venv (including sidecars sharing PostgreSQL), permit
#      2.6.5 in the other
#   7. the task app on PostgreSQL: a cluster of its own, `swift test --filter PostgresTests`
#   8. the task app in headless Chromium (Debian's chromium + chromium-driver, installed if
#      missing; Selenium from Tests/ui/requirements.txt in .build/ui-venv): Tests/ui, screenshots
#      in .build/ui-artifacts
#   9. the OpenAPI checks in a third venv (.build/compat-venv-openapi): real responses
#      validated against docs/openapi.json (openapi-core), then schemathesis fuzzing the
#      live server for OPENAPI_FUZZ_SECONDS (default 120)
#  10. the reliability suite (issue #15), short versions: every libFuzzer target for
#      FUZZ_SECONDS (scripts/fuzz.sh), `swift test --sanitize=address` (.build-asan), a short
#      soak (scripts/soak.py) and a 5-kill storm (scripts/kill_storm.py) against the debug binary
# Runs every step it can, prints a summary, exits non-zero if anything failed.
#
#   scripts/test.sh [--compat-only] [--no-app-extras] [--no-reliability] [-- extra pytest arguments]
#     --compat-only     skip `swift test` and the reliability suite (still builds)
#     --no-app-extras   skip steps 7 and 8
#     --no-reliability  skip the reliability suite (step 10)
#   env: PDP_BIN (server binary, default .build/debug/pdp), PYTHON (interpreter for the venvs),
#        COMPAT_TIMEOUT (seconds per pytest run, default 1200), OPENAPI_FUZZ_SECONDS, OPENAPI_FUZZ_SEED,
#        FUZZ_SECONDS (per fuzz target, default 60), SOAK_REQUESTS (default 200000), STORM_KILLS (default 5)
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

COMPAT_ONLY=0
APP_EXTRAS=1
RELIABILITY=1
PYTEST_ARGS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --compat-only) COMPAT_ONLY=1; RELIABILITY=0 ;;
        --no-reliability) RELIABILITY=0 ;;
        --) shift; PYTEST_ARGS=("$@"); break ;;
        --no-app-extras) APP_EXTRAS=0 ;;
        -h|--help) sed -n '2,33p' "$0"; exit 0 ;;
        *) echo "test.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
    shift
done

SDK_VERSIONS=(3.0.0 2.6.5)
declare -A SDK_TESTS=(
    [3.0.0]="Tests/compat/test_sdk_3_0_0.py Tests/compat/test_http.py Tests/compat/test_cli.py Tests/compat/test_reload.py Tests/compat/test_serve.py Tests/compat/test_facts_3_0_0.py Tests/compat/test_crash.py Tests/compat/test_durability.py Tests/compat/test_install.py Tests/compat/test_readme.py Tests/compat/test_operations.py Tests/compat/test_operations_logs.py Tests/compat/test_safety.py Tests/compat/test_postgres.py"
    [2.6.5]="Tests/compat/test_sdk_2_6_5.py Tests/compat/test_facts_2_6_5.py"
    [openapi]="Tests/compat/test_openapi.py Tests/compat/test_openapi_fuzz.py"
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

# The counts of pytest's closing lines in .build/compat-*.log and .build/ui.log, added up.
compat_counts() {
    local log line passed=0 failed=0 skipped=0 n word found=0
    local -a logs=()
    for v in "${SDK_VERSIONS[@]}" openapi; do logs+=("$ROOT/.build/compat-$v.log"); done
    logs+=("$ROOT/.build/ui.log")
    for log in "${logs[@]}"; do
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
    [ "$found" -eq 1 ] && echo "pytest: $passed passed, $failed failed, $skipped skipped"
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

# ensure_venv VERSION [MODULE...]: .build/compat-venv-VERSION with Tests/compat/requirements-VERSION.txt
# installed; reused while that file and the interpreter are unchanged and MODULE... (default:
# permit pytest) import.
ensure_venv() {
    local version=$1
    shift
    local modules=("$@")
    [ $# -gt 0 ] || modules=(permit pytest)
    local imports
    imports=$(IFS=,; echo "${modules[*]}")
    local venv="$ROOT/.build/compat-venv-$version"
    local requirements="$ROOT/Tests/compat/requirements-$version.txt"
    local stamp="$venv/.requirements.sha256"
    local want
    want="$(sha256sum "$requirements" | cut -d' ' -f1) $("$PY" -c 'import sys; print(sys.version.split()[0])')"
    if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] \
        && "$venv/bin/python" -c "import $imports" >/dev/null 2>&1; then
        echo "reusing $venv"
        return 0
    fi
    rm -rf "$venv"
    mkdir -p "$ROOT/.build"
    "$PY" -m venv "$venv" || return 1
    "$venv/bin/pip" install --disable-pip-version-check -q -r "$requirements" || return 1
    echo "$want" > "$stamp"
    "$venv/bin/python" -c "import importlib.metadata as m; print('${modules[0]}', m.version('${modules[0]}'.replace('_', '-')), 'in $venv')"
}

# compat VERSION: pytest with that SDK (or `openapi`: the OpenAPI checks) against the built server.
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

# ---- the task app's PostgreSQL run and browser test ---------------------------------------

# postgres_journey: the end-to-end journey on a throwaway PostgreSQL cluster.
postgres_journey() {
    local dir url rc=0
    dir=$(mktemp -d /tmp/task-manager-pg.XXXXXX)
    url=$("$ROOT/scripts/postgres-cluster.sh" start "$dir" | tail -1) || { "$ROOT/scripts/postgres-cluster.sh" remove "$dir"; return 1; }
    TASK_MANAGER_TEST_POSTGRES_URL="$url" swift test --filter PostgresTests 2>&1 | tee "$ROOT/.build/postgres-test.log"
    rc=${PIPESTATUS[0]}
    # Passing means the test ran, not that it was skipped for want of a database.
    if [ "$rc" -eq 0 ] && ! grep -q 'journeyOnPostgres.*passed\|Test "the end-to-end journey on PostgreSQL" passed' "$ROOT/.build/postgres-test.log"; then
        echo "the PostgreSQL test did not run" >&2
        rc=1
    fi
    "$ROOT/scripts/postgres-cluster.sh" remove "$dir"
    return "$rc"
}

ensure_chromium() {
    if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then return 0; fi
    echo "chromium / chromedriver not found: installing Debian's chromium and chromium-driver" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q && apt-get install -y -q --no-install-recommends chromium chromium-driver fonts-dejavu-core
}

ui_journeys() {
    local venv="$ROOT/.build/ui-venv" stamp want
    ensure_chromium || return 1
    want="$(sha256sum "$ROOT/Tests/ui/requirements.txt" | cut -d' ' -f1)"
    stamp="$venv/.requirements.sha256"
    if ! { [ -x "$venv/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; }; then
        rm -rf "$venv"
        "$PY" -m venv "$venv" || return 1
        "$venv/bin/pip" install --disable-pip-version-check -q -r "$ROOT/Tests/ui/requirements.txt" || return 1
        echo "$want" > "$stamp"
    fi
    PDP_BIN="$PDP_BIN" TASK_MANAGER_BIN="$ROOT/.build/debug/task-manager" UI_ARTIFACTS="$ROOT/.build/ui-artifacts" \
        SE_OFFLINE=true timeout --kill-after=30 900 "$venv/bin/python" -m pytest -c "$ROOT/Tests/ui/pytest.ini" \
        --rootdir "$ROOT/Tests/ui" "$ROOT/Tests/ui" 2>&1 | tee "$ROOT/.build/ui.log"
    return "${PIPESTATUS[0]}"
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
rm -f "$ROOT/.build/ui.log"
for v in "${SDK_VERSIONS[@]}"; do
    if run_step "venv permit $v" ensure_venv "$v"; then
        run_step "compat permit $v (${SDK_TESTS[$v]})" compat "$v"
    else
        skip_step "compat permit $v" "venv failed"
    fi
done

if run_step "venv openapi" ensure_venv openapi openapi_core schemathesis pytest; then
    run_step "openapi (${SDK_TESTS[openapi]})" compat openapi
else
    skip_step "openapi" "venv failed"
fi

if [ "$APP_EXTRAS" -eq 1 ] && [ "$COMPAT_ONLY" -eq 0 ]; then
    run_step "task app on PostgreSQL" postgres_journey
    run_step "task app in headless Chromium (Tests/ui)" ui_journeys
else
    skip_step "task app on PostgreSQL" "--compat-only / --no-app-extras"
    skip_step "task app in headless Chromium" "--compat-only / --no-app-extras"
fi

# ---- the reliability suite (issue #15) ----------------------------------------------------

if [ "$RELIABILITY" -eq 1 ]; then
    run_step "fuzz: every target for ${FUZZ_SECONDS:-60}s (scripts/fuzz.sh)" ./scripts/fuzz.sh all "${FUZZ_SECONDS:-60}"
    # A scratch path of its own, so the sanitized build does not replace the normal one.
    # One test at a time: in parallel, under ASan on 2 cores, the tests that block on sockets
    # held Swift's two cooperative threads long enough for tests that bound wall-clock time
    # (a refused connection within 20 s, a header timeout within 30 s) to fail now and then
    # (2 of 4 runs on 2026-12-07). Serial, the suite takes about 96 s instead of 56-72 s.
    run_step "swift test --sanitize=address" env ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}" \
        swift test --sanitize=address --scratch-path "$ROOT/.build-asan" --no-parallel
    run_step "soak (short: ${SOAK_REQUESTS:-200000} requests)" "$PY" scripts/soak.py --pdp "$PDP_BIN" \
        --requests "${SOAK_REQUESTS:-200000}" --rounds 4 --users 500
    # The debug binary starts far slower than a release one: the limit here only catches a
    # start-up that got much slower; the 1 s bound at 1 M users is for the release binary
    # (scripts/kill_storm.py's defaults, run by hand).
    run_step "kill storm (${STORM_KILLS:-5} SIGKILLs, 4 writers)" "$PY" scripts/kill_storm.py --pdp "$PDP_BIN" \
        --kills "${STORM_KILLS:-5}" --users 20000 --ready-limit 20
else
    skip_step "reliability suite" "--no-reliability or --compat-only"
fi

finish
