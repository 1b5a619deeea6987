import CIMChipImage
import Foundation
import Testing

/// `cim train --rule hardware-aware` end to end: the record, and the export of the result.
@Suite("cim train --rule hardware-aware", .serialized)
struct HardwareAwareCLITests {
    @Test("a hardware-aware run records its rule and options in training.json, exports as a digital model (provenance keeps the options), and repeats bit-identically")
    func runRecordExport() throws {
        let cli = CLITests()
        let a = cli.tempDir(), b = cli.tempDir()
        defer { for d in [a, b] { try? FileManager.default.removeItem(atPath: d) } }
        let common = ["train", "--rule", "hardware-aware", "--hw-noise-scale", "1.5", "--train-limit", "512", "--test-limit", "200",
                      "--batches-per-epoch", "4", "--epochs", "1"]
        let r = try cli.cim(common + ["--out", a])
        #expect(r.status == 0, "stderr: \(r.stderr)")
        #expect(r.stderr.contains("hardware-aware for chip wu2023-inference") || r.stdout.contains("hardware-aware for chip wu2023-inference"),
                "the header names the target chip: \(r.stderr)")
        let again = try cli.cim(common + ["--out", b, "--quiet"])
        #expect(again.status == 0, "stderr: \(again.stderr)")
        let wa = FileManager.default.contents(atPath: a + "/model.safetensors"), wb = FileManager.default.contents(atPath: b + "/model.safetensors")
        #expect(wa != nil && wa == wb, "same seed, same bits")
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: a + "/training.json"))) as? [String: Any]
        let config = record?["config"] as? [String: Any]
        let hw = config?["hardwareAware"] as? [String: Any]
        #expect(hw?["chip"] as? String == "wu2023-inference")
        #expect(hw?["noiseScale"] as? Double == 1.5)
        #expect(hw?["periphery"] as? Bool == true)
        #expect(config?["onChip"] == nil && record?["onChip"] == nil, "no chip was trained on")
        let image = a + "/model.h5"
        let e = try cli.cim(["export", a + "/model.safetensors", "--chip", "wu2023-inference", "--out", image])
        #expect(e.status == 0, "stderr: \(e.stderr)")
        let chipImage = try ChipImageFile.read(path: image)
        #expect(chipImage.source == nil && chipImage.info.source == "digital", "exported as a digital model")
        let provenance = chipImage.provenance["training_config"] ?? ""
        #expect(provenance.contains("\"hardwareAware\"") && provenance.contains("\"noiseScale\":1.5"), "provenance: \(provenance.prefix(300))")
    }
}
