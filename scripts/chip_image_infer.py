#!/usr/bin/env python3
"""Run a CIMKit chip image with h5py and NumPy only: a reader's example of schemas/chip-image-v1.md.

It opens an HDF5 chip image (written by `cim export` or `cim convert`), prints a summary,
rebuilds the network from /network, gathers every weighted layer's G+ and G- from /tiles
through the layer's blocks, and classifies the MNIST test set with a noiseless chip and an
ideal periphery (no DAC/ADC quantisation or clipping):

    y = weight_per_uS * x @ (G+ - G-) + bias        x: [N, rows], G: [rows, columns] in uS

Usage:
    python3 scripts/chip_image_infer.py IMAGE [--data DIR] [--limit N]
    python3 scripts/chip_image_infer.py IMAGE --metadata    # JSON of schemas/chip-image-v1.schema.json
"""
import argparse
import gzip
import json
import os
import sys

import h5py
import numpy as np

FORMAT, VERSION = "cimkit-chip-image", 1
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DATA = os.path.join(HERE, os.pardir, "datasets", "mnist")
# architecture_json spells a layer kind as the Swift enum case; the layer groups' `kind` in snake case
JSON_KIND = {"conv2d": "conv2d", "dense": "dense", "maxPool": "max_pool", "relu": "relu",
             "tanh": "tanh", "sigmoid": "sigmoid", "flatten": "flatten"}


def plain(value):
    """An attribute value as a JSON value (h5py gives str, NumPy scalars and arrays)."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, (np.ndarray, np.generic)):
        return value.tolist()
    return value


def metadata(f):
    """{HDF5 path: {attribute: value}} for the root and every group and dataset below it."""
    meta = {"/": {k: plain(v) for k, v in f.attrs.items()}}

    def visit(name, obj):
        meta["/" + name] = {k: plain(v) for k, v in obj.attrs.items()}

    f.visititems(visit)
    return meta


def gather(layer, g_plus, g_minus):
    """A weighted layer's [rows, columns] G+ and G- (uS), collected from the tiles.

    /tiles arrays are [tile, tile_row, pair]; pair p is device column 2p (G+) and 2p+1 (G-).
    Block b holds layer rows row_start + r (r < rows) on tile rows block_row_map[offset + r]
    (offset = rows of the blocks before b) and layer columns column_start + c on pairs
    tile_column + c.
    """
    a = layer.attrs
    fields = layer["blocks"].attrs["fields"].split(",")
    row_map = layer["block_row_map"][()]
    gp = np.full((a["rows"], a["columns"]), np.nan, np.float32)
    gm = gp.copy()
    offset = 0
    for values in layer["blocks"][()]:
        b = dict(zip(fields, values.tolist()))
        rows = slice(b["row_start"], b["row_start"] + b["rows"])
        cols = slice(b["column_start"], b["column_start"] + b["columns"])
        tile_rows = row_map[offset:offset + b["rows"]]
        pairs = slice(b["tile_column"], b["tile_column"] + b["columns"])
        gp[rows, cols] = g_plus[b["tile"], tile_rows, pairs]
        gm[rows, cols] = g_minus[b["tile"], tile_rows, pairs]
        offset += b["rows"]
    if np.isnan(gp).any() or np.isnan(gm).any():
        raise ValueError(f"{layer.name}: some weights are not placed on any tile")
    return gp, gm


def load_network(f):
    """The layers in architecture order: each group's attributes, plus W and bias if weighted."""
    if f.attrs["format"] != FORMAT or f.attrs["format_version"] != VERSION:
        raise ValueError(f"not a {FORMAT} version {VERSION} file")
    net = f["network"]
    arch = json.loads(net.attrs["architecture_json"])  # authoritative; the groups repeat it
    g_plus, g_minus = f["tiles/g_plus"][()], f["tiles/g_minus"][()]
    layers = []
    for i, spec in enumerate(arch["layers"]):
        group = net[f"layer_{i:03d}"]
        layer = {k: plain(v) for k, v in group.attrs.items()}
        if layer["kind"] != JSON_KIND[next(iter(spec))]:
            raise ValueError(f"{group.name}: kind {layer['kind']}, architecture_json has {spec}")
        if "weight_per_uS" in layer:  # weighted: conv2d or dense
            gp, gm = gather(group, g_plus, g_minus)
            layer["W"] = np.float32(layer["weight_per_uS"]) * (gp - gm)  # [rows, columns]
            layer["bias"] = group["bias"][()]
            layer["blocks"] = len(group["blocks"])
        layers.append(layer)
    return arch, layers


