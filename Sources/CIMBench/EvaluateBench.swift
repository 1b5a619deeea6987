import CIMCore
import CIMCrossbar
import CIMData
import CIMEvaluate
import CIMMap
import CIMNetwork
import CIMTrain
import Foundation

/// Robustness-evaluation speed: cnn16 on wu2023-inference with programming and read noise, one
/// trial at a time on one thread (program a fresh chip, then infer the 10,000 MNIST test images).
func benchEvaluate() throws {
    BLAS.setThreads(1)
    let data = try DatasetCatalog.load(.mnist)
    let net = try Network(architecture: ModelPreset.cnn16.architecture, seed: 1)
    let image = try Mapper(config: MappingConfig(spec: ChipPreset.wu2023Inference.spec)).map(TrainedModel(network: net), calibration: nil, creator: "CIMBench")
    let quantised = try image.quantizedNetwork()
    var config = EvaluationConfig()
    config.batchSize = Int(ProcessInfo.processInfo.environment["CIMBENCH_BATCH"] ?? "") ?? 100
    var rates: [Double] = [], programming: [Double] = []
    var memory: [Double] = []
    for trial in 0..<12 {
        let t0 = ProcessStats.now()
        var instance = try ChipInstance(image: image, config: config, trial: trial)
        let t1 = ProcessStats.now()
        _ = Evaluator.evaluate(quantised, on: data.test, batchSize: config.batchSize, engine: &instance.engine)
        let t2 = ProcessStats.now()
        if trial >= 2 { rates.append(Double(data.test.count) / (t2 - t0)); programming.append(t1 - t0) }
        memory.append(ProcessStats.peakResidentMB)
    }
    rates.sort()
    print(String(format: "evaluate cnn16 on wu2023-inference (σ_prog 0.5 Δ, σ_read 0.3 Δ, σ_ADC 0.549 µA, 8-bit DAC/ADC), 1 thread:"))
    print(String(format: "  %.0f test images/s per trial (median of 10 trials; incl. programming %.1f ms a trial)",
                 rates[rates.count / 2], 1000 * programming.sorted()[programming.count / 2]))
    print(String(format: "  peak resident memory after trial 1: %.0f MB, after trial 12: %.0f MB", memory[0], memory[11]))
}
