import CIMDevice
import Foundation

/// The plot of `cim device fit --plot`: σ_prog against G (the fitted polynomial, its 95 %
/// bootstrap band, and the σ_prog measured in each goodness-of-fit bin) and, with drift, each
/// device's ν̂ against G with the fitted mean ν. Self-contained SVG.
enum DeviceFitPlot {
    static let panelW = 460.0, height = 400.0, left = 64.0, right = 16.0, top = 44.0, bottom = 56.0

    static func esc(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    static func svg(_ r: DeviceFitResult, title: String) -> String {
        let panels = r.hasDrift ? 2 : 1
        let width = panelW * Double(panels)
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        s += "<text x=\"\(width / 2)\" y=\"20\" text-anchor=\"middle\" font-size=\"14\">\(esc(title))</text>\n"
        // σ_prog panel
        let curve = r.sigmaCurve
        let measured = r.goodness.programming.compactMap { b in b.measuredSigmaMicroSiemens.map { ((b.lowMicroSiemens + b.highMicroSiemens) / 2, $0) } }
        let sHi = max((curve.map { $0[3] } + measured.map(\.1)).max() ?? 1, 1e-9) * 1.1
        let p1 = Panel(x0: 0, xLo: 0, xHi: r.gMaxMicroSiemens, yLo: 0, yHi: sHi)
        s += p1.axes(xLabel: "target G (µS)", yLabel: "σ_prog (µS)", title: "programming σ: fit, 95 % band, measured per bin")
        let band = curve.map { p1.point($0[0], $0[2]) } + curve.reversed().map { p1.point($0[0], $0[3]) }
        s += "<polygon points=\"\(band.joined(separator: " "))\" fill=\"#1f77b4\" fill-opacity=\"0.25\" stroke=\"none\"/>\n"
        s += "<polyline points=\"\(curve.map { p1.point($0[0], $0[1]) }.joined(separator: " "))\" fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\"/>\n"
        for (g, m) in measured {
            let p = p1.xy(g, m)
            s += "<circle cx=\"\(p.0)\" cy=\"\(p.1)\" r=\"4\" fill=\"#d62728\"/>\n"
        }
        if r.hasDrift, let a = r.parameter("driftNu")?.estimate, let b = r.parameter("driftNuLogSlope")?.estimate {
            let pts = r.driftPoints
            let step = max(1, pts.count / 2000)
            let shown = stride(from: 0, to: pts.count, by: step).map { pts[$0] }
            let nus = shown.map { $0[1] }.sorted()
            let lo = nus.isEmpty ? 0 : nus[nus.count / 200], hi = nus.isEmpty ? 1 : nus[nus.count - 1 - nus.count / 200]
            let pad = max((hi - lo) * 0.1, 1e-4)
            let p2 = Panel(x0: panelW, xLo: 0, xHi: r.gMaxMicroSiemens, yLo: lo - pad, yHi: hi + pad)
            s += p2.axes(xLabel: "target G (µS)", yLabel: "ν", title: "drift exponent per device and fitted mean ν")
            for q in shown where q[1] >= lo - pad && q[1] <= hi + pad {
                let p = p2.xy(q[0], q[1])
                s += "<circle cx=\"\(p.0)\" cy=\"\(p.1)\" r=\"1.2\" fill=\"#7f7f7f\" fill-opacity=\"0.5\"/>\n"
            }
            let gLo = pts.map { $0[0] }.min() ?? 0, gHi = pts.map { $0[0] }.max() ?? r.gMaxMicroSiemens
            let line = (0...40).map { k -> String in
                let g = gLo + (gHi - gLo) * Double(k) / 40
                return p2.point(g, min(max(a + b * Foundation.log(max(g / r.gMaxMicroSiemens, 1e-7)), lo - pad), hi + pad))
            }
            s += "<polyline points=\"\(line.joined(separator: " "))\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\"/>\n"
        }
        return s + "</svg>\n"
    }

    /// One panel's coordinate system.
    struct Panel {
        var x0: Double, xLo: Double, xHi: Double, yLo: Double, yHi: Double
        func xy(_ x: Double, _ y: Double) -> (Double, Double) {
            let px = x0 + left + (panelW - left - right) * (x - xLo) / max(xHi - xLo, 1e-12)
            let py = top + (height - top - bottom) * (1 - (y - yLo) / max(yHi - yLo, 1e-12))
            return ((px * 10).rounded() / 10, (py * 10).rounded() / 10)
        }
        func point(_ x: Double, _ y: Double) -> String { let p = xy(x, y); return "\(p.0),\(p.1)" }
        func axes(xLabel: String, yLabel: String, title: String) -> String {
            var s = "<text x=\"\(x0 + panelW / 2)\" y=\"38\" text-anchor=\"middle\">\(esc(title))</text>\n"
            for k in 0...4 {
                let v = yLo + (yHi - yLo) * Double(k) / 4, p = xy(xLo, v)
                s += "<line x1=\"\(p.0)\" y1=\"\(p.1)\" x2=\"\(x0 + panelW - right)\" y2=\"\(p.1)\" stroke=\"#ddd\"/>\n"
                s += "<text x=\"\(p.0 - 5)\" y=\"\(p.1 + 4)\" text-anchor=\"end\">\(String(format: "%.3g", v))</text>\n"
                let u = xLo + (xHi - xLo) * Double(k) / 4, q = xy(u, yLo)
                s += "<text x=\"\(q.0)\" y=\"\(q.1 + 16)\" text-anchor=\"middle\">\(String(format: "%.3g", u))</text>\n"
            }
            let o = xy(xLo, yLo), e = xy(xHi, yHi)
            s += "<line x1=\"\(o.0)\" y1=\"\(o.1)\" x2=\"\(o.0)\" y2=\"\(e.1)\" stroke=\"black\"/>\n"
            s += "<line x1=\"\(o.0)\" y1=\"\(o.1)\" x2=\"\(e.0)\" y2=\"\(o.1)\" stroke=\"black\"/>\n"
            s += "<text x=\"\((o.0 + e.0) / 2)\" y=\"\(height - 14)\" text-anchor=\"middle\">\(esc(xLabel))</text>\n"
            s += "<text transform=\"translate(\(x0 + 16),\((o.1 + e.1) / 2)) rotate(-90)\" text-anchor=\"middle\">\(esc(yLabel))</text>\n"
            return s
        }
    }
}
