import ArgumentParser
import CIMCore
import CIMEvaluate
import Foundation

/// `cim merge`: combines the shard reports of one audit.
struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Combine shard reports of `cim evaluate --shard K/N` into the report of a single run (identical to it).")

    @Argument(help: "Shard reports (robustness.shard-K-of-N.json), all N of them.")
    var reports: [String]

    @Option(help: "Output directory.")
    var out = "runs/evaluate"

    @Flag(help: "Print the merged report as JSON on stdout.")
    var json = false

    func run() throws {
        guard !reports.isEmpty else { throw CIMError.invalidConfig(field: "REPORT", reason: "give the shard reports to merge") }
        let decoded = try reports.map { path throws(CIMError) in
            guard let data = FileManager.default.contents(atPath: path) else { throw CIMError.io(path: path, reason: "cannot read file") }
            do {
                return try JSONDecoder().decode(RobustnessReport.self, from: data)
            } catch {
                throw CIMError.format(path: path, reason: "not a robustness report (\(error.localizedDescription))")
            }
        }
        try ReportOutput.write(try RobustnessReport.merge(decoded, paths: reports), to: out, json: json)
    }
}
