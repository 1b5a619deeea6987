#!/usr/bin/env python3
"""Generate the ONNX import test fixtures in Tests/Fixtures/onnx/.

For each small model (mlp, vgg_bn, resnet, depthwise, asym_pad, normalized,
lenet, bn_affine; `--models a,b` for some of them only) this script

  * builds the model in eval mode with seeded random weights (BatchNorm layers
    get random weight/bias/running_mean/running_var so folding is exercised),
  * exports it with both PyTorch exporters:
      NAME.torchscript.onnx  (torch.onnx.export(..., dynamo=False, opset 17))
      NAME.dynamo.onnx       (torch.onnx.export(..., dynamo=True,  opset 18))
    both with a dynamic batch dimension called "batch" and all weights embedded,
  * for models with BatchNorm also exports
      NAME.torchscript_keepbn.onnx (TorchScript, opset 17, training=PRESERVE)
    because both default exports fold BatchNorm into the Conv weights,
  * runs onnx.checker.check_model on each file,
  * runs onnxruntime (CPU, 1 thread, graph optimisations disabled) on a batch
    of 8 seeded random inputs and writes NAME.EXPORTER.ref.safetensors holding
    float32 tensors "input" [8,C,H,W] and "logits" [8,10],
  * compares the PyTorch eval output with onnxruntime (max abs diff),
  * writes manifest.json (opsets, op counts, sizes, SHA-256s, versions).

Only needed to regenerate the fixtures; CI uses the committed files and never
needs PyTorch.  See README.md next to this file.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import struct
import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn as nn

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO_ROOT / "Tests" / "Fixtures" / "onnx"

TORCHSCRIPT_OPSET = 17
DYNAMO_OPSET = 18
REF_BATCH = 8
EXPORT_BATCH = 2  # torch.export specialises a batch of 1, so trace with 2

# Ops the CIMKit importer is expected to handle for the main models.
ALLOWED_OPS = {
    "Conv", "Gemm", "MatMul", "Add", "BatchNormalization", "Relu", "LeakyRelu",
    "Clip", "Sigmoid", "Tanh", "MaxPool", "AveragePool", "GlobalAveragePool",
    "Sub", "Mul", "Div", "Flatten", "Shape", "Gather", "Concat", "Reshape",
    "Unsqueeze", "Identity", "Dropout", "Softmax", "LogSoftmax", "Constant",
}


# --------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------

def bn(c: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(c)


def conv_bn_relu(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False),
        bn(cout),
        nn.ReLU(),
    )


class BasicBlock(nn.Module):
    """ResNet basic block: 3x3 conv-BN-ReLU, 3x3 conv-BN, + shortcut, ReLU."""

    def __init__(self, cin: int, cout: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = bn(cout)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(cout, cout, 3, stride=1, padding=1, bias=False)
        self.bn2 = bn(cout)
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(
                nn.Conv2d(cin, cout, 1, stride=stride, bias=False),
                bn(cout),
            )
        else:
            self.shortcut = nn.Identity()
        self.relu2 = nn.ReLU()

    def forward(self, x):
        out = self.relu1(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu2(out + self.shortcut(x))


class SmallResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = conv_bn_relu(1, 8)
        self.block1 = BasicBlock(8, 8)
        self.block2 = BasicBlock(8, 16, stride=2)
        self.block3 = BasicBlock(16, 16)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = self.stem(x)
        x = self.block3(self.block2(self.block1(x)))
        return self.fc(self.flatten(self.pool(x)))


class Normalized(nn.Module):
    """(x - 0.1307) / 0.3081 inside the graph, then a tiny dilated conv net."""

    def __init__(self):
        super().__init__()
        self.register_buffer("mean", torch.tensor(0.1307, dtype=torch.float32))
        self.register_buffer("std", torch.tensor(0.3081, dtype=torch.float32))
        # 28x28, kernel 5, dilation 2 (effective 9), stride 2 -> 10x10
        self.conv = nn.Conv2d(1, 4, 5, stride=2, dilation=2)
        self.relu = nn.ReLU()
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(4 * 10 * 10, 10)
        self.log_softmax = nn.LogSoftmax(dim=1)

    def forward(self, x):
        x = (x - self.mean) / self.std
        x = self.relu(self.conv(x))
        return self.log_softmax(self.fc(self.flatten(x)))


class LeNet(nn.Module):
    """The chain CIMKit imports today: input normalisation in the graph, valid
    convolutions, BatchNorm after a conv and after a dense layer, max pooling,
    flattening of a 16x4x4 map (NCHW vs NHWC feature order), dropout, tanh and
    a log-softmax at the output."""

    def __init__(self):
        super().__init__()
        self.register_buffer("mean", torch.tensor(0.1307, dtype=torch.float32))
        self.register_buffer("std", torch.tensor(0.3081, dtype=torch.float32))
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5), bn(6), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(16 * 4 * 4, 120)
        self.bn1 = nn.BatchNorm1d(120)
        self.act = nn.Tanh()
        self.drop = nn.Dropout(0.3)
        self.fc2 = nn.Linear(120, 10)
        self.log_softmax = nn.LogSoftmax(dim=1)

    def forward(self, x):
        x = (x - self.mean) / self.std
        x = self.flatten(self.features(x))
        x = self.drop(self.act(self.bn1(self.fc1(x))))
        return self.log_softmax(self.fc2(x))


def make_mlp() -> nn.Module:
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(784, 64), nn.ReLU(),
        nn.Linear(64, 32), nn.Tanh(),
        nn.Linear(32, 10),
    )


def make_vgg_bn() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), bn(8), nn.ReLU(),
        nn.Conv2d(8, 8, 3, padding=1), bn(8), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), bn(16), nn.ReLU(),
        nn.AvgPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 7 * 7, 10),
    )


def make_depthwise() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), bn(8), nn.ReLU6(),
        nn.Conv2d(8, 8, 3, stride=2, padding=1, groups=8), bn(8), nn.ReLU6(),
        nn.Conv2d(8, 16, 1), bn(16), nn.LeakyReLU(0.1),
        nn.Conv2d(16, 16, 3, padding=1, groups=4), nn.Sigmoid(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(16, 10),
    )


def make_asym_pad() -> nn.Module:
    # TensorFlow-style "SAME" stride-2 conv: pad right/bottom by one, then a
    # padding-0 conv.  Kept out of `depthwise` because the TorchScript
    # exporter emits a Pad op (plus a shape-computation chain) for it.
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(),
        nn.ZeroPad2d((0, 1, 0, 1)),
        nn.Conv2d(8, 8, 3, stride=2, padding=0), nn.ReLU(),  # 17x17 -> 8x8
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(8, 10),
    )


class BNAffine(nn.Module):
    """BatchNorm with no conv or dense layer before it to fold into, so the
    importer keeps it as a digital per-channel affine layer: on the input, after
    a max pool (also read by a residual shortcut), after a residual add, and a
    BatchNorm1d on a flattened 8x7x7 map (NCHW vs NHWC feature order)."""

    def __init__(self):
        super().__init__()
        self.bn_in = nn.BatchNorm2d(1)
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.relu1 = nn.ReLU()
        self.pool1 = nn.MaxPool2d(2)
        self.bn_pool = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1)
        self.relu2 = nn.ReLU()
        self.bn_add = nn.BatchNorm2d(8)
        self.pool2 = nn.MaxPool2d(2)
        self.flatten = nn.Flatten()
        self.bn_flat = nn.BatchNorm1d(8 * 7 * 7)
        self.fc = nn.Linear(8 * 7 * 7, 10)

    def forward(self, x):
        x = self.bn_in(x)
        p = self.bn_pool(self.pool1(self.relu1(self.conv1(x))))
        x = self.bn_add(self.relu2(self.conv2(p)) + p)
        return self.fc(self.bn_flat(self.flatten(self.pool2(x))))


MODELS = [
    # name, factory, input shape (C, H, W), BatchNorm gamma range
    ("mlp", make_mlp, (1, 28, 28), None),
    ("vgg_bn", make_vgg_bn, (1, 28, 28), (0.5, 1.5)),
    ("resnet", SmallResNet, (1, 28, 28), (0.5, 1.5)),
    # larger gammas so that ReLU6's upper bound (Clip max=6) is actually hit
    ("depthwise", make_depthwise, (3, 16, 16), (2.0, 6.0)),
    ("asym_pad", make_asym_pad, (3, 16, 16), None),
    ("normalized", Normalized, (1, 28, 28), None),
    ("lenet", LeNet, (1, 28, 28), (0.5, 1.5)),
    ("bn_affine", BNAffine, (1, 28, 28), (0.5, 1.5)),
]

CALIBRATION_BATCH = 64


def init_weights(model: nn.Module) -> None:
    """He-normal Conv/Linear weights, small uniform biases.

    PyTorch's default init shrinks activations layer by layer; with it the
    logits of these tiny random nets hardly depend on the input, which makes
    weak fixtures.  He init keeps activations O(1).
    """
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
                if m.bias is not None:
                    m.bias.uniform_(-0.1, 0.1)


def randomize_batchnorm(model: nn.Module, chw, gamma_range) -> None:
    """Give every BatchNorm non-trivial affine params and running stats.

    The running statistics are first measured on a seeded calibration batch
    (uniform [0,1) inputs, train mode, cumulative average) and then
    perturbed per channel: running_mean += U(-0.5, 0.5) * std,
    running_var *= U(0.5, 2).  weight ~ U(gamma_range), bias ~ U(-0.5, 0.5).
    Purely random stats (e.g. running_var ~ U(0.5, 2) regardless of the real
    activation scale) swamp the tiny activations with constant shifts and
    make the logits almost input-independent.
    """
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not bns:
        return
    for m in bns:
        m.reset_running_stats()
        m.momentum = None  # cumulative moving average = exact batch stats
    model.train()
    with torch.no_grad():
        model(torch.rand(CALIBRATION_BATCH, *chw))
        for m in bns:
            c = m.num_features
            std = m.running_var.sqrt()
            m.running_mean.add_(torch.empty(c).uniform_(-0.5, 0.5) * std)
            m.running_var.mul_(torch.empty(c).uniform_(0.5, 2.0))
            m.weight.copy_(torch.empty(c).uniform_(*gamma_range))
            m.bias.copy_(torch.empty(c).uniform_(-0.5, 0.5))
            m.momentum = 0.1
            m.num_batches_tracked.zero_()
    model.eval()


def build(factory, chw, gamma_range) -> nn.Module:
    torch.manual_seed(0)
    model = factory()
    init_weights(model)
    randomize_batchnorm(model, chw, gamma_range)
    return model.eval()


# --------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------

def export_torchscript(model, x, path: Path) -> None:
    torch.onnx.export(
        model, x, str(path),
        dynamo=False,
        opset_version=TORCHSCRIPT_OPSET,
        input_names=["input"],
        output_names=["logits"],
        dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
    )


def export_dynamo(model, x, path: Path) -> None:
    batch = torch.export.Dim("batch")
    torch.onnx.export(
        model, (x,), str(path),
        dynamo=True,
        opset_version=DYNAMO_OPSET,
        input_names=["input"],
        output_names=["logits"],
        dynamic_shapes=({0: batch},),
        external_data=False,
    )
    stray = path.with_name(path.name + ".data")
    if stray.exists():
        raise RuntimeError(f"dynamo exporter wrote external data {stray}")


def export_torchscript_keepbn(model, x, path: Path) -> None:
    """TorchScript export that keeps BatchNormalization nodes.

    With the default training=EVAL the TorchScript exporter folds every
    Conv+BatchNorm pair into the Conv weights (and the dynamo exporter's
    onnxscript optimiser does the same, rule FuseBatchNormIntoConv), so
    neither default file contains a BatchNormalization node.  PRESERVE
    exports the (eval-mode) model as it is, BN with training_mode=0, which
    lets the importer's own BN folding be tested.
    """
    torch.onnx.export(
        model, x, str(path),
        dynamo=False,
        opset_version=TORCHSCRIPT_OPSET,
        input_names=["input"],
        output_names=["logits"],
        dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
        training=torch.onnx.TrainingMode.PRESERVE,
    )


def has_batchnorm(model: nn.Module) -> bool:
    return any(isinstance(m, nn.modules.batchnorm._BatchNorm)
               for m in model.modules())


# name, export function, predicate: should this model get this export?
EXPORTERS = [
    ("torchscript", export_torchscript, lambda model: True),
    ("dynamo", export_dynamo, lambda model: True),
    # (bn_affine's BatchNorms have no conv before them: the default export keeps them already)
    ("torchscript_keepbn", export_torchscript_keepbn,
     lambda model: has_batchnorm(model) and not isinstance(model, BNAffine)),
]


# --------------------------------------------------------------------------
# Reference outputs
# --------------------------------------------------------------------------

def write_safetensors(path: Path, tensors: list[tuple[str, np.ndarray]],
                      metadata: dict[str, str]) -> None:
    """Minimal safetensors writer (F32 only), tensors in the given order, with
    string metadata (CIMKit's reader requires `__metadata__`)."""
    header = {"__metadata__": metadata}
    blobs = []
    offset = 0
    for name, arr in tensors:
        arr = np.ascontiguousarray(arr, dtype="<f4")
        raw = arr.tobytes()
        header[name] = {
            "dtype": "F32",
            "shape": list(arr.shape),
            "data_offsets": [offset, offset + len(raw)],
        }
        blobs.append(raw)
        offset += len(raw)
    hjson = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hjson += b" " * ((-len(hjson)) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(hjson)))
        f.write(hjson)
        for raw in blobs:
            f.write(raw)


