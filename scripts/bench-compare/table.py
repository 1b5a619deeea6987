"""Prints the table of scripts/bench-compare.sh from its JSON lines (standard library only).

    python3 table.py runs/bench-compare/results-….jsonl

Rows: the workloads (see bench-compare.sh); columns: images/s of PyTorch, aihwkit and CIMKit
(medians of the repetitions), CIMKit's ratio to each, and the fraction of the sgemm peak that
CIMKit and PyTorch reach: images/s × FLOPs per image (cnn16's conv and fc layers, forward or
training, as printed) / the best sgemm 1024³ measured in this run at the same thread count.
"""
import json
import sys

records = []
with open(sys.argv[1]) as f:
    for line in f:
        line = line.strip()
        if line.startswith("{"):
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                pass


def get(tool, workload, batch=None, threads=None):
    for r in records:
        if r.get("tool") == tool and r.get("workload") == workload and \
                (batch is None or r.get("batch") == batch) and (threads is None or r.get("threads") == threads):
            return r
    return None


def rate(tool, workload, batch, threads):
    r = get(tool, workload, batch, threads)
    return r.get("images_per_s") if r else None


machine = get("machine", "info") or {}
cim = get("cimkit", "info") or {}
pt = get("pytorch", "info") or {}
ai = get("aihwkit", "info") or {}
print(f"CPU: {machine.get('cpu', '?')}, {machine.get('cores', '?')} cores; threads measured: {machine.get('threads', '?')}"
      + ("; QUICK run" if machine.get("quick") == "--quick" else ""))
end = get("machine", "end") or {}
print(f"Load average (1, 5, 15 min) at the start: {machine.get('loadavg_start', '?')}, at the end: {end.get('loadavg_end', '?')} "
      f"(anything else running makes the figures noisy, multi-threaded ones most)")
print(f"OPENBLAS_CORETYPE in the environment: {machine.get('openblas_coretype_env') or '(unset)'}; "
      f"CIMKit's OpenBLAS kernel {cim.get('blas_kernel', '?')} (core type {cim.get('openblas_coretype') or '(none)'}, "
      f"chosen by {cim.get('coretype_source', '?')}), {cim.get('blas', '?')}")
print(f"Versions: CIMKit {cim.get('version', '–')} (Swift {machine.get('swift', '?')}), PyTorch {pt.get('version', '–')}"
      + (f" ({pt['config'].lstrip('- ')})" if pt.get("config") else "") + f", numpy {pt.get('numpy', '–')}, aihwkit {ai.get('version', '–')}")
if machine.get("peers_missing", "").strip():
    print(f"NOT INSTALLED (columns empty): {machine['peers_missing'].strip()}")

flops = get("cimkit", "flops") or {}
ptf = get("pytorch-flops", "info") or {}
fwd, train = flops.get("forward") or ptf.get("forward"), flops.get("train") or ptf.get("train")
print(f"cnn16 FLOPs per image (2 per multiply-add, conv + fc): forward {fwd:,}, training {train:,} "
      f"(forward + weight gradient + input gradient except the first layer)" if fwd else "cnn16 FLOPs: unknown")
if ptf and flops and (ptf.get("forward"), ptf.get("train")) != (flops.get("forward"), flops.get("train")):
    print(f"WARNING: PyTorch's cnn16 counts {ptf.get('forward')}/{ptf.get('train')} FLOPs: the networks differ")

threads = sorted({r["threads"] for r in records if r.get("workload") == "sgemm-1024"})
peak = {}
print("\nsgemm 1024³, GFLOP/s (median):")
for t in threads:
    figures = {tool: (get(tool, "sgemm-1024", 0, t) or {}).get("gflops") for tool in ("cimkit", "pytorch", "numpy")}
    peak[t] = max([v for v in figures.values() if v] or [0]) or None
    print(f"  {t} thread(s): " + ", ".join(f"{name} {figures[k]:.1f}" if figures[k] else f"{name} –"
                                        for k, name in (("cimkit", "CIMKit/OpenBLAS"), ("pytorch", "torch.matmul"), ("numpy", "numpy @")))
          + (f"; peak = {peak[t]:.1f}" if peak[t] else ""))


