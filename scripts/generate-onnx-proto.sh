#!/usr/bin/env bash
# generate-onnx-proto.sh — regenerate Sources/CIMONNX/Generated/onnx.pb.swift,
# the Swift (SwiftProtobuf) types for ONNX's protobuf schema (Onnx_ModelProto,
# Onnx_GraphProto, Onnx_NodeProto, Onnx_TensorProto, ...).
#
# The generated file is committed, so normal builds and CI never build or run
# the protoc plugin (building protoc-gen-swift takes ~10 minutes). Run this
# script by hand only when:
#   * ONNX_VERSION below changes (a newer onnx.proto is wanted), or
#   * SWIFT_PROTOBUF_VERSION below changes — it must match the swift-protobuf
#     version Package.swift depends on (generated code is tied to the runtime
#     version it was generated for), or
#   * the generated file was edited or lost.
# The output is deterministic for the pinned versions; rerunning with the same
# pins should give a byte-identical file.
#
# What it does:
#   1. installs Debian's protobuf-compiler (protoc) with apt-get if protoc is missing;
#   2. builds protoc-gen-swift of apple/swift-protobuf $SWIFT_PROTOBUF_VERSION in
#      release mode from a scratch SwiftPM package in a temporary directory; the
#      build products and the finished plugin are cached under .build-protoc/ in
#      the repo (ignored by git via the `.build-*/` rule in .gitignore), so a second
#      run skips the build;
#   3. downloads the onnx==$ONNX_VERSION wheel from PyPI (no dependencies),
#      extracts onnx/onnx.proto and checks its SHA-256 against ONNX_PROTO_SHA256;
#   4. runs protoc with Visibility=Public and writes the result, with a provenance
#      header, to Sources/CIMONNX/Generated/onnx.pb.swift.
#
# Why onnx/onnx.proto: the wheel also ships onnx-ml.proto (same `package onnx`,
# plus only TypeProto.Opaque, field 7 of TypeProto's oneof) and *.in.proto
# templates; no .proto3 variants. onnx.proto is proto2, which is what ONNX model
# files are written with; fields it does not know (e.g. opaque_type) are kept as
# unknown fields by SwiftProtobuf when decoding.
#
# Pinned inputs (update together with ONNX_PROTO_SHA256):
#   onnx 1.17.0: IR_VERSION 10, default-domain opsets up to 22.
#   onnx/onnx.proto SHA-256 2881fcc940635b6a34b7c95e5089b2faa89c3d6e382c1da1706e88c7f32452bc
#
# Usage: scripts/generate-onnx-proto.sh            (from anywhere)
# Env:   ONNX_PROTO_SHA256=skip  to accept a different .proto after bumping ONNX_VERSION
#        (then paste the printed hash into this script).
set -euo pipefail

ONNX_VERSION="1.17.0"
ONNX_PROTO_SHA256="${ONNX_PROTO_SHA256:-2881fcc940635b6a34b7c95e5089b2faa89c3d6e382c1da1706e88c7f32452bc}"
SWIFT_PROTOBUF_VERSION="1.39.0"
SWIFT_PROTOBUF_URL="https://github.com/apple/swift-protobuf"

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE_DIR="$REPO_ROOT/.build-protoc"
PLUGIN="$CACHE_DIR/bin/$SWIFT_PROTOBUF_VERSION/protoc-gen-swift"
OUT_DIR="$REPO_ROOT/Sources/CIMONNX/Generated"
OUT_FILE="$OUT_DIR/onnx.pb.swift"

