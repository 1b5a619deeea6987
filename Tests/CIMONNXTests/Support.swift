import Foundation

/// The committed ONNX fixtures (`Tests/Fixtures/onnx`, made by `scripts/onnx-fixtures`).
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/onnx").path

    static func path(_ name: String) -> String { directory + "/" + name }
}
