import CIMCore
import Foundation

/// What an image records of its calibration (provenance key `calibration`, JSON): the
/// settings, the number of calibration images and the SHA-256 of their float32 inputs
/// (little-endian, the network's input layout, after preprocessing), so that a calibration can
/// be traced to its data and repeated.
public struct CalibrationRecord: Codable, Equatable, Sendable {
    public var settings: CalibrationConfig
    /// Calibration images and the input shape of one.
    public var images: Int
    public var inputShape: [Int]
    /// Hex SHA-256 of the calibration inputs' float32 little-endian bytes.
    public var inputSHA256: String

    public init(settings: CalibrationConfig, images: Int, inputShape: [Int], inputSHA256: String) {
        self.settings = settings
        self.images = images
        self.inputShape = inputShape
        self.inputSHA256 = inputSHA256
    }

    /// The record as JSON with sorted keys (the provenance text).
    public var jsonText: String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return (try? e.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// Provenance key.
    public static let provenanceKey = "calibration"

    /// Why the record cannot be right, or `nil`.
    public var problem: String? {
        do { try settings.validate() } catch { return error.description }
        guard images >= 1 else { return "images \(images) must be ≥ 1" }
        guard inputSHA256.count == 64, inputSHA256.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else {
            return "inputSHA256 '\(inputSHA256)' is not 64 lowercase hex digits"
        }
        return nil
    }
}
