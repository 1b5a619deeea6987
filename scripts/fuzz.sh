#!/usr/bin/env bash
# Coverage-guided fuzzing of CIMKit's file readers: libFuzzer with AddressSanitizer, through the
# Swift toolchain's -sanitize=fuzzer,address (Sources/CIMFuzz). Targets: onnx (decode + import),
# safetensors (decode + the weights schema), idx, npy, npz (ZIP + deflate + arrays), chipimage
# (the isolated HDF5 reader's stream → every chip-image check → for an accepted image, the chip
# engine and the network, so that an image verify passes never fails later), chipfile (a chip
# JSON file; an accepted chip must round-trip and survive --set of its own values), devicecsv (a
# device-measurements CSV; an accepted file's cells add up, and a small one fits to a valid device). Seeds: the
# committed ONNX fixtures, their reference safetensors, small IDX files cut from the shipped
# MNIST, Tests/Fixtures/fuzz-seeds/npy, the dataset fixtures' .npz files, and the streams of the
# shipped chip images (exported/: v2 and a calibrated v3 image; Tests/Fixtures/chip-image-v1) as `cim` reads them, and the
# chip presets (schemas/chips/), and small `cim device sample` files.
#
#   scripts/fuzz.sh              600 s per target (a long campaign; corpora kept in runs/fuzz)
#   scripts/fuzz.sh --ci         20 s per target, seed 1 (what scripts/test.sh, so CI, runs)
#   scripts/fuzz.sh SECONDS      SECONDS per target
#
# A crash, an ASan report, a hang beyond 60 s or more than 2 GB resident fails the run;
# libFuzzer saves the input as runs/fuzz/crash-*, replayable without libFuzzer:
#   swift build -c release --product CIMFuzz && CIMFUZZ_TARGET=onnx .build/release/CIMFuzz runs/fuzz/crash-…
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=600
seed=()
if [ "${1:-}" = "--ci" ]; then seconds=20; seed=(-seed=1); elif [ -n "${1:-}" ]; then seconds=$1; fi
case $seconds in ''|*[!0-9]*) echo "fuzz: SECONDS must be a whole number, got '$seconds'" >&2; exit 2;; esac

echo "fuzz: building CIMFuzz with -sanitize=fuzzer,address (.build-fuzz)"
# The toolchain's lld links it (Debian's gold fails on the sanitised objects' debug info).
lld="$(dirname "$(readlink -f "$(command -v swiftc)")")/ld.lld"
[ -x "$lld" ] || { echo "fuzz: no ld.lld next to swiftc ($lld)" >&2; exit 2; }
mkdir -p .build-fuzz
rm -f .build-fuzz/release/CIMFuzz
printf '{ "schemaVersion": "1.0", "linker": { "path": "%s" } }\n' "$lld" > .build-fuzz/toolset.json
swift build -c release --product CIMFuzz --scratch-path .build-fuzz --toolset .build-fuzz/toolset.json \
  -Xswiftc -DCIM_FUZZ -Xswiftc -sanitize=fuzzer,address 2>&1 | grep -v "Cannot export local symbol" | grep -E "error|warning: unre" || true
[ -x .build-fuzz/release/CIMFuzz ] || { echo "fuzz: the build failed" >&2; exit 1; }
bin=.build-fuzz/release/CIMFuzz

targets="onnx safetensors idx npy npz chipimage chipfile devicecsv"
out=runs/fuzz
mkdir -p "$out"
for t in $targets; do mkdir -p "$out/corpus-$t"; done
# chip-image seeds: the stream cim's isolated reader writes for each shipped image
[ -x .build/release/cim ] || swift build -c release --product cim 2>&1 | grep -E "error" || true
policy='{"allowedFilters":["deflate"],"maxBytes":1073741824,"maxObjects":100000,"maxDepth":32,"maxRank":32,"maxAttributes":4096,"maxAttributeBytes":67108864,"maxChunkBytes":268435456,"timeoutSeconds":600}'
for f in exported/*.h5 Tests/Fixtures/chip-image-v1/*.h5; do
  .build/release/cim __hdf5-snapshot "$f" "$policy" > "$out/corpus-chipimage/$(basename "$(dirname "$f")")-$(basename "$f" .h5).wire"
done
cp Tests/Fixtures/onnx/*.onnx "$out/corpus-onnx/"
cp Tests/Fixtures/onnx/*.safetensors "$out/corpus-safetensors/"
cp Tests/Fixtures/fuzz-seeds/npy/*.npy "$out/corpus-npy/"
cp Tests/Fixtures/datasets/*.npz "$out/corpus-npz/"
cp schemas/chips/*.json "$out/corpus-chipfile/"
# device-measurement seeds: small samples of three devices (cim device sample) and the test fixture
.build/release/cim device sample pcm-like-inference --devices 12 --times 20,3600,86400 --reads 3 --seed 1 --out "$out/corpus-devicecsv/pcm.csv" >/dev/null
.build/release/cim device sample brram-4bit --devices 8 --times 1,60 --reads 2 --seed 2 --out "$out/corpus-devicecsv/brram.csv" >/dev/null
.build/release/cim device sample wu2023-inference --devices 6 --times 1 --reads 4 --seed 3 --out "$out/corpus-devicecsv/one-time.csv" >/dev/null
(gzip -dc datasets/mnist/t10k-labels-idx1-ubyte.gz || true) | head -c 1008 > "$out/corpus-idx/labels-1000"
{ printf '\x00\x00\x08\x03\x00\x00\x00\x02\x00\x00\x00\x1c\x00\x00\x00\x1c'
  (gzip -dc datasets/mnist/t10k-images-idx3-ubyte.gz || true) | (tail -c +17 || true) | head -c 1568; } > "$out/corpus-idx/images-2"

status=0
for t in $targets; do
  echo "fuzz: $t for $seconds s"
  log="$out/$t.log"
  if ! CIMFUZZ_TARGET=$t "$bin" "$out/corpus-$t" "${seed[@]}" -max_total_time="$seconds" -timeout=60 -rss_limit_mb=2048 \
       -malloc_limit_mb=1024 -max_len=262144 -artifact_prefix="$out/crash-$t-" -print_final_stats=1 >"$log" 2>&1; then
    echo "fuzz: $t FAILED (see $log and $out/crash-$t-*)"; tail -n 30 "$log"; status=1
  fi
  grep -E "DONE|stat::number_of_executed_units|stat::peak_rss_mb" "$log" | sed "s/^/fuzz: $t: /" || true
done
exit $status
