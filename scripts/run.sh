#!/usr/bin/env bash
# The CIMKit main job, the whole pipeline on MNIST with default settings:
#  1. train the paper's LeNet (lenet-wu2023) on the simulated training SoC (wu2023-soc: 64×64 tiles
#     of 2-bit b-RRAM, 8-bit bit-serial DAC, 8-bit ADC) with the mixed-precision rule of
#     Wu et al. 2023 and the paper's recipe (AdamW lr 0.004, batch 64, 400 batches × 13 epochs);
#  2. export it to the inference chip (wu2023-inference: 256×64 tiles, 4-bit b-RRAM) as an HDF5
#     chip image, with the mapper's checks;
#  3. evaluate it on 10 freshly programmed chips (programming error 0.5 Δ, read noise 0.3 Δ,
#     ADC noise 0.549 µA) and print the table.
# Extra arguments go to `cim train` (e.g. --seed 2).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product cim
CIM=.build/release/cim
RUN=runs/lenet-wu2023-mp-seed1
"$CIM" info | head -4
"$CIM" train --model lenet-wu2023 --rule mixed-precision --chip wu2023-soc --threads "$(nproc)" --out "$RUN" --overwrite "$@"
"$CIM" export "$RUN/model.safetensors" --chip wu2023-inference --out "$RUN/lenet-wu2023-inference.h5" --overwrite
"$CIM" evaluate "$RUN/lenet-wu2023-inference.h5" --trials 10 --out "$RUN/evaluate" --quiet
