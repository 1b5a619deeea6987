#!/usr/bin/env bash
# Drift audit on the PCM-like inference chip (README, "Drift and its compensation"): the FP32 and
# mixed-precision lenet-wu2023 (seed 1) exported to pcm-like-inference, 10 chips each at
# t = 1 s, 1 h, 1 day and 1 year, with no, global and per-column drift compensation.
# Usage: scripts/drift-audit.sh [OUT]   (default runs/drift; trains the models unless OUT has them)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-runs/drift}
swift build -c release --product cim 2>&1 | grep -E "error" || true
cim=.build/release/cim
mkdir -p "$out"
[ -f "$out/fp32/model.safetensors" ] || $cim train --model lenet-wu2023 --rule digital --seed 1 --out "$out/fp32"
[ -f "$out/mp/model.safetensors" ] || $cim train --model lenet-wu2023 --rule mixed-precision --seed 1 --out "$out/mp"
$cim export "$out/fp32/model.safetensors" --chip pcm-like-inference --out "$out/lenet-fp32-pcm.h5" --overwrite
$cim export "$out/mp/model.safetensors" --chip pcm-like-inference --out "$out/lenet-mp-pcm.h5" --overwrite
for mode in none global column; do
  $cim evaluate "$out/lenet-fp32-pcm.h5" "$out/lenet-mp-pcm.h5" --trials 10 --seed 1 \
    --sweep time=1,3600,86400,31536000 --drift-compensation "$mode" --out "$out/evaluate-$mode" --quiet
done
