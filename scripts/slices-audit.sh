#!/usr/bin/env bash
# Bit slices (README, "Bit slices"): the FP32 lenet-wu2023 (seed 1) exported with 1, 2 and 4
# device pairs per weight (`cim export --slices N`) to wu2023-inference with 2-bit (4-level)
# devices (`--set device.levels=4`) and with its own 4-bit (16-level) devices, then 10 fresh
# chips each at σ_prog = 0.5 level spacings (`cim evaluate --prog-sigma 0.5`), on the 10,000
# MNIST test images. Prints the table of noiseless accuracy, mean accuracy on chip and drop.
#
#   scripts/slices-audit.sh [OUT]            (default runs/slices; trains the model unless OUT has it)
#   MODEL=path/model.safetensors TRIALS=10 scripts/slices-audit.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-runs/slices}
TRIALS=${TRIALS:-10}
swift build -c release --product cim 2>&1 | grep -E "error" || true
cim=.build/release/cim
mkdir -p "$out"
model=${MODEL:-$out/fp32/model.safetensors}
[ -f "$model" ] || $cim train --model lenet-wu2023 --rule digital --seed 1 --out "$out/fp32" --quiet >/dev/null
images=()
for levels in 4 16; do
  for n in 1 2 4; do
    img="$out/lenet-fp32-L$levels-s$n.h5"
    $cim export "$model" --chip wu2023-inference --set device.levels=$levels --slices $n --out "$img" --overwrite >/dev/null
    images+=("$img")
  done
done
$cim evaluate "${images[@]}" --trials "$TRIALS" --prog-sigma 0.5 --seed 1 --out "$out/evaluate" --quiet > "$out/evaluate.txt"
python3 - "$out/evaluate/robustness.json" <<'PY'
import json, re, sys
ev = json.load(open(sys.argv[1]))
print(f"FP32 lenet-wu2023 on wu2023-inference, sigma_prog = 0.5 level spacings, {ev['config']['trials']} chips each, "
      f"{ev['testImages']} MNIST test images")
print(f"{'device':18s} {'slices':>6s} {'weight range':>13s} {'noiseless':>10s} {'mean on chip':>13s} {'drop':>7s} {'trial sd':>9s}")
for p in ev["points"]:
    img = ev["images"][p["image"]]
    levels, n = map(int, re.search(r"-L(\d+)-s(\d+)\.h5$", img["path"]).groups())
    k = levels ** n - 1
    s = p["statistics"]
    print(f"{str(levels) + '-level':18s} {n:6d} {('±' + str(k)):>13s} {100 * img['noiselessAccuracy']:9.2f}% "
          f"{100 * s['mean']:12.2f}% {100 * s['drop']:7.2f} {100 * s['std']:9.2f}")
PY
