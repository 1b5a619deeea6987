#!/usr/bin/env python3
"""Process-fault test of CIMKit's outputs: SIGKILL at random moments of `cim train`, `export`,
`evaluate` and `merge`, then check what a kill may leave behind and that the next command
recovers.

For each command, a reference run is made first and timed (T). Each of --kills runs starts the
same command in a fresh directory, sleeps a uniform random time in [0, 1.05 T] (seeded), sends
SIGKILL to it, and checks:
  - every final file present is complete (training.json and reports parse as JSON, model and
    checkpoint files hash or resume, chip images pass `cim verify`, plots end with </svg>);
  - the set is consistent (training.json only next to a model; robustness.json only next to
    its box plot; a chip image's mapping.json only next to the image);
  - the next command (train --resume / the same command again, export --overwrite when an
    image is left) exits 0, its result equals the reference (bit-identical model weights and
    evaluation trials), and no temporary file (.NAME.tmp-…) is left in the directory.
Prints one line per command with the counts, and exits 1 if any check failed.

Usage: scripts/fault-inject.py [--kills 50] [--seed 1] [--cim .build/release/cim] [--work DIR]
Needs only python3 and a built `cim` (swift build -c release --product cim).
"""
import argparse
import glob
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ARGS = None
FAILURES = []


def run(cmd, check=True):
    """Runs cmd to completion; returns (exit code, stderr)."""
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if check and p.returncode != 0:
        sys.exit(f"fault-inject: reference command failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr}")
    return p.returncode, p.stderr.strip()


def killed_run(cmd, delay):
    """Starts cmd, SIGKILLs it after `delay` seconds (if still running); returns whether it was killed."""
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        p.wait(timeout=delay)
        return False
    except subprocess.TimeoutExpired:
        p.send_signal(signal.SIGKILL)
        p.wait()
        return True


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def temporaries(d):
    return [os.path.basename(p) for p in glob.glob(os.path.join(d, ".*.tmp-*"))]


def fail(kind, i, what):
    FAILURES.append(f"{kind} #{i}: {what}")


def json_ok(path):
    try:
        with open(path) as f:
            json.load(f)
        return True
    except (OSError, ValueError):
        return False


def svg_ok(path):
    with open(path, "rb") as f:
        return f.read().rstrip().endswith(b"</svg>")


def timed(cmd):
    t = time.monotonic()
    run(cmd)
    return time.monotonic() - t


def trials_of(report):
    with open(report) as f:
        r = json.load(f)
    return [[t["accuracy"] for t in p["trials"]] for p in r["points"]]


def campaign(kind, make_cmd, reference_seconds, check_after_kill, recover, rng):
    counts = {"killed": 0, "finished": 0}
    states = {}
    for i in range(ARGS.kills):
        d = os.path.join(ARGS.work, f"{kind}-{i}")
        os.makedirs(d)
        delay = rng.uniform(0, 1.05 * reference_seconds)
        counts["killed" if killed_run(make_cmd(d), delay) else "finished"] += 1
        files = sorted(f for f in os.listdir(d) if ".tmp-" not in f)
        state = "+".join(files) or "nothing"
        states[state + (" (+temp)" if temporaries(d) else "")] = states.get(state + (" (+temp)" if temporaries(d) else ""), 0) + 1
        check_after_kill(d, i)
        recover(d, i)
        left = temporaries(d)
        if left:
            fail(kind, i, f"temporary files left after the next command: {left}")
        shutil.rmtree(d)
    print(f"{kind}: {ARGS.kills} runs, {counts['killed']} killed at a random moment (0–{1.05 * reference_seconds:.2f} s), "
          f"{counts['finished']} finished first; failures so far: {len(FAILURES)}", flush=True)
    for state, n in sorted(states.items(), key=lambda kv: -kv[1]):
        print(f"    {n:4d} × left {state}", flush=True)


