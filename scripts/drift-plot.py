#!/usr/bin/env python3
"""Plots mean accuracy versus time since programming for several `cim evaluate --sweep time=…`
reports in one SVG (standard library only): one line per image and report, with its 95 %
confidence band, x on a log scale. Used by the README's drift figure:

    scripts/drift-plot.py OUT.svg DIR/evaluate-none/robustness.json DIR/evaluate-global/robustness.json
"""
import json, math, os, sys

def main(out, paths):
    series = []
    for p in paths:
        r = json.load(open(p))
        sweep = r["config"].get("sweep") or {}
        if sweep.get("parameter") != "time":
            sys.exit(f"error: {p}: not a --sweep time=… report")
        mode = r["config"].get("driftCompensation", "none")
        times = [max(float(v), 1.0) for v in sweep["values"]]
        for i, img in enumerate(r["images"]):
            pts = [pt for pt in r["points"] if pt["image"] == i]
            stats = [pt["statistics"] for pt in pts]
            if any(s is None for s in stats):
                sys.exit(f"error: {p}: a shard report has no statistics (merge the shards first)")
            name = os.path.basename(img["path"]).rsplit(".", 1)[0]
            series.append((name, f"{name}, compensation {mode}", times, stats, mode != "none"))
    W, H, L, R, T, B = 760, 440, 70, 250, 40, 50
    lo = min(100 * s["ci95Low"] for _, _, _, st, _ in series for s in st)
    hi = max(100 * s["ci95High"] for _, _, _, st, _ in series for s in st)
    lo, hi = math.floor(lo), math.ceil(hi)
    tmin = min(t for _, _, ts, _, _ in series for t in ts); tmax = max(t for _, _, ts, _, _ in series for t in ts)
    x = lambda t: L + (W - L - R) * (math.log10(t) - math.log10(tmin)) / max(math.log10(tmax) - math.log10(tmin), 1e-9)
    y = lambda a: T + (H - T - B) * (hi - a) / max(hi - lo, 1e-9)
    colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]
    s = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
         '<rect width="100%" height="100%" fill="white"/>',
         f'<text x="{(W - R + L) / 2}" y="22" text-anchor="middle" font-size="15">Mean test accuracy after programming (95 % CI)</text>']
    for k in range(6):
        a = lo + (hi - lo) * k / 5
        s.append(f'<line x1="{L}" y1="{y(a):.1f}" x2="{W - R}" y2="{y(a):.1f}" stroke="#ddd"/>')
        s.append(f'<text x="{L - 6}" y="{y(a) + 4:.1f}" text-anchor="end">{a:.1f}</text>')
    labels = {1: "1 s", 3600: "1 h", 86400: "1 day", 31536000: "1 year"}
    for t in sorted({t for _, _, ts, _, _ in series for t in ts}):
        s.append(f'<text x="{x(t):.1f}" y="{H - B + 18}" text-anchor="middle">{labels.get(int(t), f"{t:g} s")}</text>')
    s.append(f'<text x="{(W - R + L) / 2}" y="{H - 10}" text-anchor="middle">time since programming (log scale)</text>')
    s.append(f'<text x="16" y="{(H - B + T) / 2}" text-anchor="middle" transform="rotate(-90 16 {(H - B + T) / 2})">accuracy (%)</text>')
    names = sorted({sr[0] for sr in series})
    for n, (name, label, ts, st, dashed) in enumerate(series):
        c = colors[names.index(name) % len(colors)]
        band = [(x(t), y(100 * q["ci95High"])) for t, q in zip(ts, st)] + [(x(t), y(100 * q["ci95Low"])) for t, q in reversed(list(zip(ts, st)))]
        s.append('<polygon points="' + " ".join(f"{a:.1f},{b:.1f}" for a, b in band) + f'" fill="{c}" opacity="0.12"/>')
        dash = ' stroke-dasharray="6,4"' if not dashed else ""
        s.append('<polyline points="' + " ".join(f"{x(t):.1f},{y(100 * q['mean']):.1f}" for t, q in zip(ts, st))
                 + f'" fill="none" stroke="{c}" stroke-width="2"{dash}/>')
        ly = T + 20 * n + 10
        s.append(f'<line x1="{W - R + 15}" y1="{ly}" x2="{W - R + 40}" y2="{ly}" stroke="{c}" stroke-width="2"{dash}/>')
        s.append(f'<text x="{W - R + 46}" y="{ly + 4}">{label}</text>')
    s.append("</svg>")
    open(out, "w").write("\n".join(s) + "\n")
    print(f"wrote {out}")

if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2:])
