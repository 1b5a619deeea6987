import CIMChipImage
import CIMCore
import CIMCrossbar
import CIMMap
import CIMNetwork
import Foundation

/// Export/verify timing of a synthetic image the size of ResNet-18 (≈ 11 M weights, 22 M
/// devices) on 256×64 tiles: dense layers whose weight matrices add up to ResNet-18's count.
func benchExport() throws {
    let layers: [LayerSpec] = [.dense(inFeatures: 2304, outFeatures: 512)]
        + Array(repeating: [LayerSpec.dense(inFeatures: 512, outFeatures: 2304), .dense(inFeatures: 2304, outFeatures: 512)], count: 4).flatMap { $0 }
        + [.dense(inFeatures: 512, outFeatures: 1000)]
    let arch = Architecture(name: "resnet18-size", inputShape: [2304], layers: layers)
    let start = ProcessStats.now()
    let net = try Network(architecture: arch, seed: 1)
    print(String(format: "synthetic model: %d weights (%d devices) in %d dense layers, built in %.2f s",
                 arch.weightCount, 2 * arch.weightCount, layers.count, ProcessStats.now() - start))
    let path = FileManager.default.temporaryDirectory.path + "/cimbench-resnet18-size-\(getpid()).h5"
    defer { try? FileManager.default.removeItem(atPath: path) }
    let config = MappingConfig(spec: ChipPreset.wu2023Inference.spec)
    var t = ProcessStats.now()
    let image = try Mapper(config: config).map(TrainedModel(network: net), calibration: nil, creator: "CIMBench")
    let mapSeconds = ProcessStats.now() - t
    t = ProcessStats.now()
    try ChipImageFile.write(image, to: path)
    let writeSeconds = ProcessStats.now() - t
    let bytes = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    print(String(format: "export (map + write): %.2f s  [map %.2f s, write %.2f s]; %d tiles, utilisation %.1f %%, file %.1f MB",
                 mapSeconds + writeSeconds, mapSeconds, writeSeconds, image.tiles.count, 100 * image.report.utilisation, Double(bytes) / 1e6))
    t = ProcessStats.now()
    let problems = ChipImageFile.verify(path: path)
    print(String(format: "verify: %.2f s, %d problems", ProcessStats.now() - t, problems.count))
    for p in problems.prefix(3) { print("  " + p) }
    print(String(format: "peak resident memory: %.0f MB", ProcessStats.peakResidentMB))
}
