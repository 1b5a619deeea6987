"""PyTorch's half of scripts/bench-compare.sh: cnn16 (common.cnn16) on MNIST, digital, in FP32
on the CPU with `--threads N` threads. Prints JSON lines (tool "pytorch", and "numpy" for
numpy's sgemm):
  sgemm-1024     torch.matmul and numpy's @ of two 1024×1024 float32 matrices, GFLOP/s
  train-digital  SGD (lr 0.1, no momentum), batch 64, softmax cross-entropy
  infer-digital  the test images at batch 1000, 64 and 100 (the Monte Carlo trials' batch)
    python torch_bench.py --threads 2 [--quick]
"""
import argparse
import time

import numpy as np
import torch

import common

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=1)
p.add_argument("--quick", action="store_true")
a = p.parse_args()
n = common.sizes(a.quick)
common.set_threads(a.threads)
torch.manual_seed(1)
common.info("pytorch", version=torch.__version__, numpy=np.__version__, threads=torch.get_num_threads(),
            blas=torch.backends.mkl.is_available() and "MKL" or "other", mkldnn=torch.backends.mkldnn.is_available(),
            config=" ".join(l.strip() for l in torch.__config__.show().splitlines() if "CPU capability" in l))

# sgemm 1024³: three products per timing, median over the repetitions
for tool, A, B, mul in (("pytorch", torch.rand(1024, 1024), torch.rand(1024, 1024), torch.matmul),
                        ("numpy", np.random.rand(1024, 1024).astype(np.float32), np.random.rand(1024, 1024).astype(np.float32), np.matmul)):
    mul(A, B)
    rates = []
    for _ in range(n["reps"]):
        t = time.perf_counter()
        for _ in range(3):
            mul(A, B)
        rates.append(3 * 2 * 1024 ** 3 / (time.perf_counter() - t) / 1e9)
    common.emit(tool, "sgemm-1024", 0, a.threads, rates, unit="gflops")

x, y = common.mnist("train")
model = common.cnn16()
forward, train = common.flops_per_image(model)
common.info("pytorch-flops", forward=forward, train=train,
            model=", ".join(type(m).__name__ for m in model))

# 1. digital training, batch 64
steps = common.trainer(model, torch.optim.SGD(model.parameters(), lr=0.1), x, y)
common.emit("pytorch", "train-digital", 64, a.threads,
            common.timed(lambda: steps(n["train_batches"]), n["train_batches"] * 64, n["reps"], warmup=lambda: steps(20)))

# 2. (and 4.) digital inference of the test images
xt, yt = (torch.from_numpy(v[:n["infer_images"]]) for v in common.mnist("test"))
model.eval()
for batch in (1000, 64, 100):
    common.emit("pytorch", "infer-digital", batch, a.threads,
                common.timed(lambda: common.infer(model, xt, yt, batch), len(xt), n["reps"]))
