import CIMCore
import CIMCrossbar
import CIMData
import CIMEvaluate
import CIMMap
import CIMNetwork
import CIMTrain
import Foundation

/// `CIMBench compare [--quick] [--only digital] [--threads 1,2]`: CIMKit's half of scripts/bench-compare.sh.
/// Runs cnn16 on the shipped MNIST through the workloads that the script also runs in PyTorch
/// and aihwkit, and prints one JSON object per line (tool, workload, batch, threads,
/// images_per_s = the median over the repetitions, and the repetitions themselves):
/// - `flops`: multiply-add FLOPs per image of cnn16, forward and training (forward, weight
///   gradient, input gradient except for the first layer), from the architecture;
/// - `sgemm-1024`: OpenBLAS sgemm 1024³, GFLOP/s;
/// - `train-digital`: SGD (lr 0.1) steps, batch 64, on the training images in a seeded order; at
///   `threads` > 1 as `cim train --threads N` runs them: N shards of each batch on N threads
///   (``BatchShards``), one BLAS thread each;
/// - `infer-digital`: `Evaluator.evaluate` (forward, loss, argmax) of the test images, batch 1000
///   and 64, the batches on `threads` threads with one BLAS thread each;
/// - `train-mixed-precision`: on-chip steps on `wu2023-soc` (mixed-precision rule, 8-bit
///   bit-serial DAC, ADC, read noise; FP32 backward), batch 64, SGD lr 0.1;
/// - `mc-trial`: one Monte Carlo trial as `cim evaluate` runs it on `wu2023-inference` (program a
///   fresh chip: programming error, stuck devices; then the test images, batch 100, with read
///   and ADC noise and 8-bit DAC/ADC), one trial on `threads` BLAS threads, images/s per trial;
/// - `mc-trials-per-machine`: `threads` trials at once, one BLAS thread each (`cim evaluate
///   --jobs`), test images per second of the whole machine.
/// `--only digital` stops after `infer-digital`. Every workload is warmed up first. The on-chip and
/// Monte Carlo workloads' threads are OpenBLAS's (and oneDNN's) threads.
func benchCompare(_ arguments: [String]) throws {
    let quick = arguments.contains("--quick")
    var digitalOnly = false
    if let i = arguments.firstIndex(of: "--only") {
        guard i + 1 < arguments.count, arguments[i + 1] == "digital" else {
            throw CIMError.invalidConfig(field: "--only", reason: "the only subset is 'digital'")
        }
        digitalOnly = true
    }
    var threadCounts = [1, 2]
    if let i = arguments.firstIndex(of: "--threads"), i + 1 < arguments.count {
        threadCounts = arguments[i + 1].split(separator: ",").compactMap { Int($0) }.filter { $0 >= 1 }
    }
    let reps = quick ? 3 : 5
    let trainBatches = quick ? 30 : 150             // timed steps per repetition
    let inferImages = quick ? 2000 : 10000          // test images per repetition
    let mpBatches = quick ? 15 : 60
    let trialImages = quick ? 2000 : 10000

    ProcessMemory.keepFreedBlocks()  // as `cim train` does
    try BLAS.load()
    let info = try BLAS.info
    let data = try DatasetCatalog.load(.mnist)
    let arch = ModelPreset.cnn16.architecture
    let flops = try flopsPerImage(arch)
    emit(["tool": "cimkit", "workload": "info", "version": CIMKitVersion.string, "blas": info.library,
          "blas_kernel": info.coreName, "openblas_coretype": info.coreType, "coretype_source": info.coreTypeSource,
          "train_images": data.train.count, "test_images": data.test.count, "quick": quick])
    emit(["tool": "cimkit", "workload": "flops", "model": "cnn16", "forward": flops.forward, "train": flops.train,
          "layers": arch.layers.map(\.description).joined(separator: ", ")])

    for threads in threadCounts {
        BLAS.setThreads(threads)
        let g = (0..<reps).map { _ in benchSGEMM(1024, repeats: 3) }
        emit(result("sgemm-1024", batch: 0, threads: threads, rates: g, unit: "gflops"))
    }
    let sgd = OptimizerConfig(kind: .sgd, learningRate: 0.1)
    for threads in threadCounts {
        // as `cim train --threads N`: N shards per batch on N threads, one BLAS thread each
        BLAS.setThreads(1)
        let r = try timedTraining(data: data, optimizer: sgd, onChip: nil, batches: trainBatches, reps: reps, shards: threads)
        emit(result("train-digital", batch: 64, threads: threads, rates: r))
    }
    let test = data.test.prefix(inferImages)
    for threads in threadCounts {
        BLAS.setThreads(1)  // the batches on `threads` threads, one BLAS thread each
        for batch in [1000, 64] {
            let net = try Network(architecture: arch, seed: 1)
            _ = Evaluator.evaluate(net, on: test.prefix(2000), batchSize: batch, threads: threads)  // warm-up
            let r = (0..<reps).map { _ -> Double in
                let t = ProcessStats.now()
                _ = Evaluator.evaluate(net, on: test, batchSize: batch, threads: threads)
                return Double(test.count) / (ProcessStats.now() - t)
            }
            emit(result("infer-digital", batch: batch, threads: threads, rates: r))
        }
    }
    if digitalOnly { return }
    let soc = OnChipConfig(rule: .mixedPrecision, chip: ChipPreset.wu2023SoC.rawValue)
    for threads in threadCounts {
        BLAS.setThreads(threads)
        let r = try timedTraining(data: data, optimizer: sgd, onChip: soc, batches: mpBatches, reps: reps)
        emit(result("train-mixed-precision", batch: 64, threads: threads, rates: r))
    }

    // Monte Carlo trials on wu2023-inference, as benchEvaluate and `cim evaluate` run them.
    let net = try Network(architecture: arch, seed: 1)
    let image = try Mapper(config: MappingConfig(spec: ChipPreset.wu2023Inference.spec)).map(TrainedModel(network: net), calibration: nil, creator: "CIMBench")
    let quantised = try image.quantizedNetwork()
    let config = EvaluationConfig()  // batch 100, seed 1, the image's own noise, no drift
    let images = data.test.prefix(trialImages)
    @Sendable func trial(_ index: Int) throws -> Double {
        let t = ProcessStats.now()
        var instance = try ChipInstance(image: image, config: config, trial: index)
        _ = Evaluator.evaluate(quantised, on: images, batchSize: config.batchSize, engine: &instance.engine)
        return ProcessStats.now() - t
    }
    for threads in threadCounts {
        BLAS.setThreads(threads)
        _ = try trial(0)  // warm-up
        let r = try (1...reps).map { Double(images.count) / (try trial($0)) }
        emit(result("mc-trial", batch: config.batchSize, threads: threads, rates: r))
    }
    for threads in threadCounts where threads > 1 {
        BLAS.setThreads(1)
        var r: [Double] = []
        for rep in 0..<(reps + 1) {  // the first is a warm-up
            let failed = FirstFailure()
            let t = ProcessStats.now()
            DispatchQueue.concurrentPerform(iterations: threads) { worker in
                do { _ = try trial(100 + rep * threads + worker) } catch { failed.set("\(error)") }
            }
            if let e = failed.message { throw CIMError.invalidConfig(field: "mc-trials-per-machine", reason: e) }
            if rep > 0 { r.append(Double(threads * images.count) / (ProcessStats.now() - t)) }
        }
        emit(result("mc-trials-per-machine", batch: config.batchSize, threads: threads, rates: r))
    }
}

