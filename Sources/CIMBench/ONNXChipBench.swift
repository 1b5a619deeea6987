import CIMChipImage
import CIMCore
import CIMCrossbar
import CIMEvaluate
import CIMMap
import CIMNetwork
import CIMTrain
import Foundation

/// The chip half of `CIMBench onnx`: map the imported network onto `wu2023-inference` (256
/// random calibration inputs, 10 Monte Carlo programmings a layer, as `cim export` does), write
/// and verify the chip image, then Monte Carlo evaluation as `cim evaluate` runs it: per trial a
/// freshly programmed chip (programming error, stuck devices, read and ADC noise, 8-bit DAC and
/// ADC) infers `count` images. Reports images/s per trial and where the time goes.
func benchONNXChip(_ net: Network, inputs: [Float], count: Int, threads: Int) throws {
    let shape = net.architecture.inputShape, per = shape.reduce(1, *)
    let spec = ChipPreset.wu2023Inference.spec
    let calibration = Tensor(shape: [256] + shape, data: Array(inputs[0..<(256 * per)]))
    var t = ProcessStats.now()
    let image = try Mapper(config: MappingConfig(spec: spec)).map(TrainedModel(network: net), calibration: calibration, creator: "CIMBench")
    let mapSeconds = ProcessStats.now() - t
    let path = NSTemporaryDirectory() + "cimbench-onnx-\(getpid()).h5"
    defer { try? FileManager.default.removeItem(atPath: path) }
    t = ProcessStats.now()
    try ChipImageFile.write(image, to: path)
    let writeSeconds = ProcessStats.now() - t
    t = ProcessStats.now()
    let problems = ChipImageFile.verify(path: path)
    let verifySeconds = ProcessStats.now() - t
    let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    print(String(format: "CIMKit export to %@: map + checks %.2f s, write %.0f ms (%.0f kB, %d tiles), verify %.0f ms (%@)",
                 spec.name, mapSeconds, 1000 * writeSeconds, Double(bytes) / 1000, image.tiles.count, 1000 * verifySeconds,
                 problems.isEmpty ? "sound" : "\(problems.count) problems"))
    BLAS.setThreads(threads)
    let quantised = try image.quantizedNetwork()
    let config = EvaluationConfig()
    let batch = 100
    var rates: [Double] = [], programming: [Double] = [], noiseless: [Double] = []
    for trial in 0..<4 {
        let t0 = ProcessStats.now()
        var instance = try ChipInstance(image: image, config: config, trial: trial)
        let t1 = ProcessStats.now()
        inferAll(quantised, inputs: inputs, count: count, batch: batch, engine: &instance.engine)
        let t2 = ProcessStats.now()
        if trial > 0 { rates.append(Double(count) / (t2 - t0)); programming.append(t1 - t0) }
    }
    // the same products without noise (DAC/ADC on): what the noise costs
    for r in 0..<3 {
        var engine = try ChipInstance.noiseless(image)
        let t0 = ProcessStats.now()
        inferAll(quantised, inputs: inputs, count: count, batch: batch, engine: &engine)
        if r > 0 { noiseless.append(Double(count) / (ProcessStats.now() - t0)) }
    }
    print(String(format: "CIMKit Monte Carlo on %@, all noise, 8-bit DAC/ADC, batch %d, %d thread(s): %.0f images/s per trial "
                 + "(median of 3; programming %.0f ms a trial; noiseless chip %.0f images/s)",
                 spec.name, batch, threads, median(rates), 1000 * median(programming), median(noiseless)))
}

/// Runs the first `count` inputs through `network` in batches of `batch` on `engine`.
func inferAll<E: WeightProduct>(_ network: Network, inputs: [Float], count: Int, batch: Int, engine: inout E) {
    var n = network
    let shape = network.architecture.inputShape, per = shape.reduce(1, *)
    for b in stride(from: 0, to: count, by: batch) {
        let x = Tensor(shape: [batch] + shape, data: Array(inputs[(b * per)..<((b + batch) * per)]))
        _ = n.forward(x, training: false, engine: &engine)
    }
}
