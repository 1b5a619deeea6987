import CIMMap
import Foundation

/// Plain-text views of an image and its mapping report.
enum ReportText {
    static func summary(_ image: ChipImage) -> String {
        let r = image.report
        var lines: [String] = []
        lines.append(String(format: "chip %@: %d tiles of %d×%d%@, utilisation %.1f %%; device %@ (%@), weights from %@",
                            image.spec.name, r.tilesUsed, image.spec.tileRows, image.spec.tileColumns,
                            r.tileCapacity.map { " (capacity \($0))" } ?? "", 100 * r.utilisation, image.spec.device.name,
                            image.spec.device.levels >= 2 ? "\(image.spec.device.levels) levels" : "continuous", image.info.weightsFrom))
        lines.append("layer  kind     rows×cols  blocks  tiles      w/µS  quant.err  prog.err  ADC clip  |I| p99.9")
        for l in r.layers {
            let kind: String
            switch image.architecture.layers[l.index] {
            case .conv2d: kind = "conv"
            case let .convolution(c): kind = c.groups == 1 ? "conv" : (c.groups == c.inChannels ? "conv dw" : "conv g\(c.groups)")
            case .dense: kind = "dense"
            default: kind = "?"
            }
            lines.append(String(format: "%5d  ", l.index) + pad(kind, 7) + " " + pad("\(l.rows)×\(l.columns)", 9, right: true)
                + String(format: "  %6d  %5d  %8.5f  %8.4f  ", l.blocks, l.tiles.count, l.weightPerMicroSiemens, l.quantizationRelativeRMS)
                + pad(l.programmingRelativeErrorMean.map { String(format: "%.4f", $0) } ?? "–", 8, right: true) + "  "
                + pad(l.adcClippingRate.map { String(format: "%.4f", $0) } ?? "–", 8, right: true) + "  "
                + pad(l.adcP999MicroAmps.map { String(format: "%.2f µA", $0) } ?? "–", 9, right: true))
        }
        if let l = image.layers.first(where: { $0.slicing.count > 1 }) {
            let s = l.slicing
            lines.append("bit slices: \(s.count) device pairs per weight, significance " + s.significance.map { String(Int($0)) }.joined(separator: ", ")
                         + " (±\(s.maxMagnitude(levels: image.spec.device.levels)) levels of the least significant pair); w/µS is the least significant slice's")
        }
        for l in image.layers {
            guard let c = l.calibration else { continue }
            func range(_ v: [Double], _ format: String) -> String {
                let lo = v.min() ?? 0, hi = v.max() ?? 0
                return lo == hi ? String(format: format, lo) : String(format: format, lo) + "–" + String(format: format, hi)
            }
            var text = "calibrated layer \(l.index): column scales " + range(c.columnWeightPerMicroSiemens, "%.5f") + " per µS"
            text += c.inputRanges.map { "; static input range " + range($0.map(Double.init), "%.4g") } ?? "; abs-max inputs"
            text += c.adcFullScalesMicroAmps.map { "; ADC full scale ±" + range($0, "%.2f") + " µA" } ?? "; the chip's ADC full scale"
            lines.append(text)
        }
        for c in r.checks { lines.append("check \(c.passed ? "pass" : "FAIL")  \(c.name): \(c.detail)") }
        return lines.joined(separator: "\n")
    }

    static func pad(_ s: String, _ n: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(0, n - s.count))
        return right ? fill + s : s + fill
    }

    static func size(of path: String) -> String {
        let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        return bytes >= 1_000_000 ? String(format: "%.1f MB", Double(bytes) / 1e6) : String(format: "%.1f kB", Double(bytes) / 1e3)
    }
}
