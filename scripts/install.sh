#!/usr/bin/env bash
# Builds the release binaries and installs them, with the bundled policies, under a prefix.
# The Dockerfile's build stage runs exactly this script, and CI runs it too
# (Tests/compat/test_install.py), so the steps a container image is built with are proven here.
#
#   scripts/install.sh [--prefix DIR] [--products "pdp task-manager"] [--no-build]
#     --prefix    where to install (default /usr/local): DIR/bin/pdp,
#                 DIR/share/swift-pdp/policies/, DIR/share/swift-pdp/task-manager/ (the app's
#                 Resources/Views and Public/, when the app is built)
#     --products  which executables (default: every executable product of the package)
#     --no-build  install what .build/release already holds
#   env: SWIFT_BUILD_FLAGS (extra flags for `swift build`, default --static-swift-stdlib so the
#        binaries need only glibc, libstdc++ and libyaml at run time)
#
# Prints each installed path, then the run-time libraries the binaries load (`ldd`), so a
# container's runtime stage can install exactly those.
set -euo pipefail
cd "$(dirname "$0")/.."

PREFIX=/usr/local
PRODUCTS=""
BUILD=1
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) PREFIX=$2; shift ;;
        --prefix=*) PREFIX=${1#*=} ;;
        --products) PRODUCTS=$2; shift ;;
        --products=*) PRODUCTS=${1#*=} ;;
        --no-build) BUILD=0 ;;
        -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
        *) echo "install.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
    esac
    shift
done

if [ -z "$PRODUCTS" ]; then
    PRODUCTS=pdp
    # The bundled task app, once the package has it.
    if grep -q 'name: "task-manager"' Package.swift; then PRODUCTS="pdp task-manager"; fi
fi

read -r -a FLAGS <<< "${SWIFT_BUILD_FLAGS---static-swift-stdlib}"
if [ "$BUILD" -eq 1 ]; then
    ./scripts/ensure-libyaml.sh
    for product in $PRODUCTS; do
        echo "==> swift build -c release --product $product ${FLAGS[*]}"
        swift build -c release --product "$product" "${FLAGS[@]}"
    done
fi
BIN=$(swift build -c release --show-bin-path)

install -d "$PREFIX/bin" "$PREFIX/share/swift-pdp/policies"
for product in $PRODUCTS; do
    # Debug sections out (a fifth of the size); symbols stay for crash backtraces.
    install -m 0755 "$BIN/$product" "$PREFIX/bin/$product"
    strip --strip-debug "$PREFIX/bin/$product"
    echo "installed $PREFIX/bin/$product"
done
install -m 0644 policies/*.yaml policies/README.md "$PREFIX/share/swift-pdp/policies/"
echo "installed $PREFIX/share/swift-pdp/policies/"
if [[ " $PRODUCTS " == *" task-manager "* ]]; then
    # The app's Leaf views and stylesheet: it finds them through TASK_MANAGER_RESOURCES.
    install -d "$PREFIX/share/swift-pdp/task-manager"
    cp -R Resources Public "$PREFIX/share/swift-pdp/task-manager/"
    echo "installed $PREFIX/share/swift-pdp/task-manager/ (set TASK_MANAGER_RESOURCES to it)"
fi

echo "run-time libraries:"
for product in $PRODUCTS; do
    ldd "$PREFIX/bin/$product" | awk '$3 ~ /^\// { print "  " $1 }'
done | sort -u
"$PREFIX/bin/pdp" --version >/dev/null
case ":$PATH:" in
    *":$PREFIX/bin:"*) ;;
    *) echo "note: $PREFIX/bin is not on your PATH; add it, or run $PREFIX/bin/pdp" ;;
esac
