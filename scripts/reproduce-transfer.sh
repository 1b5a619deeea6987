#!/usr/bin/env bash
# The paper's transfer experiment (Wu et al. 2023): train lenet-wu2023 digitally (FP32), hardware-aware
# (FP32 weights trained through a fresh noisy realisation of wu2023-inference every batch) and with
# the mixed-precision rule on the training SoC, export every model to the inference chip
# (wu2023-inference: 256×64 tiles, 4-bit b-RRAM, 8-bit ADC ±70 µA with σ = 0.549 µA), program
# each onto fresh chips with σ_prog = 0.5 level spacings (the device's default) and read noise
# σ = 0.3 Δ, and compare the accuracy drop. Then sweep σ_prog.
#
#   SEEDS="1 2 3" TRIALS=10 scripts/reproduce-transfer.sh      (defaults shown; ~15 min on 2 cores)
#   RULES="digital mixed-precision" scripts/reproduce-transfer.sh (a subset of the rules)
#   CALIBRATE=1 scripts/reproduce-transfer.sh                    (the same, every export with --calibrate)
#
# Everything goes to runs/transfer/ (with CALIBRATE=1: images *-calibrated.h5, reports in
# eval-calibrated/ and sweep-calibrated/; the trained models are shared); the last lines are the table.
set -euo pipefail
cd "$(dirname "$0")/.."
SEEDS=${SEEDS:-"1 2 3"}
TRIALS=${TRIALS:-10}
RULES=${RULES:-"digital hardware-aware mixed-precision"}
OUT=runs/transfer
CALIBRATE=${CALIBRATE:-0}
if [ "$CALIBRATE" = 1 ]; then suffix=-calibrated; calibrate=(--calibrate); else suffix=; calibrate=(); fi
scripts/install-deps.sh >/dev/null
swift build -c release --product cim >/dev/null
CIM=.build/release/cim
mkdir -p "$OUT"
images=()
for s in $SEEDS; do
  for rule in $RULES; do
    run="$OUT/$rule-seed$s"
    if [ ! -f "$run/training.json" ]; then
      "$CIM" train --model lenet-wu2023 --rule "$rule" --seed "$s" --out "$run" --quiet >/dev/null
    fi
    "$CIM" export "$run/model.safetensors" --chip wu2023-inference --out "$OUT/$rule-seed$s$suffix.h5" --overwrite \
      ${calibrate[@]+"${calibrate[@]}"} >/dev/null
    images+=("$OUT/$rule-seed$s$suffix.h5")
  done
done
"$CIM" evaluate "${images[@]}" --trials "$TRIALS" --out "$OUT/eval$suffix" --quiet > "$OUT/eval$suffix.txt"
"$CIM" evaluate "${images[@]}" --trials "$TRIALS" --sweep prog-sigma=0,0.25,0.5,0.75,1.0 --out "$OUT/sweep$suffix" --quiet > "$OUT/sweep$suffix.txt"
python3 - "$OUT/eval$suffix/robustness.json" "$OUT/sweep$suffix/robustness.json" "$CALIBRATE" <<'PY'
import json, statistics as st, sys
METHODS = ["digital FP32", "hardware-aware (FP32 weights)", "mixed precision (on chip)"]
def method(path):
    name = path.rsplit("/", 1)[-1]
    return METHODS[2] if name.startswith("mixed-precision") else METHODS[1] if name.startswith("hardware-aware") else METHODS[0]
ev = json.load(open(sys.argv[1])); sw = json.load(open(sys.argv[2]))
how = ", exported with --calibrate" if sys.argv[3] == "1" else ""
print(f"Transfer to wu2023-inference{how}, {ev['config']['trials']} fresh chips per model, {ev['testImages']} MNIST test images")
print(f"{'training':30s} {'models':>6s} {'noiseless':>10s} {'mean on chip':>13s} {'drop (mean ± sd)':>18s} {'trial sd':>9s}")
for m in METHODS:
    pts = [p for p in ev["points"] if method(ev["images"][p["image"]]["path"]) == m]
    if not pts: continue
    nl = [ev["images"][p["image"]]["noiselessAccuracy"] for p in pts]
    mean = [p["statistics"]["mean"] for p in pts]; drop = [p["statistics"]["drop"] for p in pts]
    sd = [p["statistics"]["std"] for p in pts]
    print(f"{m:30s} {len(pts):6d} {100*st.mean(nl):9.2f}% {100*st.mean(mean):12.2f}% {100*st.mean(drop):8.3f} ± {100*(st.stdev(drop) if len(drop)>1 else 0):.3f} {100*st.mean(sd):9.3f}")
print("\nMean drop (points) versus programming error σ_prog (level spacings):")
vals = sw["config"]["sweep"]["values"]
print(f"{'training':30s} " + " ".join(f"{v:>7s}" for v in vals))
for m in METHODS:
    row = []
    for v in vals:
        d = [p["statistics"]["drop"] for p in sw["points"] if p["value"] == v and method(sw["images"][p["image"]]["path"]) == m]
        row.append(f"{100*st.mean(d):7.3f}" if d else "      –")
    print(f"{m:30s} " + " ".join(row))
PY
