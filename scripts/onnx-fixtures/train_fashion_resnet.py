"""Train the small ResNet of make_fixtures.py (residual blocks, a strided 3x3 and a 1x1
projection shortcut, global average pooling) on Fashion-MNIST with PyTorch, export it with both
exporters, and print onnxruntime's test accuracy: the 'bring your own model' experiment of
issue 9. Not part of CI (needs torch; about a minute per epoch on 2 cores).

    python train_fashion_resnet.py --out runs/fashion-resnet [--epochs 2]
"""
import argparse
import gzip
import os
import sys

import numpy as np
import onnxruntime as ort
import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(__file__))
from make_fixtures import SmallResNet  # noqa: E402

DATA = "/usr/share/datasets/fashion-mnist"


def idx(name, offset):
    path = os.path.join(DATA, name)
    opener = gzip.open if path.endswith(".gz") else open
    if not os.path.exists(path) and os.path.exists(path + ".gz"):
        path, opener = path + ".gz", gzip.open
    with opener(path, "rb") as f:
        return np.frombuffer(f.read(), np.uint8, offset=offset)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--epochs", type=int, default=2)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(1)
    torch.set_num_threads(2)
    xtr = torch.from_numpy(idx("train-images-idx3-ubyte", 16).reshape(-1, 1, 28, 28).astype(np.float32) / 255)
    ytr = torch.from_numpy(idx("train-labels-idx1-ubyte", 8).astype(np.int64))
    xte = idx("t10k-images-idx3-ubyte", 16).reshape(-1, 1, 28, 28).astype(np.float32) / 255
    yte = idx("t10k-labels-idx1-ubyte", 8)
    model = SmallResNet()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(xtr))
        for b in range(0, len(xtr), 64):
            i = perm[b:b + 64]
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(xtr[i]), ytr[i])
            loss.backward()
            opt.step()
        print(f"epoch {epoch + 1}: last loss {loss.item():.3f}")
    model.eval()
    x = torch.rand(2, 1, 28, 28)
    paths = {
        "torchscript": os.path.join(args.out, "fashion-resnet.torchscript.onnx"),
        "dynamo": os.path.join(args.out, "fashion-resnet.dynamo.onnx"),
    }
    torch.onnx.export(model, x, paths["torchscript"], dynamo=False, opset_version=17, input_names=["input"],
                      output_names=["logits"], dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
    torch.onnx.export(model, (x,), paths["dynamo"], dynamo=True, input_names=["input"], output_names=["logits"],
                      dynamic_shapes={"x": {0: torch.export.Dim("batch")}}, external_data=False)
    for name, path in paths.items():
        s = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        pred = np.concatenate([s.run(None, {"input": xte[i:i + 1000]})[0].argmax(1) for i in range(0, len(xte), 1000)])
        print(f"{path}: onnxruntime test accuracy {100 * (pred == yte).mean():.2f} % ({(pred == yte).sum()} of {len(yte)})")


if __name__ == "__main__":
    main()