/// Median images/s of `reps` repetitions of `batches` training steps (batch 64) after 20 warm-up
/// steps, on the training images in the trainer's seeded order (epoch 1, cycled).
func timedTraining(data: DatasetSplits, optimizer: OptimizerConfig, onChip: OnChipConfig?, batches: Int, reps: Int,
                   shards: Int = 1) throws -> [Double] {
    var config = TrainingConfig()
    config.shards = shards > 1 ? shards : nil
    config.model = ModelPreset.cnn16.rawValue
    config.optimizer = optimizer
    config.onChip = onChip
    var trainer = try Trainer(config: config, data: data)
    trainer.threads = shards
    let order = trainer.order(epoch: 1)
    let perEpoch = order.count / 64
    var b = 0
    func steps(_ n: Int) {
        for _ in 0..<n {
            let lo = (b % perEpoch) * 64
            let (x, y) = data.train.batch(indices: order[lo..<(lo + 64)])
            _ = trainer.step(x: x, y: y)
            b += 1
        }
    }
    steps(20)
    return (0..<reps).map { _ in
        let t = ProcessStats.now()
        steps(batches)
        return Double(batches * 64) / (ProcessStats.now() - t)
    }
}

/// FLOPs (2 per multiply-add) per image of the conv and dense layers: forward, and training =
/// forward + weight gradient + input gradient (none for the first layer, whose input is the
/// image). Activations, pooling, biases and the loss are not counted.
func flopsPerImage(_ arch: Architecture) throws -> (forward: Int, train: Int) {
    let shapes = try arch.shapes()
    var perLayer: [Int] = []
    for (i, layer) in arch.layers.enumerated() {
        let out = shapes[i + 1]
        switch layer {
        case let .conv2d(c, o, k): perLayer.append(2 * out[0] * out[1] * o * k * k * c)
        case let .dense(inF, o): perLayer.append(2 * inF * o)
        case let .convolution(c): perLayer.append(2 * out.dropLast().reduce(1, *) * c.outChannels * c.fanIn)
        default: break
        }
    }
    let forward = perLayer.reduce(0, +)
    return (forward, 3 * forward - (perLayer.first ?? 0))
}

func result(_ workload: String, batch: Int, threads: Int, rates: [Double], unit: String = "images_per_s") -> [String: Any] {
    ["tool": "cimkit", "workload": workload, "batch": batch, "threads": threads, unit: median(rates),
     "reps": rates.map { ($0 * 10).rounded() / 10 }]
}

/// Prints one JSON object on one line, keys sorted.
func emit(_ object: [String: Any]) {
    guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
    FileHandle.standardOutput.write(data + Data("\n".utf8))
}

/// The first error message of any worker.
final class FirstFailure: @unchecked Sendable {
    private let lock = NSLock()
    private var first: String?
    var message: String? { lock.lock(); defer { lock.unlock() }; return first }
    func set(_ m: String) { lock.lock(); defer { lock.unlock() }; if first == nil { first = m } }
}
