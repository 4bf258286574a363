#!/usr/bin/env bash
# Builds the release pdp and serves the bundled task policy:
#   scripts/run.sh [extra `pdp serve` options, e.g. --port 7766 --api-key KEY --policy more.yaml]
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/ensure-libyaml.sh
swift build -c release --product pdp
exec .build/release/pdp serve --policy policies/tasks.yaml "$@"
