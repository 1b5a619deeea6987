#!/usr/bin/env python3
"""Run a CIMKit chip image with h5py and NumPy only: a reader's example of schemas/chip-image-v4.md.

It opens an HDF5 chip image (schema version 1 to 4, written by `cim export` or `cim convert`),
prints a summary, rebuilds the network (a chain, or in v2 a layer graph) from /network, gathers
every weighted layer's G+ and G- from /tiles through the layer's blocks, and classifies the test
set of an IDX directory (MNIST by default) with a noiseless chip:

    ideal periphery (default):  y = x @ (weight_per_uS * (G+ - G-)) + bias
                                (a calibrated v3 layer: a weight_per_uS per column; a v4 layer
                                with bit slices: G+ - G- of its slices combined by shift-and-add)
    --periphery chip:           the DAC, the per-tile ADC and the digital rescaling of the schema
                                ("The periphery"), without noise; a calibrated layer's static input
                                ranges and tile ADC full scales included

Usage:
    python3 scripts/chip_image_infer.py IMAGE [--data DIR] [--limit N] [--periphery ideal|chip]
                                        [--predictions FILE] [--logits FILE]
    python3 scripts/chip_image_infer.py IMAGE --metadata    # JSON of schemas/chip-image-v4.schema.json
"""
import argparse
import gzip
import json
import os
import sys

import h5py
import numpy as np

FORMAT, VERSIONS = "cimkit-chip-image", (1, 2, 3, 4)
MAX_SLICES = 8             # schema v4: slices in 2..8 (absent = 1)
MAX_PAIRS = 2 ** 31        # most device pairs a layer may claim before anything is allocated
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DATA = os.path.join(HERE, os.pardir, "datasets", "mnist")
F32 = np.float32
# architecture_json spells a layer kind as the Swift enum case; the layer groups' `kind` in snake case
JSON_KIND = {"conv2d": "conv2d", "dense": "dense", "maxPool": "max_pool", "relu": "relu",
             "tanh": "tanh", "sigmoid": "sigmoid", "flatten": "flatten", "convolution": "convolution",
             "avgPool": "avg_pool", "globalAvgPool": "global_avg_pool", "leakyRelu": "leaky_relu",
             "clip": "clip", "add": "add", "affine": "affine"}


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


def slicing(group, version, levels):
    """(slices, base) of a weighted layer; v4 `slices` and `slice_significance` checked as
    untrusted input: both or neither, 2 <= slices <= 8, significance exactly levels**s."""
    a = group.attrs
    if "slices" not in a and "slice_significance" not in a:
        return 1, 1
    if version < 4:
        raise ValueError(f"{group.name}: bit slices in a version {version} image (slices need version 4)")
    if "slices" not in a or "slice_significance" not in a:
        raise ValueError(f"{group.name}: slices and slice_significance must come together")
    n = a["slices"]
    if not isinstance(n, (int, np.integer)) or not 2 <= int(n) <= MAX_SLICES:
        raise ValueError(f"{group.name}/slices: {n!r} must be an integer in 2..{MAX_SLICES}")
    n = int(n)
    if levels < 2:
        raise ValueError(f"{group.name}/slices: {n} slices need a device with levels (this one is continuous)")
    sig = np.asarray(a["slice_significance"])
    expected = [levels ** s for s in range(n)]
    if expected[-1] > 2 ** 24:
        raise ValueError(f"{group.name}/slices: significance {levels}^{n - 1} exceeds 2^24")
    if sig.dtype.kind not in "iu" or sig.shape != (n,) or sig.tolist() != expected:
        raise ValueError(f"{group.name}/slice_significance: {sig.tolist()[:MAX_SLICES + 1]}, expected {expected}")
    return n, levels


