import CIMCore
import Foundation

extension RobustnessReport {
    /// The most bytes a report file may have (a report of 10⁶ trials is about 60 MB).
    public static let maxFileBytes = 256 << 20

    /// Reads a report (or shard report) file: a regular file of at most ``maxFileBytes``,
    /// decoded as JSON. Its shard fields are checked by ``checkShards(_:paths:)``.
    public static func read(path: String) throws(CIMError) -> RobustnessReport {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              attributes[.type] as? FileAttributeType == .typeRegular else { throw CIMError.io(path: path, reason: "not a readable file") }
        guard let size = attributes[.size] as? Int, size <= maxFileBytes else {
            throw CIMError.format(path: path, reason: "larger than \(maxFileBytes >> 20) MB: not a shard report")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw CIMError.io(path: path, reason: "cannot read file") }
        do {
            return try JSONDecoder().decode(RobustnessReport.self, from: data)
        } catch {
            throw CIMError.format(path: path, reason: "not a robustness report (\(error.localizedDescription))")
        }
    }
}