def run_ort(path: Path, x: np.ndarray) -> np.ndarray:
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(str(path), sess_options=so,
                                providers=["CPUExecutionProvider"])
    (out,) = sess.run(["logits"], {"input": x})
    return out


# --------------------------------------------------------------------------
# Inspection
# --------------------------------------------------------------------------

def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def default_opset(m: onnx.ModelProto) -> int:
    for imp in m.opset_import:
        if imp.domain in ("", "ai.onnx"):
            return imp.version
    raise ValueError("no default-domain opset import")


def all_nodes(m: onnx.ModelProto):
    """Nodes of the main graph, its subgraphs and any local functions."""
    def walk(graph):
        for n in graph.node:
            yield n
            for a in n.attribute:
                if a.type == onnx.AttributeProto.GRAPH:
                    yield from walk(a.g)
                elif a.type == onnx.AttributeProto.GRAPHS:
                    for g in a.graphs:
                        yield from walk(g)
    yield from walk(m.graph)
    for fn in m.functions:
        yield from fn.node


def op_counts(m: onnx.ModelProto) -> dict[str, int]:
    c = collections.Counter(
        (n.op_type if n.domain in ("", "ai.onnx") else f"{n.domain}::{n.op_type}")
        for n in all_nodes(m))
    return dict(sorted(c.items()))