def combine(d, n, base):
    """Shift-and-add of slice values d[..., c*n + s] (least significant slice first) into
    [..., c], float32, most significant first: t = d_(n-1); t = t*base + d_s (two roundings)."""
    if n == 1:
        return d
    d = d.reshape(d.shape[:-1] + (d.shape[-1] // n, n))
    t = d[..., n - 1]
    for s in range(n - 2, -1, -1):
        t = t * F32(base) + d[..., s]
    return t


def gather(layer, g_plus, g_minus, slices=1):
    """A weighted layer's [rows, columns * slices] G+ and G- (uS), collected from the tiles.

    /tiles arrays are [tile, tile_row, pair]; pair p is device column 2p (G+) and 2p+1 (G-).
    Block b holds layer rows row_start + r (r < rows) on tile rows block_row_map[offset + r]
    (offset = rows of the blocks before b) and layer pair columns column_start + c on pairs
    tile_column + c (v4, sliced: slice s of weight column k is pair column k*slices + s).
    """
    a = layer.attrs
    rows, cols = int(a["rows"]), int(a["columns"])
    if rows < 1 or cols < 1 or rows * cols * slices > MAX_PAIRS:
        raise ValueError(f"{layer.name}: {rows}x{cols}x{slices} device pairs is not a layer this reader allocates")
    fields = layer["blocks"].attrs["fields"].split(",")
    row_map = layer["block_row_map"][()]
    gp = np.full((rows, cols * slices), np.nan, F32)
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
    """The layers in architecture order: each group's attributes (plus `inputs`, and for a
    weighted layer its gathered G+/G-, W and bias), and the preprocessing."""
    version = int(f.attrs["format_version"])
    if f.attrs["format"] != FORMAT or version not in VERSIONS:
        raise ValueError(f"not a {FORMAT} file of version {VERSIONS}")
    levels = int(json.loads(f["chip"].attrs["spec_json"])["device"]["levels"])
    net = f["network"]
    arch = json.loads(net.attrs["architecture_json"])  # authoritative; the groups repeat it
    pre = json.loads(net.attrs["preprocessing_json"]) if version >= 2 else {"pixelDivisor": 255, "layout": "NHWC"}
    g_plus, g_minus = f["tiles/g_plus"][()], f["tiles/g_minus"][()]
    layers = []
    for i, spec in enumerate(arch["layers"]):
        group = net[f"layer_{i:03d}"]
        layer = {k: plain(v) for k, v in group.attrs.items()}
        if layer["kind"] != JSON_KIND[next(iter(spec))]:
            raise ValueError(f"{group.name}: kind {layer['kind']}, architecture_json has {spec}")
        if version == 1:
            layer["inputs"] = [i - 1]  # a chain
        elif arch.get("inputs") is not None and layer["inputs"] != arch["inputs"][i]:
            raise ValueError(f"{group.name}: inputs {layer['inputs']}, architecture_json has {arch['inputs'][i]}")
        if "weight_per_uS" in layer:  # weighted: conv2d, convolution or dense
            layer.setdefault("groups", 1)
            layer["slices"], layer["base"] = slicing(group, version, levels)
            layer["gp"], layer["gm"] = gather(group, g_plus, g_minus, layer["slices"])
            layer["input_scaling"] = layer.get("input_scaling", "abs-max")
            if "column_weight_per_uS" in group:  # v3, calibrated: one scale per column (float64, used as float32)
                layer["scales"] = group["column_weight_per_uS"][()].astype(F32)
            else:
                layer["scales"] = np.full(layer["columns"], F32(layer["weight_per_uS"]), F32)
            layer["input_range"] = group["input_range"][()] if "input_range" in group else None          # [groups, blocks] f32
            layer["adc_fs"] = group["adc_full_scale_uA"][()] if "adc_full_scale_uA" in group else None  # [groups, blocks] f64
            layer["W"] = layer["scales"] * combine(layer["gp"] - layer["gm"], layer["slices"], layer["base"])  # [rows, columns]
            layer["bias"] = group["bias"][()]
            layer["n_blocks"] = len(group["blocks"])
        if layer["kind"] == "affine":  # digital per-channel scale and shift, float32 [channels]
            layer["scale"], layer["shift"] = group["scale"][()], group["shift"][()]
        layers.append(layer)
    return arch, layers, pre


def im2col(x, kernel, stride, padding, dilation):
    """[N, H, W, C] -> [N, OH, OW, KH*KW*C]: each receptive field in (kh, kw, c) order, with
    zero padding (top, left, bottom, right), stride and dilation."""
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    top, left, bottom, right = padding
    x = np.pad(x, ((0, 0), (top, bottom), (left, right), (0, 0)))
    n, h, w, c = x.shape
    oh, ow = (h - dh * (kh - 1) - 1) // sh + 1, (w - dw * (kw - 1) - 1) // sw + 1
    cols = [x[:, i * dh:i * dh + sh * (oh - 1) + 1:sh, j * dw:j * dw + sw * (ow - 1) + 1:sw, :]
            for i in range(kh) for j in range(kw)]              # each [N, OH, OW, C]
    return np.stack(cols, axis=3).reshape(n, oh, ow, kh * kw * c)


def chip_product(x, gp, gm, scales, spec, ranges=None, adc_fs=None, slices=1, base=1):
    """x @ W as the chip computes it without noise (schema "The periphery"); x [M, R].

    scales: float32 weight_per_uS per column; ranges: static input range per tile row block
    (float32, None = abs-max per input vector); adc_fs: ADC full scale per row block (uA,
    float64, None = the chip's); slices, base: gp and gm hold columns * slices pair columns,
    each converted on its own and combined by shift-and-add before the scaling."""
    v, tile_rows = F32(spec["device"]["readVoltage"]), spec["tileRows"]
    dac, adc = spec["dac"], spec["adc"]
    levels = F32(2 ** dac["bits"] - 1) if dac["bits"] > 0 else None
    if ranges is None:
        m = np.abs(x).max(axis=1, keepdims=True)
        m[~(m > 0)] = 1
        q = x * (F32(1) / m)                                  # 1. DAC: x * (1/m), not x / m
        if levels is not None:
            q = np.rint(q * levels) * (F32(1) / levels)
    else:                                                     # 1. DAC, static: clamp(x * (1/R_b), -1, 1)
        q = np.empty_like(x)
        for b, r0 in enumerate(range(0, x.shape[1], tile_rows)):
            qb = np.clip(x[:, r0:r0 + tile_rows] * (F32(1) / ranges[b]), F32(-1), F32(1))
            q[:, r0:r0 + tile_rows] = qb if levels is None else np.rint(qb * levels) * (F32(1) / levels)
    dg = gp - gm
    acc = np.zeros((len(x), gp.shape[1]), F32)
    for sign, phase in ((1, np.maximum(q, F32(0))), (-1, np.maximum(-q, F32(0)))):
        for b, r0 in enumerate(range(0, len(gp), tile_rows)):  # one tile row block
            i = v * (phase[:, r0:r0 + tile_rows] @ dg[r0:r0 + tile_rows])
            if adc["bits"] > 0:
                full = adc["fullScaleMicroAmps"] if adc_fs is None else float(adc_fs[b])
                fs = F32(full)
                step = F32(full / (2 ** (adc["bits"] - 1) - 1))   # float64, then float32
                i = np.clip(np.rint(i * (F32(1) / step)) * step, -fs, fs)
            gain = F32(sign) if ranges is None else F32(sign) * ranges[b]   # static: R_b back on digitally
            acc = acc + gain * i
    acc = combine(acc, slices, base)                          # v4: shift-and-add of the slices
    k = scales / v                                            # float32 w_o / V per column
    return (m * k) * acc if ranges is None else k * acc


def weighted(layer, x2, spec, periphery):
    """The layer's product plus bias for im2col rows x2 ([M, R*groups] for grouped layers)."""
    g, cols, n = layer["groups"], layer["columns"], layer["slices"]
    r, w = layer["rows"], cols // g
    out = np.empty((len(x2), cols), F32)
    for j in range(g):                        # group j: inputs j*R.., columns j*w.., pair columns j*w*n..
        xj = x2[:, j * r:(j + 1) * r]
        c, pc = slice(j * w, (j + 1) * w), slice(j * w * n, (j + 1) * w * n)
        if periphery == "chip":
            ranges = None if layer["input_range"] is None else layer["input_range"][j]
            adc_fs = None if layer["adc_fs"] is None else layer["adc_fs"][j]
            out[:, c] = chip_product(xj, layer["gp"][:, pc], layer["gm"][:, pc], layer["scales"][c], spec, ranges, adc_fs,
                                     n, layer["base"])
        else:
            out[:, c] = xj @ layer["W"][:, c]
    return out + layer["bias"]


def pool_windows(x, kernel, stride, padding):
    """Yields (i, j, slice of x) for every output position of a pooling window."""
    n, h, w, c = x.shape
    (kh, kw), (sh, sw) = kernel, stride
    top, left, bottom, right = padding
    oh, ow = (h + top + bottom - kh) // sh + 1, (w + left + right - kw) // sw + 1
    for i in range(oh):
        for j in range(ow):
            y0, x0 = i * sh - top, j * sw - left
            y1, x1 = min(y0 + kh, h + bottom), min(x0 + kw, w + right)
            yield i, j, oh, ow, (y1 - y0) * (x1 - x0), (max(y0, 0), min(y1, h), max(x0, 0), min(x1, w))


def avg_pool(x, kernel, stride, padding, include_pad):
    """Sums each window sequentially in (row, column) order from 0 in float32, then divides."""
    out = None
    for i, j, oh, ow, full, (ya, yb, xa, xb) in pool_windows(x, kernel, stride, padding):
        if out is None:
            out = np.zeros((len(x), oh, ow, x.shape[3]), F32)
        s = np.zeros((len(x), x.shape[3]), F32)
        for yy in range(ya, yb):
            for xx in range(xa, xb):
                s = s + x[:, yy, xx, :]
        out[:, i, j, :] = s / F32(full if include_pad else max((yb - ya) * (xb - xa), 1))
    return out


def conv_as_matrix(layer):
    """kernel, stride, padding, dilation of a conv2d or convolution layer."""
    if layer["kind"] == "conv2d":
        k = layer["kernel"]
        return (k, k), (1, 1), (0, 0, 0, 0), (1, 1)
    return tuple(layer["kernel"]), tuple(layer["stride"]), tuple(layer["padding"]), tuple(layer["dilation"])


def forward(layers, x, spec, periphery="ideal"):
    """Logits of a batch x ([N, H, W, C], NHWC, float32)."""
    outs = []
    for layer in layers:
        a = [x if k == -1 else outs[k] for k in layer["inputs"]]
        kind, y = layer["kind"], a[0]
        if kind in ("conv2d", "convolution"):
            kernel, stride, padding, dilation = conv_as_matrix(layer)
            g = layer["groups"]
            n, c = len(y), y.shape[3]
            # im2col per group (channels j*C/g ..), side by side: [M, KH*KW*C/g * g]
            groups = [im2col(y[..., j * c // g:(j + 1) * c // g], kernel, stride, padding, dilation) for j in range(g)]
            oh, ow = groups[0].shape[1:3]
            x2 = np.concatenate([t.reshape(n * oh * ow, -1) for t in groups], axis=1)
            y = weighted(layer, x2, spec, periphery).reshape(n, oh, ow, layer["columns"])
        elif kind == "dense":
            y = weighted(layer, y, spec, periphery)
        elif kind == "max_pool":  # non-overlapping windows; the remainder is dropped
            s = layer["size"]
            n, h, w, c = y.shape
            y = y[:, :h // s * s, :w // s * s].reshape(n, h // s, s, w // s, s, c).max(axis=(2, 4))
        elif kind == "avg_pool":
            y = avg_pool(y, layer["kernel"], layer["stride"], layer["padding"], layer["count_include_pad"] != 0)
        elif kind == "global_avg_pool":
            y = avg_pool(y, y.shape[1:3], y.shape[1:3], (0, 0, 0, 0), True)
        elif kind == "relu":
            y = np.maximum(y, F32(0))
        elif kind == "leaky_relu":
            y = np.where(y < 0, y * F32(layer["slope"]), y)
        elif kind == "clip":
            y = np.minimum(np.maximum(y, F32(layer["min"])), F32(layer["max"]))
        elif kind == "tanh":      # CIMKit uses a fast approximation: |error| < 3e-7
            y = np.tanh(y)
        elif kind == "sigmoid":   # 〃
            y = F32(1) / (F32(1) + np.exp(-y))
        elif kind == "flatten":   # NHWC order: feature = (h*W + w)*C + c
            y = y.reshape(len(y), -1)
        elif kind == "add":
            y = a[0] + a[1]
        elif kind == "affine":    # over the last (channel) axis; two float32 roundings, no FMA
            y = y * layer["scale"] + layer["shift"]
        else:
            raise ValueError(f"unknown layer kind {kind!r}")
        outs.append(y.astype(F32, copy=False))
    return outs[-1]


def read_idx(path):
    """An IDX file (gzip-compressed) of unsigned bytes as a NumPy array."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    if raw[:3] != b"\x00\x00\x08":
        raise ValueError(f"{path}: not an IDX file of unsigned bytes")
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(raw[3])]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * len(dims)).reshape(dims)


def summary(path, f, arch, layers, pre, spec):
    root, dev, dac, adc = f.attrs, spec["device"], spec["dac"], spec["adc"]  # spec_json: in every version
    print(f"{path}: schema {root['format_version']}, {root['creator']}, {root['created_utc']}, "
          f"source {root['source']}, weights from {root['weights_from']}")
    print(f"chip {spec['name']}: {f['tiles'].attrs['count']} tile(s) in use of {spec['tileRows']}x"
          f"{spec['tileColumns']} devices; {dev['name']}: {dev['levels']} levels over "
          f"{dev['gMinMicroSiemens']}-{dev['gMaxMicroSiemens']} uS, read at {dev['readVoltage']} V")
    print(f"periphery: {dac['bits']}-bit DAC{' (bit-serial)' if dac['bitSerial'] else ''}, "
          f"{adc['bits']}-bit ADC over +-{adc['fullScaleMicroAmps']} uA")
    if "calibration" in f["provenance"].attrs:
        print(f"calibrated: {f['provenance'].attrs['calibration']}")
    folded = pre.get("foldedNormalization")
    print(f"inputs: pixels / {pre['pixelDivisor']:g}, {pre['layout']}"
          + (f"; a normalisation is folded into layer {folded['intoLayer']}" if folded else ""))
    print(f"network {arch['name']} {arch['inputShape']}:")
    for i, layer in enumerate(layers):
        extra = ""
        if "W" in layer and layer["input_scaling"] == "static":
            extra = "  (static input ranges)"
        if "W" in layer:
            extra = (f"  {layer['rows']}x{layer['columns']} weights"
                     f"{' in ' + str(layer['groups']) + ' groups' if layer['groups'] > 1 else ''}"
                     f"{' on ' + str(layer['slices']) + ' slices' if layer['slices'] > 1 else ''}"
                     f" in {layer['n_blocks']} block(s), {layer['weight_per_uS']:.5g} per uS, "
                     f"|w| <= {np.abs(layer['W']).max():.4f}") + extra
        src = "" if layer["inputs"] == [i - 1] else f" <- {layer['inputs']}"
        print(f"  {i:3d} {layer['kind']:<16}{src}{extra}".rstrip())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("image", help="a chip image (.h5)")
    parser.add_argument("--data", default=DEFAULT_DATA, help="directory of the IDX test files t10k-*.gz (default: MNIST)")
    parser.add_argument("--limit", type=int, default=None, help="first N test images only")
    parser.add_argument("--periphery", choices=("ideal", "chip"), default="ideal",
                        help="ideal: x @ W + bias; chip: the image's DAC and ADC, noiseless")
    parser.add_argument("--predictions", help="write the predicted class of every image, one a line, to this file")
    parser.add_argument("--logits", help="write the logits, one image a line (%%.9g), to this file")
    parser.add_argument("--metadata", action="store_true", help="print the metadata object as JSON and exit")
    args = parser.parse_args()
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be at least 1")
    with h5py.File(args.image, "r") as f:
        if args.metadata:
            print(json.dumps(metadata(f), indent=1, sort_keys=True))
            return
        arch, layers, pre = load_network(f)
        spec = json.loads(f["chip"].attrs["spec_json"])
        summary(args.image, f, arch, layers, pre, spec)
    images = read_idx(os.path.join(args.data, "t10k-images-idx3-ubyte.gz"))[:args.limit]
    labels = read_idx(os.path.join(args.data, "t10k-labels-idx1-ubyte.gz"))[:args.limit]
    h, w, c = arch["inputShape"]
    if images.shape[1:] != (h, w) or c != 1:
        raise SystemExit(f"the test images are {images.shape[1:]}, the network takes {arch['inputShape']}")
    x = images.astype(F32)[..., None] / F32(pre["pixelDivisor"])  # NHWC [N, H, W, 1]
    logits = np.concatenate([forward(layers, x[start:start + 500], spec, args.periphery)
                             for start in range(0, len(x), 500)])
    predictions = logits.argmax(axis=1)  # ties: the lowest class index
    if args.logits:
        np.savetxt(args.logits, logits, fmt="%.9g")
    if args.predictions:
        np.savetxt(args.predictions, predictions, fmt="%d")
    correct = int((predictions == labels).sum())
    print(f"accuracy {correct / len(x):.4f} ({correct}/{len(x)} test images, noiseless, "
          f"{args.periphery} periphery)")


if __name__ == "__main__":
    sys.exit(main())
