#!/usr/bin/env bash
# The CIMKit main job: installs missing system packages, builds in release mode, and trains the
# paper's LeNet (lenet-wu2023) on MNIST *on the simulated training chip* (wu2023-soc: 64×64
# tiles of 2-bit b-RRAM, 8-bit bit-serial DAC, 8-bit ADC) with the mixed-precision rule of
# Wu et al. 2023 and the paper's recipe (AdamW lr 0.004, batch 64, 400 batches/epoch,
# 13 epochs), printing test accuracy and device writes per weight after each epoch.
# Extra arguments are passed to `cim train` (e.g. --seed 2, --epochs 3).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product cim
.build/release/cim info | head -4
.build/release/cim train --model lenet-wu2023 --dataset mnist --optimizer adamw --lr 0.004 \
  --batch-size 64 --batches-per-epoch 400 --epochs 13 --seed 1 \
  --rule mixed-precision --chip wu2023-soc --out runs/lenet-wu2023-mp-seed1 --overwrite "$@"
