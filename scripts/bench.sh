#!/usr/bin/env bash
# Throughput benchmark of CIMKit (digital and on-chip training, inference) on this machine. Prints figures; asserts nothing.
# Runs twice: with OPENBLAS_CORETYPE as the environment has it (if set), and with it unset,
# where CIMKit picks the core type from the CPU's features.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product CIMBench >/dev/null
if [ -n "${OPENBLAS_CORETYPE:-}" ]; then
  echo "== with OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE from the environment"
  .build/release/CIMBench
  .build/release/CIMBench evaluate
  echo
fi
echo "== with OPENBLAS_CORETYPE unset (CIMKit chooses from the CPU's features)"
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .build/release/CIMBench
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .build/release/CIMBench evaluate
