import Foundation

/// Small self-contained SVG charts of a robustness report (no scripts, no external styles).
public enum SVGPlot {
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]
    static let width = 720.0, height = 420.0, left = 70.0, right = 20.0, top = 40.0, bottom = 90.0

    static func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// A y axis in % from `lo` to `hi` (fractions), with gridlines, and a title.
    static func frame(title: String, yLabel: String, lo: Double, hi: Double, xLabel: String) -> (String, (Double) -> Double) {
        let plotH = height - top - bottom
        let y: (Double) -> Double = { top + plotH * (1 - ($0 - lo) / max(hi - lo, 1e-12)) }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        s += "<text x=\"\(width / 2)\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">\(esc(title))</text>\n"
        for k in 0...5 {
            let v = lo + (hi - lo) * Double(k) / 5, yy = y(v)
            s += "<line x1=\"\(left)\" y1=\"\(yy)\" x2=\"\(width - right)\" y2=\"\(yy)\" stroke=\"#ddd\"/>\n"
            s += "<text x=\"\(left - 6)\" y=\"\(yy + 4)\" text-anchor=\"end\">\(String(format: "%.2f", 100 * v))</text>\n"
        }
        s += "<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(height - bottom)\" stroke=\"black\"/>\n"
        s += "<line x1=\"\(left)\" y1=\"\(height - bottom)\" x2=\"\(width - right)\" y2=\"\(height - bottom)\" stroke=\"black\"/>\n"
        s += "<text transform=\"translate(18,\(top + plotH / 2)) rotate(-90)\" text-anchor=\"middle\">\(esc(yLabel))</text>\n"
        s += "<text x=\"\(left + (width - left - right) / 2)\" y=\"\(height - 12)\" text-anchor=\"middle\">\(esc(xLabel))</text>\n"
        return (s, y)
    }

    static func range(_ values: [Double]) -> (Double, Double) {
        let lo = values.min() ?? 0, hi = values.max() ?? 1
        let pad = max((hi - lo) * 0.1, 0.002)
        return (max(0, lo - pad), min(1, hi + pad))
    }

    /// Box plot of trial accuracies per point (min–max whiskers, quartile box, median line,
    /// mean dot, noiseless accuracy as a dashed line).
    public static func boxPlot(_ report: RobustnessReport, title: String) -> String {
        let pts = report.points
        var all = pts.flatMap { $0.trials.map(\.accuracy) }
        all += report.images.compactMap(\.noiselessAccuracy)
        let (lo, hi) = range(all)
        var (s, y) = frame(title: title, yLabel: "test accuracy (%)", lo: lo, hi: hi, xLabel: "image" + (report.config.sweep.map { " / \($0.parameter.rawValue)" } ?? ""))
        let slot = (width - left - right) / Double(max(pts.count, 1))
        for (k, p) in pts.enumerated() {
            let acc = p.trials.map(\.accuracy).sorted()
            guard !acc.isEmpty else { continue }
            let cx = left + slot * (Double(k) + 0.5), w = min(slot * 0.5, 60)
            let q1 = TrialStatistics.percentile(acc, 0.25), q3 = TrialStatistics.percentile(acc, 0.75)
            let color = palette[p.image % palette.count]
            s += "<line x1=\"\(cx)\" y1=\"\(y(acc.first!))\" x2=\"\(cx)\" y2=\"\(y(acc.last!))\" stroke=\"\(color)\"/>\n"
            s += "<rect x=\"\(cx - w / 2)\" y=\"\(y(q3))\" width=\"\(w)\" height=\"\(max(y(q1) - y(q3), 1))\" fill=\"\(color)\" fill-opacity=\"0.25\" stroke=\"\(color)\"/>\n"
            let median = TrialStatistics.percentile(acc, 0.5), mean = p.statistics?.mean ?? acc.reduce(0, +) / Double(acc.count)
            s += "<line x1=\"\(cx - w / 2)\" y1=\"\(y(median))\" x2=\"\(cx + w / 2)\" y2=\"\(y(median))\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
            s += "<circle cx=\"\(cx)\" cy=\"\(y(mean))\" r=\"3\" fill=\"\(color)\"/>\n"
            if let noiseless = report.images[p.image].noiselessAccuracy {
                let n = y(noiseless)
                s += "<line x1=\"\(cx - w / 2 - 6)\" y1=\"\(n)\" x2=\"\(cx + w / 2 + 6)\" y2=\"\(n)\" stroke=\"black\" stroke-dasharray=\"4 3\"/>\n"
            }
            let name = (report.images[p.image].path as NSString).lastPathComponent + (p.value.map { " @ \($0)" } ?? "")
            s += "<text transform=\"translate(\(cx),\(height - bottom + 14)) rotate(20)\" font-size=\"10\">\(esc(name))</text>\n"
        }
        s += "<text x=\"\(width - right)\" y=\"\(top - 6)\" text-anchor=\"end\" font-size=\"10\">box: quartiles · whiskers: min–max · dot: mean · dashed: noiseless</text>\n"
        return s + "</svg>\n"
    }

    /// Mean accuracy versus the swept parameter, one line per image, with the 95 % confidence
    /// band of the mean.
    public static func sweepPlot(_ report: RobustnessReport, title: String) -> String {
        guard let sweep = report.config.sweep else { return boxPlot(report, title: title) }
        let xs = sweep.values
        let stats = report.points.compactMap(\.statistics)
        let (lo, hi) = range(stats.flatMap { [$0.ci95Low, $0.ci95High, $0.mean] })
        var (s, y) = frame(title: title, yLabel: "mean test accuracy (%)", lo: lo, hi: hi, xLabel: sweep.parameter.rawValue)
        let plotW = width - left - right
        let x: (Int) -> Double = { left + plotW * (Double($0) + 0.5) / Double(xs.count) }
        for (k, v) in xs.enumerated() {
            s += "<text x=\"\(x(k))\" y=\"\(height - bottom + 16)\" text-anchor=\"middle\">\(esc(v))</text>\n"
        }
        for (i, img) in report.images.enumerated() {
            let color = palette[i % palette.count]
            let pts = xs.indices.compactMap { k in report.points.first { $0.image == i && $0.value == xs[k] }?.statistics.map { (k, $0) } }
            let upper = pts.map { "\(x($0.0)),\(y($0.1.ci95High))" }, lower = pts.reversed().map { "\(x($0.0)),\(y($0.1.ci95Low))" }
            s += "<polygon points=\"\((upper + lower).joined(separator: " "))\" fill=\"\(color)\" fill-opacity=\"0.2\" stroke=\"none\"/>\n"
            s += "<polyline points=\"\(pts.map { "\(x($0.0)),\(y($0.1.mean))" }.joined(separator: " "))\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
            for p in pts { s += "<circle cx=\"\(x(p.0))\" cy=\"\(y(p.1.mean))\" r=\"3\" fill=\"\(color)\"/>\n" }
            s += "<text x=\"\(left + 10)\" y=\"\(top + 16 + 16 * Double(i))\" fill=\"\(color)\">\(esc((img.path as NSString).lastPathComponent))</text>\n"
        }
        return s + "</svg>\n"
    }
}
