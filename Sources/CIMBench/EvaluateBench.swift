import CIMCore
import CIMCrossbar
import CIMData
import CIMEvaluate
import CIMMap
import CIMNetwork
import CIMTrain
import Foundation

/// Robustness-evaluation speed: cnn16 on wu2023-inference with programming and read noise, one
/// trial at a time on one thread (program a fresh chip, then infer the 10,000 MNIST test images);
/// then the same on pcm-like-inference with its richest model (σ_prog(G), ν(G) with spread,
/// 1/f read noise at 1 day, global drift compensation).
func benchEvaluate() throws {
    BLAS.setThreads(1)
    let data = try DatasetCatalog.load(.mnist)
    let net = try Network(architecture: ModelPreset.cnn16.architecture, seed: 1)
    var config = EvaluationConfig()
    config.batchSize = Int(ProcessInfo.processInfo.environment["CIMBENCH_BATCH"] ?? "") ?? 100
    try measureEvaluation(net, data: data, spec: ChipPreset.wu2023Inference.spec, config: config,
                          label: "evaluate cnn16 on wu2023-inference (σ_prog 0.5 Δ, σ_read 0.3 Δ, σ_ADC 0.549 µA, 8-bit DAC/ADC), 1 thread:")
    config.timeSeconds = 86400
    config.driftCompensation = .global
    try measureEvaluation(net, data: data, spec: ChipPreset.pcmLikeInference.spec, config: config,
                          label: "evaluate cnn16 on pcm-like-inference at 1 day (σ_prog(G), ν(G) with spread, 1/f noise, global drift compensation), 1 thread:")
}

/// Median images per second of 10 trials (after 2 warm-up trials), programming included.
func measureEvaluation(_ net: Network, data: DatasetSplits, spec: ChipSpec, config: EvaluationConfig, label: String) throws {
    let image = try Mapper(config: MappingConfig(spec: spec)).map(TrainedModel(network: net), calibration: nil, creator: "CIMBench")
    let quantised = try image.quantizedNetwork()
    var rates: [Double] = [], programming: [Double] = []
    var memory: [Double] = []
    for trial in 0..<12 {
        let t0 = ProcessStats.now()
        var instance = try ChipInstance(image: image, config: config, trial: trial)
        let t1 = ProcessStats.now()
        if let gains = instance.compensationGains {
            var engine = CompensatedEngine(engine: instance.engine, gains: gains)
            _ = Evaluator.evaluate(quantised, on: data.test, batchSize: config.batchSize, engine: &engine)
        } else {
            _ = Evaluator.evaluate(quantised, on: data.test, batchSize: config.batchSize, engine: &instance.engine)
        }
        let t2 = ProcessStats.now()
        if trial >= 2 { rates.append(Double(data.test.count) / (t2 - t0)); programming.append(t1 - t0) }
        memory.append(ProcessStats.peakResidentMB)
    }
    rates.sort()
    print(label)
    print(String(format: "  %.0f test images/s per trial (median of 10 trials; incl. programming %.1f ms a trial)",
                 rates[rates.count / 2], 1000 * programming.sorted()[programming.count / 2]))
    print(String(format: "  peak resident memory after trial 1: %.0f MB, after trial 12: %.0f MB", memory[0], memory[11]))
}