log() { echo "generate-onnx-proto: $*"; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/onnx-proto.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# --- 1. protoc -----------------------------------------------------------------
if ! command -v protoc >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  log "protoc not found; installing Debian protobuf-compiler"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends protobuf-compiler >/dev/null
fi
PROTOC_VERSION="$(protoc --version)"
log "using $PROTOC_VERSION"

# --- 2. protoc-gen-swift -------------------------------------------------------
if [ -x "$PLUGIN" ] && "$PLUGIN" --version 2>/dev/null | grep -qF "$SWIFT_PROTOBUF_VERSION"; then
  log "reusing cached plugin $PLUGIN"
else
  log "building protoc-gen-swift $SWIFT_PROTOBUF_VERSION (release; ~2 minutes on 2 cores the first time)"
  mkdir -p "$WORK/plugin/Sources/Placeholder" "$(dirname "$PLUGIN")"
  cat > "$WORK/plugin/Package.swift" <<EOF
// swift-tools-version:5.9
// Scratch package: only exists to build protoc-gen-swift from swift-protobuf.
import PackageDescription
let package = Package(
    name: "ProtocGenSwiftBuilder",
    dependencies: [.package(url: "$SWIFT_PROTOBUF_URL", exact: "$SWIFT_PROTOBUF_VERSION")],
    targets: [.target(name: "Placeholder", path: "Sources/Placeholder")]
)
EOF
  echo "// placeholder" > "$WORK/plugin/Sources/Placeholder/Placeholder.swift"
  # The scratch path (build products, checkouts) lives in the repo's cache dir so
  # an interrupted or repeated build is incremental.
  swift build --package-path "$WORK/plugin" --scratch-path "$CACHE_DIR/swiftpm" \
    -c release --product protoc-gen-swift
  BIN_DIR="$(swift build --package-path "$WORK/plugin" --scratch-path "$CACHE_DIR/swiftpm" -c release --show-bin-path)"
  install -m 0755 "$BIN_DIR/protoc-gen-swift" "$PLUGIN"
fi
PLUGIN_VERSION="$("$PLUGIN" --version)"
log "using $PLUGIN_VERSION"

# --- 3. onnx.proto from the pinned PyPI wheel ----------------------------------
# The platform flags pin one specific wheel so the download does not depend on the
# local Python; onnx.proto is identical in every wheel of a release.
PIP="pip3"
command -v "$PIP" >/dev/null 2>&1 || PIP="python3 -m pip"
log "downloading onnx==$ONNX_VERSION wheel from PyPI"
$PIP download -q --no-deps --only-binary=:all: \
  --platform manylinux_2_17_x86_64 --python-version 311 --implementation cp --abi cp311 \
  -d "$WORK/wheel" "onnx==$ONNX_VERSION"
WHEEL="$(ls "$WORK"/wheel/onnx-"$ONNX_VERSION"-*.whl)"
mkdir -p "$WORK/proto"
python3 - "$WHEEL" "$WORK/proto/onnx.proto" <<'EOF'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, open(sys.argv[2], "wb") as out:
    out.write(z.read("onnx/onnx.proto"))
EOF
ACTUAL_SHA256="$(sha256sum "$WORK/proto/onnx.proto" | cut -d' ' -f1)"
if [ "$ONNX_PROTO_SHA256" != "skip" ] && [ "$ACTUAL_SHA256" != "$ONNX_PROTO_SHA256" ]; then
  log "error: onnx.proto SHA-256 is $ACTUAL_SHA256, expected $ONNX_PROTO_SHA256" >&2
  exit 1
fi
log "onnx/onnx.proto from $(basename "$WHEEL"), sha256 $ACTUAL_SHA256"

# --- 4. generate ---------------------------------------------------------------
mkdir -p "$WORK/out"
( cd "$WORK/proto" && protoc \
    --plugin=protoc-gen-swift="$PLUGIN" \
    --swift_opt=Visibility=Public \
    --swift_out="$WORK/out" \
    onnx.proto )
mkdir -p "$OUT_DIR"
{
  echo "// Generated by scripts/generate-onnx-proto.sh — DO NOT EDIT; rerun the script instead."
  echo "// Schema: onnx/onnx.proto (proto2, package onnx) from the PyPI wheel onnx==$ONNX_VERSION"
  echo "//         $(basename "$WHEEL")"
  echo "//         sha256 $ACTUAL_SHA256"
  echo "// Tools:  $PROTOC_VERSION; $PLUGIN_VERSION (--swift_opt=Visibility=Public)"
  echo "// Runtime: needs SwiftProtobuf $SWIFT_PROTOBUF_VERSION (or a compatible 1.x)."
  echo
  cat "$WORK/out/onnx.pb.swift"
} > "$OUT_FILE.tmp"
mv "$OUT_FILE.tmp" "$OUT_FILE"
log "wrote $OUT_FILE ($(wc -l < "$OUT_FILE") lines, $(wc -c < "$OUT_FILE") bytes)"
