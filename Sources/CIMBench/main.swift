// CIMBench: throughput figures for CIMKit's digital and on-chip paths (scripts/bench.sh), and
// `CIMBench export`: chip-image export/verify timing at ResNet-18 size (scripts/bench-export.sh);
// `CIMBench onnx MODEL.onnx`: import time and digital inference of an imported model (scripts/bench-onnx.sh);
// `CIMBench compare [--quick] [--threads 1,2]`: JSON lines for scripts/bench-compare.sh (CompareBench.swift);
// `CIMBench hwaware [ROUNDS]`: lenet-wu2023 training, digital and hardware-aware on wu2023-inference, interleaved.
// Prints figures; asserts nothing. Not a test.
import CIMCore
import CIMCrossbar
import CIMData
import CIMNetwork
import CIMTrain
import Foundation

func median(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] }

func benchSGEMM(_ n: Int, repeats: Int) -> Double {
    var rng = RandomGenerator(seed: 1)
    let a = (0..<(n * n)).map { _ in rng.uniform(-1, 1) }
    let b = (0..<(n * n)).map { _ in rng.uniform(-1, 1) }
    var c = [Float](repeating: 0, count: n * n)
    var rates: [Double] = []
    for r in 0..<(repeats + 2) {
        let t = ProcessStats.now()
        a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
            BLAS.sgemm(m: n, n: n, k: n, a: ap.baseAddress!, lda: n, b: bp.baseAddress!, ldb: n, c: cp.baseAddress!, ldc: n)
        } } }
        if r >= 2 { rates.append(2 * Double(n * n * n) / (ProcessStats.now() - t) / 1e9) }
    }
    return median(rates)
}

func benchTraining(_ preset: ModelPreset, data: DatasetSplits, optimizer: OptimizerConfig, batches: Int,
                   onChip: OnChipConfig? = nil, hardwareAware: HardwareAwareConfig? = nil) throws -> Double {
    var config = TrainingConfig()
    config.model = preset.rawValue
    config.optimizer = optimizer
    config.batchesPerEpoch = batches
    config.onChip = onChip
    config.hardwareAware = hardwareAware
    var trainer = try Trainer(config: config, data: data)
    let order = trainer.order(epoch: 1)
    let warmup = 20
    var t = 0.0
    for b in 0..<(warmup + batches) {
        if b == warmup { t = ProcessStats.now() }
        let lo = (b % batches) * 64
        let (x, y) = data.train.batch(indices: order[lo..<(lo + 64)])
        _ = trainer.step(x: x, y: y)
    }
    return Double(batches * 64) / (ProcessStats.now() - t)
}

func benchInference(_ preset: ModelPreset, data: ImageDataset, batchSize: Int) throws -> Double {
    let net = try Network(architecture: preset.architecture, seed: 1)
    _ = Evaluator.evaluate(net, on: data.prefix(2000), batchSize: batchSize)  // warm-up
    var rates: [Double] = []
    for _ in 0..<3 {
        let t = ProcessStats.now()
        _ = Evaluator.evaluate(net, on: data, batchSize: batchSize)
        rates.append(Double(data.count) / (ProcessStats.now() - t))
    }
    return median(rates)
}

/// Digital and hardware-aware lenet-wu2023 training (AdamW, batch 64, 1 BLAS thread), run in
/// alternation `rounds` times so that both see the same machine load; prints both medians and
/// their ratio.
func benchHardwareAware(rounds: Int) throws {
    let data = try DatasetCatalog.load(.mnist)
    BLAS.setThreads(1)
    let adamw = OptimizerConfig(kind: .adamw, learningRate: 0.004)
    var digital: [Double] = [], aware: [Double] = []
    for _ in 0..<rounds {
        digital.append(try benchTraining(.lenetWu2023, data: data, optimizer: adamw, batches: 400))
        aware.append(try benchTraining(.lenetWu2023, data: data, optimizer: adamw, batches: 400, hardwareAware: HardwareAwareConfig()))
    }
    print(String(format: "train lenet-wu2023, AdamW, batch 64, digital:                        %7.0f images/s (median of %d)", median(digital), rounds))
    print(String(format: "train lenet-wu2023, AdamW, batch 64, hardware-aware on wu2023-inference: %4.0f images/s (median of %d)", median(aware), rounds))
    print(String(format: "hardware-aware / digital time per batch: %.2f×", median(digital) / median(aware)))
}

