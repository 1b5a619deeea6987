#!/usr/bin/env bash
# Side-by-side speed of PyTorch, IBM aihwkit and CIMKit on this machine, in one run (issue 13).
# The same network (cnn16: conv 1→16 5×5, tanh, maxpool 2, conv 16→32 5×5, tanh, maxpool 2,
# flatten, fc 512→128, tanh, fc 128→10; no padding, biases everywhere), the same real MNIST
# images (datasets/mnist, pixels / 255), the same batch sizes and thread counts in every tool:
#   1. digital training, SGD lr 0.1, batch 64, 1 and 2 threads: PyTorch vs CIMKit
#   2. digital inference of the test images, batch 1000 and 64, 1 and 2 threads: PyTorch vs CIMKit
#   3. mixed-precision training on chip, batch 64, 1 and 2 threads: CIMKit on wu2023-soc vs aihwkit
#      DigitalRankUpdateRPUConfig + MixedPrecisionCompound (scripts/bench-compare/aihwkit_bench.py)
#   4. one Monte Carlo trial (program, then the test images at batch 100 with read and ADC
#      noise and DAC/ADC): CIMKit on wu2023-inference vs aihwkit InferenceRPUConfig +
#      PCMLikeNoiseModel (program_analog_weights, drift_analog_weights), 1 and 2 threads, and per
#      machine: 2 trials at once with 1 thread each (CIMKit as cim evaluate --jobs 2, aihwkit as
#      2 processes); and PyTorch's plain digital inference at batch 100
# plus sgemm 1024³ in each library, FLOPs per image of cnn16, and each workload's fraction of
# the best sgemm 1024³ measured at its thread count. Every figure: warm-up, then the median of
# several repetitions. Prints one table; the raw JSON lines go to runs/bench-compare/.
#
#   scripts/bench-compare.sh [--quick] [--setup-only]
#     --quick       fewer steps, images and repetitions (a smoke run of a few minutes)
#     --setup-only  build CIMBench and install the Python peers, then stop
#   CIMKIT_BENCH_VENV  the virtual environment (default ~/.cache/cimkit-bench-venv); created and
#                      filled from PyPI on first use: torch==2.10.0 (the PyPI wheel) and
#                      aihwkit==1.1.0 with --no-deps plus the modules its import needs
#   PYTHON             the interpreter that creates the venv (default python3)
#   THREADS            thread counts (default "1 2")
#   CIMBENCH_BIN       run this CIMBench binary instead of building one
#   WORKLOADS          "all" (default) or "digital": only sgemm and the digital training and
#                      inference (CIMKit and PyTorch; no on-chip training, no Monte Carlo, no
#                      aihwkit), about 5 min
# OPENBLAS_CORETYPE is left as the environment has it (and printed). Asserts nothing; not part of CI.
set -uo pipefail
cd "$(dirname "$0")/.."
QUICK=; SETUP_ONLY=
for a in "$@"; do
  case "$a" in
    --quick) QUICK=--quick ;;
    --setup-only) SETUP_ONLY=1 ;;
    -h|--help) awk 'NR > 1 && !/^#/ {exit} NR > 1' "$0"; exit 0 ;;
    *) echo "bench-compare: unknown option $a (see --help)" >&2; exit 2 ;;
  esac
done
THREADS=${THREADS:-"1 2"}
WORKLOADS=${WORKLOADS:-all}
case "$WORKLOADS" in
  all) ONLY= ;;
  digital) ONLY="--only digital" ;;
  *) echo "bench-compare: WORKLOADS must be all or digital, not '$WORKLOADS'" >&2; exit 2 ;;
esac
VENV=${CIMKIT_BENCH_VENV:-$HOME/.cache/cimkit-bench-venv}
OUT=runs/bench-compare
mkdir -p "$OUT"
RESULTS=$OUT/results-$(date +%Y%m%d-%H%M%S).jsonl
: >"$RESULTS"
note() { echo "bench-compare: $*" >&2; }

# --- CIMKit -----------------------------------------------------------------------------------
if [ -n "${CIMBENCH_BIN:-}" ]; then
  BIN=$CIMBENCH_BIN  # a CIMBench built elsewhere (e.g. before a change, to compare two builds)
  [ -x "$BIN" ] || { note "CIMBENCH_BIN=$BIN is not an executable"; exit 2; }
else
  note "building CIMBench (release)"
  swift build -c release --product CIMBench >"$OUT/build.log" 2>&1 || { note "swift build failed, see $OUT/build.log"; exit 1; }
  BIN=$(swift build -c release --show-bin-path)/CIMBench
fi

# --- Python peers (each may fail on its own; the rest goes on) ----------------------------------
HAVE_TORCH=; HAVE_AIHWKIT=
PY=$VENV/bin/python
if [ ! -x "$PY" ]; then
  note "creating $VENV"
  "${PYTHON:-python3}" -m venv "$VENV" || note "could not create the venv at $VENV"
fi
if [ -x "$PY" ]; then
  if ! "$PY" -c 'import torch, numpy; assert torch.__version__.split("+")[0] == "2.10.0"' 2>/dev/null; then
    note "installing torch==2.10.0 and numpy from PyPI into $VENV (large download the first time)"
    "$PY" -m pip install --quiet --no-input torch==2.10.0 numpy >"$OUT/pip-torch.log" 2>&1 || note "pip install torch failed, see $OUT/pip-torch.log"
  fi
  "$PY" -c 'import torch, numpy' 2>/dev/null && HAVE_TORCH=1
