#!/usr/bin/env python3
"""Writes the dataset-file fixtures in Tests/Fixtures/datasets/ with NumPy and h5py.

The tests (Tests/CIMDataTests/DatasetFileTests.swift, Tests/CLITests/DatasetFileCLITests.swift)
recompute every value from the formulas below, so the files need not be regenerated; run this
script (python3 scripts/datasets/make_fixtures.py, needs numpy and h5py) only to change them.
The ZIP timestamps differ from run to run; the arrays do not.

- rgb16.npz (np.savez_compressed: deflate members, ZIP64 local headers as NumPy writes them):
  x_train uint8 (24, 16, 16, 3), y_train int64 (24,), x_test uint8 (12, 16, 16, 3),
  y_test int64 (12,); image i of x_train has x[i, h, w, c] = (7 i + 3 h + 5 w + 11 c) mod 256,
  image i of x_test the same with i + 100; labels y[i] = 3 i mod 10 (x_test: 3 (i + 100) mod 10).
- small_stored.npz (np.savez: stored members): x_test float32 (5, 3, 4, 4) in N×C×H×W order,
  x[i, c, h, w] = (48 i + 16 c + 4 h + w) / 8 - 10 (exact in float32), y_test int32 (5, 1) =
  [[4], [0], [3], [1], [2]].
- small.h5 (h5py): test/images float32 (5, 3, 4, 4) as in small_stored.npz, chunked and
  gzip-compressed; test/labels uint8 (5,) = [4, 0, 3, 1, 2]; x_test uint8 (5, 4, 4) with
  x[i, h, w] = 16 i + 4 h + w, y_test int64 (5,) = [4, 0, 3, 1, 2].
"""
import os

import h5py
import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "Tests", "Fixtures", "datasets")


def rgb(first, count):
    i, h, w, c = np.meshgrid(np.arange(first, first + count), np.arange(16), np.arange(16), np.arange(3), indexing="ij")
    return ((7 * i + 3 * h + 5 * w + 11 * c) % 256).astype(np.uint8)


def small_floats():
    i, c, h, w = np.meshgrid(np.arange(5), np.arange(3), np.arange(4), np.arange(4), indexing="ij")
    return ((48 * i + 16 * c + 4 * h + w).astype(np.float32) / np.float32(8) - np.float32(10)).astype(np.float32)


def main():
    os.makedirs(OUT, exist_ok=True)
    np.savez_compressed(os.path.join(OUT, "rgb16.npz"),
                        x_train=rgb(0, 24), y_train=(3 * np.arange(24) % 10).astype(np.int64),
                        x_test=rgb(100, 12), y_test=(3 * np.arange(100, 112) % 10).astype(np.int64))
    labels = np.array([4, 0, 3, 1, 2])
    np.savez(os.path.join(OUT, "small_stored.npz"), x_test=small_floats(),
             y_test=labels.astype(np.int32).reshape(5, 1))
    with h5py.File(os.path.join(OUT, "small.h5"), "w") as f:
        f.create_dataset("test/images", data=small_floats(), chunks=(2, 3, 4, 4), compression="gzip")
        f.create_dataset("test/labels", data=labels.astype(np.uint8))
        i, h, w = np.meshgrid(np.arange(5), np.arange(4), np.arange(4), indexing="ij")
        f.create_dataset("x_test", data=(16 * i + 4 * h + w).astype(np.uint8))
        f.create_dataset("y_test", data=labels.astype(np.int64))
    print("wrote", ", ".join(sorted(os.listdir(OUT))), "in", os.path.normpath(OUT))


if __name__ == "__main__":
    main()
