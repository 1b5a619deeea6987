"""Shared parts of the Python side of scripts/bench-compare.sh: the MNIST reader, cnn16 in
PyTorch, FLOP counting, timing and the JSON-lines output. Imported by torch_bench.py and
aihwkit_bench.py; needs numpy and torch."""
import gzip
import json
import os
import statistics
import sys
import time

import numpy as np

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
MNIST = os.environ.get("CIMKIT_MNIST_DIR", os.path.join(ROOT, "datasets", "mnist"))


def read_idx(path):
    """An IDX file (gzip-compressed): big-endian header (magic 0x0803 images / 0x0801 labels,
    then the dimensions), then uint8 data."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def mnist(split):
    """(images float32 N×1×28×28 in [0, 1] = value / 255 as CIMKit reads them, labels int64 N)."""
    prefix = "train" if split == "train" else "t10k"
    x = read_idx(os.path.join(MNIST, f"{prefix}-images-idx3-ubyte.gz")).astype(np.float32) / 255
    y = read_idx(os.path.join(MNIST, f"{prefix}-labels-idx1-ubyte.gz")).astype(np.int64)
    return x[:, None, :, :], y


def cnn16():
    """CIMKit's cnn16 preset (Sources/CIMNetwork/ModelPreset.swift) in PyTorch: conv 1→16 5×5,
    tanh, maxpool 2, conv 16→32 5×5, tanh, maxpool 2, flatten, fc 512→128, tanh, fc 128→10.
    No padding, stride 1, biases in every conv and fc layer, 28×28×1 input (NCHW here, NHWC in
    CIMKit: only the flatten order differs, not the work)."""
    import torch.nn as nn
    return nn.Sequential(
        nn.Conv2d(1, 16, 5), nn.Tanh(), nn.MaxPool2d(2),    # 24×24×16 → 12×12×16
        nn.Conv2d(16, 32, 5), nn.Tanh(), nn.MaxPool2d(2),   # 8×8×32 → 4×4×32
        nn.Flatten(), nn.Linear(512, 128), nn.Tanh(), nn.Linear(128, 10))


def flops_per_image(model):
    """FLOPs (2 per multiply-add) of the conv and linear layers for one 28×28 image, counted on
    the module by forward hooks; training = forward + weight gradient + input gradient (none for
    the first layer). The same rule as CIMBench's flopsPerImage."""
    import torch
    per_layer = []

    def hook(m, _inputs, out):
        if isinstance(m, torch.nn.Conv2d):
            k = m.kernel_size[0] * m.kernel_size[1] * m.in_channels // m.groups
            per_layer.append(2 * out[0].numel() * k)
        else:
            per_layer.append(2 * m.in_features * m.out_features)

    hooks = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
    with torch.no_grad():
        model(torch.zeros(1, 1, 28, 28))
    for h in hooks:
        h.remove()
    forward = sum(per_layer)
    return forward, 3 * forward - per_layer[0]


def set_threads(n):
    """All of PyTorch's intra-op work on n threads (MKL, oneDNN, OpenMP), no inter-op pool."""
    import torch
    torch.set_num_threads(n)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass


def timed(run, images, reps, warmup=None):
    """Images/s of each of `reps` calls of run() after one warm-up call (or warmup())."""
    (warmup or run)()
    rates = []
    for _ in range(reps):
        t = time.perf_counter()
        run()
        rates.append(images / (time.perf_counter() - t))
    return rates


def emit(tool, workload, batch, threads, rates, unit="images_per_s", **extra):
    """One JSON line: the median of `rates` and the repetitions."""
    record = {"tool": tool, "workload": workload, "batch": batch, "threads": threads,
              unit: statistics.median(rates), "reps": [round(r, 1) for r in rates]}
    record.update(extra)
    print(json.dumps(record, sort_keys=True), flush=True)


def info(tool, **fields):
    print(json.dumps(dict(tool=tool, workload="info", **fields), sort_keys=True), flush=True)


def log(message):
    print(message, file=sys.stderr, flush=True)


def sizes(quick):
    """Repetitions and work per repetition; the same numbers as `CIMBench compare` (CompareBench.swift)."""
    return dict(reps=3 if quick else 5, train_batches=30 if quick else 150, infer_images=2000 if quick else 10000,
                mp_batches=15 if quick else 60, trial_images=2000 if quick else 10000)


def trainer(model, optimizer, x, y, batch=64, seed=1):
    """steps(n): n training steps (forward, softmax cross-entropy, backward, optimizer step,
    argmax count, as CIMKit's Trainer.step) on batches of `batch` training images taken in a
    seeded permutation, cycled."""
    import torch
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    order = torch.from_numpy(np.random.default_rng(seed).permutation(len(x)))
    per_epoch = len(x) // batch
    state = {"b": 0}
    model.train()

    def steps(n):
        for _ in range(n):
            idx = order[(state["b"] % per_epoch) * batch:][:batch]
            xb, yb = xt.index_select(0, idx), yt.index_select(0, idx)
            optimizer.zero_grad(set_to_none=True)
            out = model(xb)
            loss = torch.nn.functional.cross_entropy(out, yb)
            loss.backward()
            optimizer.step()
            (out.detach().argmax(1) == yb).sum().item()
            state["b"] += 1
    return steps


def infer(model, xt, yt, batch):
    """Inference of all of xt in batches (forward, loss and argmax count, as CIMKit's
    Evaluator.evaluate); returns the number correct."""
    import torch
    correct = 0
    with torch.no_grad():
        for lo in range(0, len(xt), batch):
            out = model(xt[lo:lo + batch])
            torch.nn.functional.cross_entropy(out, yt[lo:lo + batch], reduction="sum")
            correct += int((out.argmax(1) == yt[lo:lo + batch]).sum())
    return correct