def fmt(v, digits=0):
    return f"{v:,.{digits}f}" if v else "–"


def ratio(a, b):
    return f"{a / b:.2f}×" if a and b else "–"


def frac(v, per_image, t):
    return f"{100 * v * per_image / (peak[t] * 1e9):.1f} %" if v and per_image and peak.get(t) else "–"


rows = []
for t in threads:
    rows.append(("digital training", 64, t, rate("pytorch", "train-digital", 64, t), None, rate("cimkit", "train-digital", 64, t), train))
for batch in (1000, 64):
    for t in threads:
        rows.append(("digital inference", batch, t, rate("pytorch", "infer-digital", batch, t), None,
                     rate("cimkit", "infer-digital", batch, t), fwd))
for t in threads:
    rows.append(("mixed-precision training on chip", 64, t, None, rate("aihwkit", "train-mixed-precision", 64, t),
                 rate("cimkit", "train-mixed-precision", 64, t), train))
for t in threads:
    rows.append(("one Monte Carlo trial (PyTorch: plain digital)", 100, t, rate("pytorch", "infer-digital", 100, t),
                 rate("aihwkit", "mc-trial", 100, t), rate("cimkit", "mc-trial", 100, t), fwd))
for t in threads:
    if t > 1:
        concurrent = [r["images_per_s"] for r in records
                      if r.get("tool") == "aihwkit" and r.get("workload") == "mc-trial-concurrent" and r.get("concurrent") == t]
        rows.append((f"Monte Carlo per machine: {t} trials at once, 1 thread each (PyTorch: plain digital, {t} threads)", 100, t,
                     rate("pytorch", "infer-digital", 100, t), sum(concurrent) if len(concurrent) == t else None,
                     rate("cimkit", "mc-trials-per-machine", 100, t), fwd))

print("\n| workload | batch | threads | PyTorch img/s | aihwkit img/s | CIMKit img/s | CIMKit/PyTorch | CIMKit/aihwkit "
      "| CIMKit % of sgemm peak | PyTorch % of sgemm peak |")
print("|---|---|---|---|---|---|---|---|---|---|")
for name, batch, t, p, a, c, per_image in rows:
    if machine.get("workloads") == "digital" and not c:
        continue  # WORKLOADS=digital: no CIMKit figure measured for this row
    print(f"| {name} | {batch} | {t} | {fmt(p)} | {fmt(a)} | {fmt(c)} | {ratio(c, p)} | {ratio(c, a)} "
          f"| {frac(c, per_image, t)} | {frac(p, per_image, t)} |")
scaling = []
for tool, name in (("cimkit", "CIMKit"), ("pytorch", "PyTorch")):
    for workload, batch in (("train-digital", 64), ("infer-digital", 1000), ("infer-digital", 64)):
        one, two = rate(tool, workload, batch, 1), rate(tool, workload, batch, 2)
        if one and two:
            scaling.append(f"{name} {workload} b{batch} {two / one:.2f}×")
if scaling:
    print("\nScaling from 1 to 2 threads: " + ", ".join(scaling))
noisy = sorted({f"{r['tool']} {r['workload']} b{r['batch']} t{r['threads']} ({min(r['reps']):,.0f}–{max(r['reps']):,.0f})"
                for r in records if len(r.get("reps") or []) > 1 and min(r["reps"]) > 0 and max(r["reps"]) / min(r["reps"]) > 1.25})
if noisy:
    print("\nNOISY (repetitions spread by more than 25 %: the machine was busy, the figures are not reliable):")
    for line in noisy:
        print("  " + line)
print("\nimg/s: median over the repetitions (each after a warm-up); Monte Carlo rows include programming "
      "(and aihwkit's drift) in every trial's time; aihwkit's per-machine figure is the sum of its processes' "
      "images/s; fractions of peak count only the conv and fc FLOPs.")