fi
[ -z "$HAVE_TORCH" ] && note "PyTorch 2.10.0 could not be installed (see $OUT/pip-torch.log): its columns stay empty"
if [ -n "$HAVE_TORCH" ]; then
  if ! "$PY" -c 'import aihwkit, aihwkit.simulator.rpu_base; assert aihwkit.__version__ == "1.1.0"' 2>/dev/null; then
    note "installing aihwkit==1.1.0 (--no-deps) and what its import needs from PyPI"
    { "$PY" -m pip install --no-input --no-deps aihwkit==1.1.0 &&
      "$PY" -m pip install --no-input scipy requests tqdm protobuf; } >"$OUT/pip-aihwkit.log" 2>&1 \
      || note "pip install aihwkit failed, see $OUT/pip-aihwkit.log"
  fi
  if "$PY" -c 'import aihwkit.simulator.rpu_base, aihwkit.nn.conversion' 2>"$OUT/aihwkit-import.log"; then HAVE_AIHWKIT=1
  else note "aihwkit 1.1.0 could not be installed or imported (see $OUT/aihwkit-import.log): its column stays empty"; fi
else
  note "aihwkit needs PyTorch: its column stays empty"
fi
yn() { [ -n "$1" ] && echo yes || echo no; }
[ -n "$SETUP_ONLY" ] && { note "setup done (torch: $(yn "$HAVE_TORCH"), aihwkit: $(yn "$HAVE_AIHWKIT"))"; exit 0; }

# --- the machine -------------------------------------------------------------------------------
{
  echo "{\"tool\": \"machine\", \"workload\": \"info\", \"cpu\": \"$(lscpu | sed -n 's/^Model name: *//p' | head -1)\", \"cores\": $(nproc),"
  echo " \"openblas_coretype_env\": \"${OPENBLAS_CORETYPE:-}\", \"threads\": \"$THREADS\", \"quick\": \"${QUICK:-no}\", \"workloads\": \"$WORKLOADS\","
  echo " \"loadavg_start\": \"$(cut -d' ' -f1-3 /proc/loadavg)\","
  echo " \"swift\": \"$(swift --version 2>/dev/null | sed -n 's/.*Swift version \([^ ]*\).*/\1/p' | head -1)\", \"peers_missing\": \"$([ -z "$HAVE_TORCH" ] && echo "torch ")$([ -z "$HAVE_AIHWKIT" ] && echo aihwkit)\"}"
} | tr -d '\n' >>"$RESULTS"; echo >>"$RESULTS"

# --- the runs: per thread count, CIMKit, PyTorch and aihwkit one after the other (so that a
#     change in the machine's load hits every tool alike); each Python run in its own process
#     so that every library's thread pool is sized before it starts -----------------------------
for t in $THREADS; do
  note "CIMKit, $t thread(s)"
  "$BIN" compare $QUICK $ONLY --threads "$t" >>"$RESULTS" || note "CIMBench compare failed"
  export OMP_NUM_THREADS=$t MKL_NUM_THREADS=$t OPENBLAS_NUM_THREADS=$t
  if [ -n "$HAVE_TORCH" ]; then
    note "PyTorch, $t thread(s)"
    "$PY" scripts/bench-compare/torch_bench.py --threads "$t" $QUICK >>"$RESULTS" || note "torch_bench.py failed"
  fi
  if [ -n "$HAVE_AIHWKIT" ] && [ -z "$ONLY" ]; then
    note "aihwkit, $t thread(s)"
    "$PY" scripts/bench-compare/aihwkit_bench.py --threads "$t" $QUICK >>"$RESULTS" || note "aihwkit_bench.py failed"
  fi
  if [ -n "$HAVE_AIHWKIT" ] && [ -z "$ONLY" ] && [ "$t" -gt 1 ]; then
    # per machine: t trials at once in t processes of one thread each (as cim evaluate --jobs t)
    note "aihwkit, $t Monte Carlo trials at once (one process of 1 thread each)"
    export OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
    pids=()
    for k in $(seq 1 "$t"); do
      "$PY" scripts/bench-compare/aihwkit_bench.py --threads 1 --concurrent "$t" $QUICK >"$OUT/concurrent-$k.jsonl" &
      pids+=($!)
    done
    for pid in "${pids[@]}"; do wait "$pid" || note "a concurrent aihwkit_bench.py failed"; done
    for k in $(seq 1 "$t"); do cat "$OUT/concurrent-$k.jsonl" >>"$RESULTS"; rm -f "$OUT/concurrent-$k.jsonl"; done
  fi
  unset OMP_NUM_THREADS MKL_NUM_THREADS OPENBLAS_NUM_THREADS
done

echo "{\"tool\": \"machine\", \"workload\": \"end\", \"loadavg_end\": \"$(cut -d' ' -f1-3 /proc/loadavg)\"}" >>"$RESULTS"

# --- the table (standard library only, so it also runs without the venv) -----------------------
TABLE_PY=python3; [ -x "$PY" ] && TABLE_PY=$PY
"$TABLE_PY" scripts/bench-compare/table.py "$RESULTS" | tee "${RESULTS%.jsonl}.txt"
note "raw figures: $RESULTS"
