#!/usr/bin/env bash
# Writes schemas/chips/NAME.json for every chip preset: byte-identical copies of the JSON texts
# compiled into CIMKit (Sources/CIMCrossbar/ChipPreset+JSON.swift, the one place a preset's
# values are written). Run it after editing a preset; ChipPresetTests fails while a copy differs.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product cim 2>&1 | grep -E "error|warning: var" || true
mkdir -p schemas/chips
for name in $(.build/release/cim chip list | awk '{print $1}'); do
  .build/release/cim chip show "$name" --json > "schemas/chips/$name.json"
  echo "wrote schemas/chips/$name.json"
done
