import ArgumentParser
import CIMCore
import CIMData
import Foundation

/// `cim info`: the BLAS kernel in use and the datasets that can be found.
struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the CIMKit version, the BLAS library and kernel in use, and the datasets found.")

    @Flag(help: "Print JSON instead of text.")
    var json = false

    struct Report: Codable {
        var cimkit: String
        var blas: BLAS.Info
        var datasets: [String: String]
    }

    func run() throws {
        var datasets: [String: String] = [:]
        datasets["mnist"] = (try? DatasetCatalog.shippedMNISTDirectory()) ?? "not found"
        datasets["fashion-mnist"] = DatasetCatalog.hasIDXFiles(DatasetCatalog.fashionMNISTDirectory)
            ? DatasetCatalog.fashionMNISTDirectory : "not installed (apt-get install dataset-fashion-mnist)"
        let report = Report(cimkit: CIMKitVersion.string, blas: try BLAS.info, datasets: datasets)
        if json {
            print(try jsonText(report))
            return
        }
        print("CIMKit \(report.cimkit)")
        print("BLAS library:   \(report.blas.library)")
        print("BLAS kernel:    \(report.blas.coreName)")
        print("core type:      \(report.blas.coreType.isEmpty ? "(none)" : report.blas.coreType) [\(report.blas.coreTypeSource)]")
        print("BLAS threads:   \(report.blas.threads)")
        print("BLAS config:    \(report.blas.config)")
        for (name, dir) in datasets.sorted(by: { $0.key < $1.key }) {
            print("dataset \(name): \(dir)")
        }
    }
}