if let mode = CommandLine.arguments.dropFirst().first, ["export", "evaluate", "onnx", "compare", "hwaware"].contains(mode) {
    do {
        switch mode {
        case "export": try benchExport()
        case "evaluate": try benchEvaluate()
        case "compare": try benchCompare(Array(CommandLine.arguments.dropFirst(2)))
        case "hwaware": try benchHardwareAware(rounds: Int(CommandLine.arguments.dropFirst(2).first ?? "") ?? 5)
        default: try benchONNX(CommandLine.arguments.dropFirst(2).first ?? "runs/bench/resnet20.onnx")
        }
        exit(0)
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        exit(1)
    }
}

do {
    let info = try BLAS.info
    print("CIMKit \(CIMKitVersion.string) benchmark — BLAS \(info.library), kernel \(info.coreName), "
        + "OPENBLAS_CORETYPE=\(info.coreType.isEmpty ? "(unset)" : info.coreType) [\(info.coreTypeSource)], \(info.threads) threads")
    let data = try DatasetCatalog.load(.mnist)
    print(String(format: "sgemm 1024³ (row-major, median of 10):      %7.1f GFLOP/s", benchSGEMM(1024, repeats: 10)))
    print(String(format: "sgemm 256³  (median of 50):                %7.1f GFLOP/s", benchSGEMM(256, repeats: 50)))
    let sgd = OptimizerConfig(kind: .sgd, learningRate: 0.1)
    let adamw = OptimizerConfig(kind: .adamw, learningRate: 0.004)
    print(String(format: "train cnn16, SGD, batch 64 (400 batches):   %7.0f images/s",
                 try benchTraining(.cnn16, data: data, optimizer: sgd, batches: 400)))
    print(String(format: "inference cnn16, 10,000 test images, b=1000: %6.0f images/s",
                 try benchInference(.cnn16, data: data.test, batchSize: 1000)))
    print(String(format: "inference cnn16, 10,000 test images, b=64:  %7.0f images/s",
                 try benchInference(.cnn16, data: data.test, batchSize: 64)))
    BLAS.setThreads(1)
    print("-- 1 BLAS thread from here (cim train's default)")
    print(String(format: "train cnn16, SGD, batch 64 (400 batches):   %7.0f images/s",
                 try benchTraining(.cnn16, data: data, optimizer: sgd, batches: 400)))
    print(String(format: "train lenet-wu2023, AdamW, batch 64:        %7.0f images/s",
                 try benchTraining(.lenetWu2023, data: data, optimizer: adamw, batches: 400)))
    let soc = OnChipConfig(rule: .mixedPrecision, chip: ChipPreset.wu2023SoC.rawValue)
    print(String(format: "train cnn16 mixed precision on wu2023-soc:  %7.0f images/s  (42 tiles, bit-serial DAC, ADC, read noise)",
                 try benchTraining(.cnn16, data: data, optimizer: sgd, batches: 200, onChip: soc)))
    print(String(format: "train lenet-wu2023 mixed precision on soc:  %7.0f images/s",
                 try benchTraining(.lenetWu2023, data: data, optimizer: adamw, batches: 200, onChip: soc)))
    print(String(format: "train lenet-wu2023 hardware-aware (inference chip): %.0f images/s",
                 try benchTraining(.lenetWu2023, data: data, optimizer: adamw, batches: 200, hardwareAware: HardwareAwareConfig())))
    print(String(format: "peak resident memory of this process:       %7.0f MB", ProcessStats.peakResidentMB))
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
