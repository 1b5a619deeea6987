#!/usr/bin/env bash
# The CIMKit test command: installs missing system packages, runs the Slurm job-array example
# on a real single-node Slurm cluster started for the purpose and a short fuzzing pass, then the
# whole test suite in release mode (the end-to-end tests train small networks; release keeps them fast).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# The Slurm path on a real single-node Slurm (about 20 s; needs root, as CI has). It runs
# first so that the test runner's summary stays the last line.
if [ "$(id -u)" -eq 0 ]; then
  scripts/slurm/test-local-cluster.sh
else
  echo "test: note: skipped scripts/slurm/test-local-cluster.sh (needs root to install and run slurm-wlm and munge)"
fi
# A short, seeded libFuzzer + AddressSanitizer pass over the file readers, before the suite so that
# the test runner's summary stays the last line (about 3 minutes with
# its build); scripts/fuzz.sh without --ci runs a long campaign.
scripts/fuzz.sh --ci
swift test -c release "$@"