def io_shape(vi: onnx.ValueInfoProto) -> list:
    return [d.dim_param if d.HasField("dim_param") else d.dim_value
            for d in vi.type.tensor_type.shape.dim]


def batchnorm_training_modes(m: onnx.ModelProto) -> list[int]:
    modes = []
    for n in all_nodes(m):
        if n.op_type == "BatchNormalization":
            mode = 0
            for a in n.attribute:
                if a.name == "training_mode":
                    mode = a.i
            modes.append(mode)
    return modes


# --------------------------------------------------------------------------

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT,
                    help=f"output directory (default: {DEFAULT_OUT})")
    ap.add_argument("--models", default=None,
                    help="comma-separated model names to (re)generate; the other "
                         "files and their manifest entries are kept (default: all)")
    args = ap.parse_args()
    known = [name for name, *_ in MODELS]
    selected = known if args.models is None else args.models.split(",")
    unknown = sorted(set(selected) - set(known))
    if unknown:
        ap.error(f"unknown model(s) {', '.join(unknown)} (known: {', '.join(known)})")
    out_dir: Path = args.out
    out_dir.mkdir(parents=True, exist_ok=True)

    torch.manual_seed(0)
    np.random.seed(0)
    torch.set_num_threads(1)

    versions = {
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "onnx": onnx.__version__,
        "onnxruntime": ort.__version__,
        "onnxscript": __import__("onnxscript").__version__,
        "numpy": np.__version__,
    }
    print("versions:", json.dumps(versions))

    entries = []
    failures = []
    for name, factory, chw, gamma_range in MODELS:
        if name not in selected:
            continue
        model = build(factory, chw, gamma_range)
        torch.manual_seed(0)
        x_export = torch.rand(EXPORT_BATCH, *chw)
        # Reference batch: 8 seeded uniform [0, 1) float32 inputs (NCHW).
        rng = np.random.default_rng(0)
        x_ref = rng.random((REF_BATCH, *chw), dtype=np.float32)
        with torch.no_grad():
            y_torch = model(torch.from_numpy(x_ref)).numpy()

        for exporter, export_fn, wanted in EXPORTERS:
            if not wanted(model):
                continue
            stem = f"{name}.{exporter}"
            onnx_path = out_dir / f"{stem}.onnx"
            ref_path = out_dir / f"{stem}.ref.safetensors"
            export_fn(model, x_export, onnx_path)

            m = onnx.load(str(onnx_path))
            onnx.checker.check_model(m, full_check=True)
            if any(init.data_location == onnx.TensorProto.EXTERNAL
                   for init in m.graph.initializer):
                raise RuntimeError(f"{onnx_path} uses external data")

            y_ort = run_ort(onnx_path, x_ref)
            assert y_ort.shape == (REF_BATCH, 10), y_ort.shape
            write_safetensors(ref_path, [("input", x_ref),
                                         ("logits", y_ort.astype(np.float32))],
                              {"model": name, "exporter": exporter,
                               "onnxruntime": ort.__version__,
                               "layout": "input NCHW float32; logits [N, 10]"})
            diff = float(np.max(np.abs(y_torch - y_ort)))

            ops = op_counts(m)
            outside = sorted(set(k for k in ops if k not in ALLOWED_OPS))
            bn_modes = batchnorm_training_modes(m)
            size = onnx_path.stat().st_size
            entry = {
                "file": onnx_path.name,
                "reference": ref_path.name,
                "model": name,
                "exporter": exporter,
                "opset": default_opset(m),
                "ir_version": m.ir_version,
                "producer": f"{m.producer_name} {m.producer_version}".strip(),
                "op_counts": ops,
                "ops_outside_allowed_list": outside,
                "local_functions": len(m.functions),
                "value_info_entries": len(m.graph.value_info),
                "batchnorm_training_modes": bn_modes,
                "input_shape": io_shape(m.graph.input[0]),
                "output_shape": io_shape(m.graph.output[0]),
                "reference_input_shape": list(x_ref.shape),
                "reference_logits_shape": list(y_ort.shape),
                "max_abs_diff_torch_vs_onnxruntime": diff,
                # how much the logits vary across the 8 inputs (mean over
                # classes of the std over the batch): a tolerance well below
                # this catches an importer that mishandles the input.
                "logits_std_over_batch": float(y_ort.std(axis=0).mean()),
                "file_size": size,
                "sha256": sha256(onnx_path),
                "reference_sha256": sha256(ref_path),
                "versions": versions,
            }
            entries.append(entry)

            ops_str = ", ".join(f"{k}x{v}" for k, v in ops.items())
            print(f"{onnx_path.name}: opset {entry['opset']}, ir {m.ir_version}, "
                  f"{size} bytes, max|torch-ort| = {diff:.3g}, "
                  f"logits std over batch {entry['logits_std_over_batch']:.3g}")
            print(f"    ops: {ops_str}")
            if outside:
                print(f"    outside allowed list: {', '.join(outside)}")
            if bn_modes:
                print(f"    BatchNormalization training_mode: {bn_modes}")
            if m.functions:
                print(f"    local functions: {[f.name for f in m.functions]}")
            if diff > 1e-4:
                failures.append(f"{onnx_path.name}: torch vs onnxruntime diff {diff}")
            if size > 1_000_000:
                failures.append(f"{onnx_path.name}: {size} bytes > 1 MB")

    manifest_path = out_dir / "manifest.json"
    if args.models is not None and manifest_path.exists():
        # keep the other models' entries (in place), replace or append the new ones
        fresh = {e["file"]: e for e in entries}
        old = json.loads(manifest_path.read_text())["files"]
        kept = [fresh.pop(e["file"], e) for e in old]
        entries = kept + list(fresh.values())
    manifest = {
        "generator": "scripts/onnx-fixtures/make_fixtures.py",
        "versions": versions,
        "reference_batch": REF_BATCH,
        "reference_input": "uniform [0,1) float32, numpy default_rng(0), NCHW",
        "onnxruntime_settings": "CPUExecutionProvider, 1 thread, ORT_DISABLE_ALL",
        "files": entries,
    }
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"wrote {len(entries)} models + references + manifest.json to {out_dir}")
    if failures:
        print("FAILURES:\n  " + "\n  ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
