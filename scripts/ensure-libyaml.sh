#!/usr/bin/env bash
# Installs libyaml's headers (CLibYAML needs pkg-config's yaml-0.1) when they are missing.
# Idempotent: does nothing when `pkg-config --exists yaml-0.1` already succeeds.
set -euo pipefail

if command -v pkg-config >/dev/null 2>&1 && pkg-config --exists yaml-0.1; then
    exit 0
fi
echo "libyaml-dev (yaml-0.1) not found: installing it with apt-get" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "error: not root and no sudo; install libyaml-dev and pkg-config yourself" >&2
        exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends libyaml-dev pkg-config
pkg-config --exists yaml-0.1 || { echo "error: yaml-0.1 still missing after installing libyaml-dev" >&2; exit 1; }
