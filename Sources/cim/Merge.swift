import ArgumentParser
import CIMCore
import CIMEvaluate
import Foundation

/// `cim merge`: combines the shard reports of one audit.
struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Combine shard reports of `cim evaluate --shard K/N` into the report of a single run (identical to it).",
        discussion: """
            When shards are missing, nothing is written: the error line names them, and the lines after it give
            the commands that run exactly those shards again (with Slurm, and without).
            """)

    @Argument(help: "Shard reports (robustness.shard-K-of-N.json), all N of them.")
    var reports: [String]

    @Option(help: "Output directory.")
    var out = "runs/evaluate"

    @Flag(help: "Print the merged report as JSON on stdout.")
    var json = false

    func run() throws {
        guard !reports.isEmpty else { throw CIMError.invalidConfig(field: "REPORT", reason: "give the shard reports to merge") }
        let decoded = try reports.map { path throws(CIMError) in try RobustnessReport.read(path: path) }
        let (count, present) = try RobustnessReport.checkShards(decoded, paths: reports)
        let missing = (1...count).filter { !present.contains($0) }
        if !missing.isEmpty {
            let dir = (reports[0] as NSString).deletingLastPathComponent
            throw MergeMissing(count: count, missing: missing,
                               rerun: Self.rerunCommands(decoded[0], missing: missing, count: count, out: dir.isEmpty ? "." : dir))
        }
        try ReportOutput.write(try RobustnessReport.merge(decoded, paths: reports), to: out, json: json)
    }

    /// The `cim evaluate` options that reproduce `report`'s audit (images, dataset, config).
    static func evaluateArguments(_ report: RobustnessReport) -> [String] {
        let c = report.config
        var args = report.images.map(\.path)
        if report.dataset == "custom" {
            args += ["--data", report.dataFile?.path ?? "DIR"]
        } else if report.dataset != "mnist" {
            args += ["--dataset", report.dataset]
        }
        args += ["--trials", String(c.trials), "--seed", String(c.seed)]
        if let s = c.programmingSigma { args += ["--prog-sigma", text(s)] }
        if let s = c.readSigma { args += ["--read-sigma", text(s)] }
        if let r = c.stuckRate { args += ["--stuck-rate", "\(r)"] }
        if let t = c.timeSeconds { args += ["--time", "\(t)"] }
        if let n = c.testLimit { args += ["--test-limit", String(n)] }
        if let s = c.sweep { args += ["--sweep", s.parameter.rawValue + "=" + s.values.joined(separator: ",")] }
        return args
    }

    static func text(_ s: NoiseSetting) -> String {
        switch s {
        case let .levelSpacings(v): return "\(v)"
        case let .microSiemens(v): return "\(v)uS"
        }
    }

    /// Shell-quotes `arg` when it needs it.
    static func quote(_ arg: String) -> String {
        let safe = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=,:+@%")
        return !arg.isEmpty && arg.unicodeScalars.allSatisfy(safe.contains) ? arg : "'" + arg.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// Sorted numbers as Slurm's array syntax: `[3, 4, 5, 9]` → `3-5,9`.
    static func ranges(_ numbers: [Int]) -> String {
        var parts: [String] = []
        var k = 0
        while k < numbers.count {
            var e = k
            while e + 1 < numbers.count, numbers[e + 1] == numbers[e] + 1 { e += 1 }
            parts.append(e == k ? "\(numbers[k])" : "\(numbers[k])-\(numbers[e])")
            k = e + 1
        }
        return parts.joined(separator: ",")
    }

    /// The commands that run the `missing` shards again into `out`: one Slurm submission of
    /// exactly those array tasks (task id = shard number), and the plain `cim evaluate` lines.
    static func rerunCommands(_ report: RobustnessReport, missing: [Int], count: Int, out: String) -> [String] {
        let args = evaluateArguments(report).map(quote).joined(separator: " ")
        var lines = ["SHARDS=\(count) sbatch --array=\(ranges(missing)) scripts/slurm/evaluate-array.sbatch \(args) --out \(quote(out))"]
        for k in missing.prefix(20) {
            lines.append("cim evaluate \(args) --shard \(k)/\(count) --out \(quote(out))")
        }
        if missing.count > 20 { lines.append("(and \(missing.count - 20) more shards, the same way)") }
        return lines
    }
}

/// Missing shards: one error line, then the commands that rerun them.
struct MergeMissing: Error, CustomStringConvertible {
    var count: Int, missing: [Int], rerun: [String]
    var description: String {
        "merge: missing \(missing.count) of \(count) shards: \(Merge.ranges(missing)) (of \(count)); nothing written"
    }
    var hint: String { "rerun them with Slurm, or one by one:\n" + rerun.map { "  " + $0 }.joined(separator: "\n") }
}
