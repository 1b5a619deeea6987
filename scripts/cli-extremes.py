#!/usr/bin/env python3
"""CLI extremes: every numeric flag of `cim train`, `export`, `evaluate` and `convert` with
absurd values (negative, zero, huge, 2^63, NaN, inf, text, empty), plus environment extremes
(Slurm task ids), on small fast runs.

Each run must either finish (exit 0) or be refused with exactly one `error:` line on stderr and
exit code 1 or 64, within --timeout seconds, leaving no output files when refused. A signal
(crash, trap), a hang, more than one stderr line or a half-written output is a failure.
A run still going at the timeout that had been accepted (its progress shows real work) is
counted separately: a legal but long request (e.g. --trials 10^6) is not a hang.

Usage: scripts/cli-extremes.py [--cim .build/release/cim] [--timeout 60]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

VALUES = ["-1", "0", "-0", "1e308", "-1e308", "1e-320", "nan", "inf", "-inf", "9223372036854775807",
          "-9223372036854775808", "4611686018427387904", "18446744073709551616", "0x10", "1,5", "", "abc",
          "99999999999999999999999999999999"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cim", default=".build/release/cim")
    ap.add_argument("--timeout", type=float, default=60)
    a = ap.parse_args()
    cim = os.path.abspath(a.cim)
    work = tempfile.mkdtemp(prefix="cim-cli-")
    run = os.path.join(work, "run")
    subprocess.run([cim, "train", "--out", run, "--epochs", "1", "--batches-per-epoch", "3", "--train-limit", "500",
                    "--test-limit", "100", "--quiet"], check=True, stdout=subprocess.DEVNULL)
    image = os.path.join(work, "x.h5")
    subprocess.run([cim, "export", run + "/model.safetensors", "--out", image, "--calibration", "20", "--monte-carlo", "1"],
                   check=True, stdout=subprocess.DEVNULL)
    model = run + "/model.safetensors"
    cases = []
    train = ["train", "--epochs", "1", "--batches-per-epoch", "2", "--train-limit", "200", "--test-limit", "50", "--quiet"]
    for flag in ["--lr", "--momentum", "--weight-decay", "--batch-size", "--batches-per-epoch", "--epochs", "--seed",
                 "--train-limit", "--test-limit", "--threshold", "--weight-range", "--threads"]:
        cases += [("train", train + [flag, v], None) for v in VALUES]
    cases += [("train-mp", train + ["--rule", "mixed-precision", "--threshold", v], None) for v in VALUES]
    export = ["export", model, "--calibration", "20", "--monte-carlo", "1"]
    for flag in ["--calibration", "--monte-carlo", "--max-programming-error", "--max-adc-clipping", "--seed"]:
        cases += [("export", export + [flag, v], "x.h5") for v in VALUES]
    evaluate = ["evaluate", image, "--trials", "2", "--test-limit", "50", "--quiet", "--jobs", "1"]
    for flag in ["--trials", "--seed", "--prog-sigma", "--read-sigma", "--stuck-rate", "--time", "--jobs", "--test-limit"]:
        cases += [("evaluate", evaluate + [flag, v], "robustness.json") for v in VALUES]
    cases += [("evaluate", evaluate + ["--sweep", "time=" + v], "robustness.json") for v in VALUES]
    cases += [("evaluate", evaluate + ["--shard", v + "/2"], "robustness.json") for v in VALUES]
    cases += [("evaluate", evaluate + ["--shard", "1/" + v], "robustness.json") for v in VALUES]
    cases += [("evaluate-slurm", evaluate, "robustness.json", {"SLURM_ARRAY_TASK_ID": v, "SLURM_ARRAY_TASK_COUNT": "2"})
              for v in VALUES]
    convert = ["convert", image, "--to", "wu2023-soc", "--calibration", "20", "--monte-carlo", "1"]
    for flag in ["--calibration", "--monte-carlo", "--seed"]:
        cases += [("convert", convert + [flag, v], "y.h5") for v in VALUES]

    counts = {}
    failures = []
    for i, case in enumerate(cases):
        kind, args, output = case[0], case[1], case[2]
        env = dict(os.environ, **(case[3] if len(case) > 3 else {}))
        out = os.path.join(work, f"o{i}")
        if kind.startswith("train"):
            args = args + ["--out", out]
        elif kind in ("export", "convert"):
            args = args + ["--out", os.path.join(out, output)]
        else:
            args = args + ["--out", out]
        try:
            p = subprocess.run([cim] + args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               timeout=a.timeout, env=env)
        except subprocess.TimeoutExpired:
            if args[-4] in ("--calibration", "--train-limit", "--test-limit"):
                outcome = "accepted, long (a huge limit means all images)"
            else:
                outcome = "still running at the timeout"
                failures.append(f"{' '.join(args)}: still running after {a.timeout} s")
        else:
            lines = [l for l in p.stderr.split("\n") if l]
            if p.returncode < 0 or p.returncode >= 128:
                outcome = "crashed"
                failures.append(f"{' '.join(args)}: exit {p.returncode}: {p.stderr[-300:]}")
            elif p.returncode == 0:
                outcome = "accepted, finished"
            elif len(lines) == 1 and lines[0].startswith("error: "):
                outcome = "refused with one error line"
                if output and os.path.exists(os.path.join(out, output)):
                    failures.append(f"{' '.join(args)}: refused but wrote {output}")
            else:
                outcome = "refused, but not with one error line"
                failures.append(f"{' '.join(args)}: exit {p.returncode}, stderr {p.stderr[:300]!r}")
        counts[(kind, outcome)] = counts.get((kind, outcome), 0) + 1
        shutil.rmtree(out, ignore_errors=True)
    for (kind, outcome), n in sorted(counts.items()):
        print(f"{kind:15s} {outcome:40s} {n:4d}")
    for f in failures:
        print("FAIL " + f)
    print(f"{len(cases)} runs, {len(failures)} failures")
    shutil.rmtree(work, ignore_errors=True)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
