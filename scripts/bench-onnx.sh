#!/usr/bin/env bash
# Speed of ONNX import, digital inference, export to wu2023-inference, verify and Monte Carlo
# chip evaluation (all noise, 8-bit DAC/ADC) on an imported ResNet-20 (CIFAR-10 geometry,
# random weights), measured in the same run against onnxruntime's inference of the same file
# on the same random inputs (batch 100, 2,000 images, 1 and 2 threads). Prints figures;
# asserts nothing; not part of CI. Needs Python with torch, onnx and onnxruntime (set PYTHON,
# e.g. PYTHON=/tmp/onnxvenv/bin/python; see scripts/onnx-fixtures/requirements.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if ! "$PY" -c 'import torch, onnx, onnxruntime' 2>/dev/null; then
  echo "bench-onnx: $PY lacks torch/onnx/onnxruntime; install scripts/onnx-fixtures/requirements.txt into a venv and set PYTHON"
  exit 1
fi
mkdir -p runs/bench
"$PY" scripts/bench-onnx/resnet20.py --out runs/bench/resnet20.onnx
swift build -c release --product CIMBench >/dev/null
lscpu | grep -m1 "Model name" || true
"$PY" - <<'PY'
import time, numpy as np, onnxruntime as ort
x = np.random.default_rng(0).random((2000, 3, 32, 32), dtype=np.float32)
for threads in (1, 2):
    o = ort.SessionOptions(); o.intra_op_num_threads = threads; o.inter_op_num_threads = 1
    s = ort.InferenceSession("runs/bench/resnet20.onnx", o, providers=["CPUExecutionProvider"])
    s.run(None, {"input": x[:100]})
    rates = []
    for _ in range(3):
        t = time.perf_counter()
        for b in range(0, 2000, 100):
            s.run(None, {"input": x[b:b + 100]})
        rates.append(2000 / (time.perf_counter() - t))
    print(f"onnxruntime {ort.__version__} inference, batch 100, {threads} thread(s): {sorted(rates)[1]:.0f} images/s")
PY
for t in 1 2; do CIMBENCH_CHIP=1 OMP_NUM_THREADS=$t .build/release/CIMBench onnx runs/bench/resnet20.onnx; done
OMP_NUM_THREADS=1 CIMKIT_CONV=im2col .build/release/CIMBench onnx runs/bench/resnet20.onnx | tail -n 1