def main():
    global ARGS
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kills", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cim", default=".build/release/cim")
    ap.add_argument("--work", default=None)
    ap.add_argument("--only", default="train,export,evaluate,merge,disk")
    ARGS = ap.parse_args()
    cim = os.path.abspath(ARGS.cim)
    ARGS.work = ARGS.work or tempfile.mkdtemp(prefix="cim-fault-")
    os.makedirs(ARGS.work, exist_ok=True)
    rng = random.Random(ARGS.seed)
    only = set(ARGS.only.split(","))

    # --- train: 3 short epochs on a subset; the reference weights are the oracle
    train = [cim, "train", "--epochs", "3", "--batches-per-epoch", "40", "--train-limit", "5000",
             "--test-limit", "1000", "--quiet"]
    ref = os.path.join(ARGS.work, "ref")
    t_train = timed(train + ["--out", ref])
    ref_model = sha(os.path.join(ref, "model.safetensors"))

    def train_after_kill(d, i):
        if os.path.exists(os.path.join(d, "training.json")):
            if not json_ok(os.path.join(d, "training.json")):
                fail("train", i, "training.json is damaged")
            m = os.path.join(d, "model.safetensors")
            if not os.path.exists(m) or sha(m) != ref_model:
                fail("train", i, "training.json without the finished run's model.safetensors")
            if temporaries(d):
                fail("train", i, f"temporary files next to a finished run: {temporaries(d)}")

    def train_recover(d, i):
        if os.path.exists(os.path.join(d, "training.json")):
            return
        if os.path.exists(os.path.join(d, "checkpoint.safetensors")):
            code, err = run([cim, "train", "--resume", d, "--quiet"], check=False)
        else:
            code, err = run(train + ["--out", d], check=False)
        if code != 0:
            fail("train", i, f"the next command failed: {err}")
        elif sha(os.path.join(d, "model.safetensors")) != ref_model:
            fail("train", i, "the recovered run's weights differ from the uninterrupted run's")

    if "train" in only:
        campaign("train", lambda d: train + ["--out", d], t_train, train_after_kill, train_recover, rng)

    # --- export of the reference model
    export = [cim, "export", os.path.join(ref, "model.safetensors"), "--chip", "wu2023-inference", "--calibration", "200"]
    image = os.path.join(ARGS.work, "ref.h5")
    t_export = timed(export + ["--out", image])

    def export_after_kill(d, i):
        img, report = os.path.join(d, "x.h5"), os.path.join(d, "x.mapping.json")
        if os.path.exists(img):
            code, err = run([cim, "verify", img], check=False)
            if code != 0:
                fail("export", i, f"a damaged image was left: {err}")
        if os.path.exists(report) and not json_ok(report):
            fail("export", i, "a damaged mapping.json was left")
        if os.path.exists(report) and not os.path.exists(img):
            fail("export", i, "mapping.json without its image")

    def export_recover(d, i):
        img = os.path.join(d, "x.h5")
        again = export + ["--out", img] + (["--overwrite"] if os.path.exists(img) else [])
        code, err = run(again, check=False)
        if code != 0:
            fail("export", i, f"the next command failed: {err}")
            return
        code, err = run([cim, "verify", img], check=False)
        if code != 0 or not json_ok(os.path.join(d, "x.mapping.json")):
            fail("export", i, f"the re-exported image does not verify: {err}")

    if "export" in only:
        campaign("export", lambda d: export + ["--out", os.path.join(d, "x.h5")], t_export, export_after_kill, export_recover, rng)

    # --- evaluate the reference image; trials must match the reference report
    evaluate = [cim, "evaluate", image, "--trials", "4", "--test-limit", "1000", "--jobs", "2", "--quiet"]
    ref_eval = os.path.join(ARGS.work, "ref-eval")
    t_eval = timed(evaluate + ["--out", ref_eval])
    ref_trials = trials_of(os.path.join(ref_eval, "robustness.json"))

    def report_after_kill(kind):
        def check(d, i):
            r = os.path.join(d, "robustness.json")
            if os.path.exists(r):
                if not json_ok(r):
                    fail(kind, i, "a damaged robustness.json was left")
                box = os.path.join(d, "boxplot.svg")
                if not os.path.exists(box) or not svg_ok(box):
                    fail(kind, i, "robustness.json without its complete boxplot.svg")
        return check

    def report_recover(kind, cmd):
        def recover(d, i):
            code, err = run(cmd(d), check=False)
            if code != 0:
                fail(kind, i, f"the next command failed: {err}")
            elif trials_of(os.path.join(d, "robustness.json")) != ref_trials:
                fail(kind, i, "the report's trials differ from the reference run's")
            elif not svg_ok(os.path.join(d, "boxplot.svg")):
                fail(kind, i, "boxplot.svg is incomplete")
        return recover

    if "evaluate" in only:
        cmd = lambda d: evaluate + ["--out", d]
        campaign("evaluate", cmd, t_eval, report_after_kill("evaluate"), report_recover("evaluate", cmd), rng)

    # --- merge two shard reports of the same audit
    shards = os.path.join(ARGS.work, "shards")
    for k in (1, 2):
        run(evaluate + ["--out", shards, "--shard", f"{k}/2"])
    merge = [cim, "merge", os.path.join(shards, "robustness.shard-1-of-2.json"), os.path.join(shards, "robustness.shard-2-of-2.json")]
    t_merge = timed(merge + ["--out", os.path.join(ARGS.work, "ref-merge")])
    if trials_of(os.path.join(ARGS.work, "ref-merge", "robustness.json")) != ref_trials:
        FAILURES.append("merge: the merged shards differ from the single run")

    if "merge" in only:
        cmd = lambda d: merge + ["--out", d]
        campaign("merge", cmd, t_merge, report_after_kill("merge"), report_recover("merge", cmd), rng)

    # --- a full disk and a read-only directory (needs root and mount; skipped otherwise)
    if "disk" in only:
        disk_checks(cim, ref, image, evaluate)

    print(f"reference times: train {t_train:.2f} s, export {t_export:.2f} s, evaluate {t_eval:.2f} s, merge {t_merge:.2f} s; work dir {ARGS.work}")
    for f in FAILURES:
        print("FAIL " + f)
    print(f"{len(FAILURES)} failures")
    if not FAILURES:
        shutil.rmtree(ARGS.work, ignore_errors=True)
    sys.exit(1 if FAILURES else 0)


