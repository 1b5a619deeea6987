import CIMCore
import CIMNetwork
import CIMONNX
import Foundation

/// `CIMBench onnx MODEL.onnx`: import time, and digital inference throughput of the imported
/// network on 2,000 seeded random inputs in batches of 100, with `OMP_NUM_THREADS` threads for
/// OpenBLAS and so oneDNN alike (default 1; scripts/bench-onnx.sh runs 1 and 2, and onnxruntime
/// on the same file in the same run). With `CIMBENCH_CHIP=1` also export, verify and Monte Carlo
/// evaluation on `wu2023-inference` (`ONNXChipBench.swift`).
func benchONNX(_ path: String) throws {
    var times: [Double] = []
    var imported: ImportedModel?
    for _ in 0..<5 {
        let t = ProcessStats.now()
        imported = try ONNXImporter.importModel(try ONNXFile.read(path: path), name: "bench", path: path)
        times.append(ProcessStats.now() - t)
    }
    guard let model = imported else { return }
    let net = try model.network()
    let shape = model.architecture.inputShape
    print(String(format: "CIMKit import of %@: %.1f ms (median of 5); %d layers, %d weights, input %@",
                 (path as NSString).lastPathComponent, 1000 * median(times), model.architecture.layers.count,
                 model.architecture.weightCount, shape.map(String.init).joined(separator: "×")))
    let per = shape.reduce(1, *), count = 2000, batch = 100
    var rng = RandomGenerator(seed: 0, stream: "bench-onnx")
    let inputs = (0..<(count * per)).map { _ in rng.nextFloat() }
    try BLAS.load()
    let threads = Int(ProcessInfo.processInfo.environment["OMP_NUM_THREADS"] ?? "") ?? 1
    do {
        BLAS.setThreads(threads)
        var rates: [Double] = []
        var digital = DigitalProduct()
        for r in 0..<4 {
            let t = ProcessStats.now()
            inferAll(net, inputs: inputs, count: count, batch: batch, engine: &digital)
            if r > 0 { rates.append(Double(count) / (ProcessStats.now() - t)) }
        }
        print(String(format: "CIMKit digital inference, batch %d, %d thread(s) (oneDNN convolutions%@): %.0f images/s", batch, threads,
                     ProcessInfo.processInfo.environment["CIMKIT_CONV"] == "im2col" ? " off: im2col + GEMM" : "", median(rates)))
    }
    if ProcessInfo.processInfo.environment["CIMBENCH_CHIP"] == "1" {
        try benchONNXChip(net, inputs: inputs, count: count, threads: threads)
    }
}