def im2col(x, k):
    """[N, H, W, C] -> [N, H-k+1, W-k+1, k*k*C]: each receptive field in (kh, kw, c) order."""
    n, h, w, c = x.shape
    windows = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(1, 2))  # [N, OH, OW, C, kh, kw]
    return windows.transpose(0, 1, 2, 4, 5, 3).reshape(n, h - k + 1, w - k + 1, k * k * c)


def forward(layers, x):
    """Logits of a batch x ([N, H, W, C], NHWC) with the ideal periphery."""
    for layer in layers:
        kind = layer["kind"]
        if kind == "conv2d":      # valid, stride 1: one matrix row per (kh, kw, c)
            x = im2col(x, layer["kernel"]) @ layer["W"] + layer["bias"]
        elif kind == "dense":
            x = x @ layer["W"] + layer["bias"]
        elif kind == "max_pool":  # non-overlapping windows; the remainder is dropped
            s = layer["size"]
            n, h, w, c = x.shape
            x = x[:, :h // s * s, :w // s * s].reshape(n, h // s, s, w // s, s, c).max(axis=(2, 4))
        elif kind == "relu":
            x = np.maximum(x, 0)
        elif kind == "tanh":
            x = np.tanh(x)
        elif kind == "sigmoid":
            x = 1 / (1 + np.exp(-x))
        elif kind == "flatten":   # NHWC order: feature = (h*W + w)*C + c
            x = x.reshape(len(x), -1)
        else:
            raise ValueError(f"unknown layer kind {kind!r}")
    return x


def read_idx(path):
    """An IDX file (gzip-compressed) of unsigned bytes as a NumPy array."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if raw[:3] != b"\x00\x00\x08":
        raise ValueError(f"{path}: not an IDX file of unsigned bytes")
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(raw[3])]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * len(dims)).reshape(dims)


def summary(path, f, arch, layers):
    root, chip, dev = f.attrs, f["chip"].attrs, f["chip/device"].attrs
    dac, adc = f["chip/dac"].attrs, f["chip/adc"].attrs
    print(f"{path}: {root['creator']}, {root['created_utc']}, source {root['source']}, "
          f"weights from {root['weights_from']}")
    print(f"chip {chip['name']}: {f['tiles'].attrs['count']} tile(s) in use of {chip['tile_rows']}x"
          f"{chip['tile_columns']} devices; {dev['name']}: {dev['levels']} levels over "
          f"{dev['g_min_uS']}-{dev['g_max_uS']} uS, read at {dev['read_voltage_V']} V")
    print(f"periphery: {dac['bits']}-bit DAC{' (bit-serial)' if dac['bit_serial'] else ''}, "
          f"{adc['bits']}-bit ADC over +-{adc['full_scale_uA']} uA (ignored here: ideal periphery)")
    print(f"network {arch['name']} {arch['inputShape']}:")
    for i, layer in enumerate(layers):
        extra = ""
        if "W" in layer:
            extra = (f"  {layer['rows']}x{layer['columns']} weights in {layer['blocks']} block(s), "
                     f"{layer['weight_per_uS']:.5g} per uS, |w| <= {np.abs(layer['W']).max():.4f}")
        print(f"  {i:3d} {layer['kind']:<8}{extra}".rstrip())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("image", help="a chip image (.h5)")
    parser.add_argument("--data", default=DEFAULT_DATA, help="directory of the MNIST IDX files (.gz)")
    parser.add_argument("--limit", type=int, default=None, help="first N test images only")
    parser.add_argument("--metadata", action="store_true", help="print the metadata object as JSON and exit")
    args = parser.parse_args()
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be at least 1")
    with h5py.File(args.image, "r") as f:
        if args.metadata:
            print(json.dumps(metadata(f), indent=1, sort_keys=True))
            return
        arch, layers = load_network(f)
        summary(args.image, f, arch, layers)
    images = read_idx(os.path.join(args.data, "t10k-images-idx3-ubyte.gz"))[:args.limit]
    labels = read_idx(os.path.join(args.data, "t10k-labels-idx1-ubyte.gz"))[:args.limit]
    x = images.astype(np.float32)[..., None] / np.float32(255)  # NHWC [N, 28, 28, 1] in [0, 1]
    correct = 0
    for start in range(0, len(x), 1000):
        logits = forward(layers, x[start:start + 1000])
        correct += int((logits.argmax(axis=1) == labels[start:start + 1000]).sum())
    print(f"accuracy {correct / len(x):.4f} ({correct}/{len(x)} MNIST test images, "
          "noiseless, ideal periphery)")


if __name__ == "__main__":
    sys.exit(main())
