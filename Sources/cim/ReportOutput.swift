import CIMCore
import CIMEvaluate
import Foundation

/// Writes a robustness report (JSON and SVG plots) and prints its table.
enum ReportOutput {
    static func write(_ report: RobustnessReport, to dir: String, json: Bool) throws {
        try OutputDirectory.prepare(dir)
        var written: [String] = []
        if let s = report.shard {
            let path = dir + "/robustness.shard-\(s.index)-of-\(s.count).json"
            try AtomicFile.write(Data(jsonText(report).utf8), to: path)
            written.append(path)
        } else {
            // robustness.json is the manifest, removed first and written last: a kill at any
            // moment leaves either no report or a report with the plots of the same run.
            let path = dir + "/robustness.json", box = dir + "/boxplot.svg", sweep = dir + "/sweep.svg"
            try AtomicFile.removeIfPresent(path)
            try AtomicFile.write(Data(SVGPlot.boxPlot(report, title: "Accuracy over \(report.config.trials) fresh chips per image").utf8), to: box)
            written.append(box)
            if report.config.sweep != nil {
                try AtomicFile.write(Data(SVGPlot.sweepPlot(report, title: "Mean accuracy with 95 % confidence band").utf8), to: sweep)
                written.append(sweep)
            } else {
                try AtomicFile.removeIfPresent(sweep)  // a previous sweep's plot would not belong to this report
                AtomicFile.removeStaleTemporaries(in: dir, of: "sweep.svg")
            }
            try AtomicFile.write(Data(jsonText(report).utf8), to: path)
            written.insert(path, at: 0)
        }
        if json {
            print(try jsonText(report))
            return
        }
        print(table(report))
        print("wrote " + written.joined(separator: ", "))
    }

    static func table(_ r: RobustnessReport) -> String {
        var lines: [String] = []
        let sweep = r.config.sweep?.parameter.rawValue
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? String(s.prefix(n)) : s + String(repeating: " ", count: n - s.count) }
        lines.append(pad("image", 28) + " " + (sweep.map { pad($0, 11) + " " } ?? "")
            + (r.shard.map { "noiseless    mean   (shard \($0.index)/\($0.count); statistics come with cim merge)" }
                ?? "noiseless    mean     std     min      p5  median   95% CI of mean       drop"))
        for p in r.points {
            let img = r.images[p.image]
            let name = pad((img.path as NSString).lastPathComponent, 28) + " " + (sweep != nil ? pad(p.value ?? "", 11) + " " : "")
            guard let s = p.statistics, let noiseless = img.noiselessAccuracy else {
                // A shard: its trials only (statistics come with the merge).
                let mean = p.trials.isEmpty ? 0 : p.trials.map(\.accuracy).reduce(0, +) / Double(p.trials.count)
                lines.append(name + (img.noiselessAccuracy.map { String(format: "%7.2f %%  ", 100 * $0) } ?? "        –  ")
                    + String(format: "%6.2f  (%d trials of this shard)", 100 * mean, p.trials.count))
                continue
            }
            lines.append(name + String(format: "%7.2f %%  %6.2f  %6.3f  %6.2f  %6.2f  %6.2f  [%6.2f, %6.2f]  %6.3f",
                                       100 * noiseless, 100 * s.mean, 100 * s.std, 100 * s.min, 100 * s.p5, 100 * s.median,
                                       100 * s.ci95Low, 100 * s.ci95High, 100 * s.drop))
        }
        for img in r.images {
            let c = img.cost
            lines.append(String(format: "cost of %@: %d tiles, %d tile operations/image, %.3f ms, %.2f µJ per image (%.2f nJ per operation, %d cycles at %.0f MHz)",
                                (img.path as NSString).lastPathComponent, c.tiles, c.tileOperationsPerImage, c.latencyMilliseconds,
                                c.energyMicrojoules, c.energyPerTileOperationNanojoules, c.cyclesPerTileOperation, c.clockMHz))
        }
        lines.append("(accuracies in %, over \(r.testImages) \(r.dataset) test images; drop = noiseless − mean, in points"
            + (r.config.driftCompensation.map { "; drift compensation: \($0.rawValue)" } ?? "") + ")")
        return lines.joined(separator: "\n")
    }
}
