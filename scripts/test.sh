#!/usr/bin/env bash
# The CIMKit test command: installs missing system packages, then runs the whole test suite
# in release mode (the end-to-end tests train small networks; release keeps them fast).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift test -c release "$@"
