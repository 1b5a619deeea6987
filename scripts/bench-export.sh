#!/usr/bin/env bash
# Chip-image export and verify timing for a synthetic model the size of ResNet-18 (11 M weights,
# 22 M devices, 256×64 tiles of wu2023-inference). Prints figures; asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product CIMBench >/dev/null
.build/release/CIMBench export