def disk_checks(cim, ref, image, evaluate):
    """A 1 MiB tmpfs (full after the first file) and a read-only tmpfs: each command gives one
    error line, exit 1, and leaves no partial or temporary file."""
    mounts = {"full": ["-o", "size=1m"], "read-only": ["-o", "ro"]}
    cases = {
        "train": lambda d: [cim, "train", "--epochs", "1", "--batches-per-epoch", "5", "--train-limit", "500",
                            "--test-limit", "100", "--quiet", "--out", os.path.join(d, "run")],
        "export": lambda d: [cim, "export", os.path.join(ref, "model.safetensors"), "--calibration", "20",
                             "--monte-carlo", "1", "--out", os.path.join(d, "x.h5")],
        "evaluate": lambda d: evaluate + ["--out", os.path.join(d, "ev")],
    }
    done = 0
    for name, options in mounts.items():
        d = os.path.join(ARGS.work, "mnt-" + name)
        os.makedirs(d)
        if subprocess.run(["mount", "-t", "tmpfs"] + options + ["tmpfs", d], capture_output=True).returncode != 0:
            print(f"disk: cannot mount a tmpfs ({name}); skipped (needs root)")
            return
        try:
            if name == "full":  # fill it so that the first write fails
                with open(os.path.join(d, "filler"), "wb") as f:
                    try:
                        f.write(b"\0" * (2 << 20))
                    except OSError:
                        pass
            for kind, cmd in cases.items():
                code, err = run(cmd(d), check=False)
                lines = [l for l in err.split("\n") if l]
                left = [os.path.relpath(os.path.join(r, f), d) for r, _, fs in os.walk(d) for f in fs if f != "filler"]
                if code != 1 or len(lines) != 1 or not lines[0].startswith("error: "):
                    fail("disk", done, f"{kind} on a {name} directory: exit {code}, stderr {err!r}")
                elif left:
                    fail("disk", done, f"{kind} on a {name} directory left {left}")
                else:
                    print(f"disk: {kind} on a {name} directory: {lines[0]}")
                done += 1
        finally:
            subprocess.run(["umount", d])


if __name__ == "__main__":
    main()
