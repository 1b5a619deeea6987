import CIMChipImage
import CIMCore
import CIMCrossbar
import CIMData
import CIMMap
import CIMNetwork
import CIMTrain
import Foundation
import Testing

/// Whether `python3` can import h5py and NumPy, the only dependencies of
/// `scripts/chip_image_infer.py`. Without them the test below is skipped (the skip and its
/// reason show in the test output); `scripts/install-deps.sh` tries to install h5py.
let h5pyAvailable: Bool = {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", "import h5py, numpy"]
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    guard (try? p.run()) != nil else { return false }
    p.waitUntilExit()
    return p.terminationStatus == 0
}()

/// `scripts/chip_image_infer.py` reads a chip image with h5py + NumPy only (schemas/chip-image-v4.md):
/// its noiseless accuracy must equal CIMKit's, and its metadata must satisfy the JSON schema.
@Suite("scripts/chip_image_infer.py", .serialized)
struct PythonExampleTests {
    struct Run { var status: Int32; var stdout: String; var stderr: String }

    /// The source tree (this file is Tests/CLITests/PythonExampleTests.swift).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// The `cim` binary next to this test bundle (as in ``CLITests``).
    static var cimBinary: String {
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 where !FileManager.default.fileExists(atPath: url.appendingPathComponent("cim").path) {
            url.deleteLastPathComponent()
        }
        return url.appendingPathComponent("cim").path
    }

    /// Runs a program; stdout and stderr go through files so that neither pipe can fill up.
    func run(_ executable: String, _ args: [String], in dir: String) throws -> Run {
        let out = dir + "/.stdout", err = dir + "/.stderr"
        for path in [out, err] { try Data().write(to: URL(fileURLWithPath: path)) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: Self.root)
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        try p.run()
        p.waitUntilExit()
        let text = { (path: String) in String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self) }
        return Run(status: p.terminationStatus, stdout: text(out), stderr: text(err))
    }

    func cim(_ args: [String], in dir: String) throws -> Run { try run(Self.cimBinary, args, in: dir) }

    func python(_ args: [String], in dir: String) throws -> Run {
        try run("/usr/bin/env", ["python3", Self.root + "/scripts/chip_image_infer.py"] + args, in: dir)
    }

    @Test("NumPy's noiseless accuracy equals Swift's on 2,000 test images; --metadata satisfies the JSON schema",
          // Skipped, with this reason in the output, when h5py or NumPy is missing.
          .enabled(if: h5pyAvailable, "python3 cannot import h5py and numpy (scripts/install-deps.sh installs h5py)"))
    func numpyMatchesSwift() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cimkit-py-\(getpid())-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // 100 batches (about a second): with 20 the model stays near chance (~15 %), and two
        // near-constant classifiers would agree even with a wrong weight layout.
        let train = try cim(["train", "--rule", "mixed-precision", "--train-limit", "2000", "--test-limit", "500",
                             "--batches-per-epoch", "100", "--epochs", "1", "--out", dir + "/run", "--quiet"], in: dir)
        try #require(train.status == 0, "cim train: \(train.stderr)")
        let image = dir + "/lenet.h5"
        let export = try cim(["export", dir + "/run/model.safetensors", "--chip", "wu2023-inference", "--out", image], in: dir)
        try #require(export.status == 0, "cim export: \(export.stderr)")

        // NumPy, from the documented layout only
        let mnist = try DatasetCatalog.shippedMNISTDirectory()
        let py = try python([image, "--data", mnist, "--limit", "2000"], in: dir)
        try #require(py.status == 0, "chip_image_infer.py: \(py.stderr)")
        let match = try #require(py.stdout.firstMatch(of: #/accuracy [0-9.]+ \(([0-9]+)/([0-9]+) /#), "no accuracy in: \(py.stdout)")
        let numpyCount = try #require(Int(match.output.2))
        let numpy = Double(try #require(Int(match.output.1))) / Double(numpyCount)

        // Swift: the same image's quantised network
        try BLAS.load()
        let net = try ChipImageFile.read(path: image).quantizedNetwork()
        let test = try DatasetCatalog.load(.mnist).test.prefix(2000)
        let swift = Evaluator.evaluate(net, on: test).accuracy
        print("chip_image_infer.py: Swift \(swift), NumPy \(numpy) on \(test.count) images")
        #expect(numpyCount == test.count)
        #expect(abs(swift - numpy) <= 0.001 + 1e-12, "Swift \(swift) vs NumPy \(numpy)")
        #expect(swift > 0.6, "the comparison needs a model that has learnt something: \(swift)")

        // --metadata: {path: attributes} against schemas/chip-image-v4.schema.json
        let meta = try python([image, "--metadata"], in: dir)
        try #require(meta.status == 0, "chip_image_infer.py --metadata: \(meta.stderr)")
        let metadata = try #require(try JSONSerialization.jsonObject(with: Data(meta.stdout.utf8)) as? [String: Any])
        let schemaData = try Data(contentsOf: URL(fileURLWithPath: Self.root + "/schemas/chip-image-v4.schema.json"))
        let schema = try #require(try JSONSerialization.jsonObject(with: schemaData) as? [String: Any])
        let checker = SchemaSubset(root: schema)
        let required = try #require(schema["required"] as? [String])
        #expect(required.contains("/tiles") && required.allSatisfy { metadata[$0] != nil },
                "missing: \(required.filter { metadata[$0] == nil })")
        for (key, def) in try #require(schema["properties"] as? [String: Any]) {
            guard let attributes = metadata[key] as? [String: Any] else { continue }
            let names = checker.requiredKeys(def)
            #expect(!names.isEmpty && names.allSatisfy { attributes[$0] != nil }, "\(key) lacks \(names.filter { attributes[$0] == nil })")
        }
        let problems = checker.problems(metadata, schema, at: "")
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        // the layer groups (patternProperties) were checked too: a damaged copy must fail
        var damaged = metadata
        var conv = try #require(metadata["/network/layer_000"] as? [String: Any])
        conv["kernel"] = nil
        damaged["/network/layer_000"] = conv
        damaged["/tiles"] = [String: Any]()  // no count
        #expect(checker.problems(damaged, schema, at: "").count >= 2)
        #expect((metadata["/tiles"] as? [String: Any])?["count"] as? Int == (try ChipImageFile.read(path: image)).tiles.count)
    }

    /// An MNIST-shaped layer graph with every v2 layer kind: an affine layer on the input,
    /// strided and padded convs, a depthwise conv with asymmetric padding, ReLU6, a 1×1
    /// projection shortcut, a residual add, an affine layer after it, leaky ReLU, a grouped
    /// conv, average and global average pooling, an affine layer on the features (random
    /// weights, scales and shifts: see ``network()``).
    static let graph = Architecture(
        name: "mnist-graph", inputShape: [28, 28, 1],
        layers: [.affine(channels: 1), conv(1, 8, 3, stride: 2, padding: [1, 1, 1, 1]), .relu,
                 conv(8, 8, 3, padding: [1, 1, 1, 1], groups: 8), .clip(min: 0, max: 6),
                 conv(8, 8, 1), .add, .affine(channels: 8), .leakyRelu(slope: 0.1),
                 conv(8, 16, 3, stride: 2, padding: [0, 0, 1, 1], groups: 2),
                 .avgPool(spec: PoolSpec(kernelHeight: 3, kernelWidth: 3, strideHeight: 2, strideWidth: 2, padding: [1, 1, 1, 1])),
                 .globalAvgPool, .flatten, .affine(channels: 16), .dense(inFeatures: 16, outFeatures: 10)],
        inputs: [[-1], [0], [1], [2], [3], [2], [4, 5], [6], [7], [8], [9], [10], [11], [12], [13]])

    /// ``graph`` with seeded random weights and random signed affine scales and shifts.
    static func network() throws -> Network {
        var network = try Network(architecture: graph, seed: 5)
        var rng = RandomGenerator(seed: 6, stream: "affine")
        for (i, layer) in graph.layers.enumerated() {
            guard case let .affine(c) = layer else { continue }
            for k in 0..<c {
                network.parameters[network.offsets[i] + k] = rng.uniform(0.5, 1.5) * (k % 3 == 2 ? -1 : 1)
                network.parameters[network.offsets[i] + c + k] = rng.uniform(-0.3, 0.3)
            }
        }
        return network
    }

    static func conv(_ i: Int, _ o: Int, _ k: Int, stride: Int = 1, padding: [Int] = [0, 0, 0, 0], groups: Int = 1) -> LayerSpec {
        .convolution(spec: ConvolutionSpec(inChannels: i, outChannels: o, kernelHeight: k, kernelWidth: k, strideHeight: stride,
                                           strideWidth: stride, padding: padding, groups: groups))
    }

    @Test("a v2 layer graph: NumPy's logits equal Swift's with the ideal periphery and with the chip's DAC and ADC",
          .enabled(if: h5pyAvailable, "python3 cannot import h5py and numpy (scripts/install-deps.sh installs h5py)"))
    func numpyMatchesSwiftOnGraph() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cimkit-py-graph-\(getpid())-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try BLAS.load()
        let test = try DatasetCatalog.load(.mnist).test.prefix(500)
        let x = test.batch(indices: Array(0..<test.count)[...]).x
        let network = try Self.network()
        var config = MappingConfig(spec: ChipPreset.wu2023Inference.spec)
        config.monteCarloDraws = 0
        let image = try Mapper(config: config).map(TrainedModel(network: network), calibration: nil, creator: "test")
        let path = dir + "/graph.h5"
        try ChipImageFile.write(image, to: path)
        let quantised = try image.quantizedNetwork()
        var digital = quantised
        var engine = try image.engine(noise: nil)
        var onChip = quantised
        let swift = ["ideal": digital.forward(x, training: false).data,
                     "chip": onChip.forward(x, training: false, engine: &engine).data]
        let mnist = try DatasetCatalog.shippedMNISTDirectory()
        for periphery in ["ideal", "chip"] {
            let out = dir + "/\(periphery).txt"
            let py = try python([path, "--data", mnist, "--limit", "500", "--periphery", periphery, "--logits", out], in: dir)
            try #require(py.status == 0, "chip_image_infer.py --periphery \(periphery): \(py.stderr)")
            let numpy = try String(contentsOfFile: out, encoding: .utf8).split(whereSeparator: { $0 == "\n" || $0 == " " }).compactMap { Float($0) }
            let theirs = try #require(swift[periphery])
            try #require(numpy.count == theirs.count, "\(numpy.count) logits from NumPy, \(theirs.count) from Swift")
            let scale = theirs.map(abs).max()!
            let differences = zip(numpy, theirs).map { abs($0 - $1) / scale }
            let close = differences.filter { $0 <= 1e-4 }.count
            print("chip_image_infer.py graph, \(periphery) periphery: \(close)/\(theirs.count) logits within 1e-4 of Swift's "
                + "(relative to max |logit| \(scale)), largest difference \(differences.max()!)")
            if periphery == "ideal" {
                // the same float32 steps; only the order of the sums in the GEMMs differs
                #expect(differences.max()! <= 1e-4)
            } else {
                // the same, except where a sum lands within float32 rounding of a DAC or ADC code
                // boundary: that one conversion moves by one code
                #expect(Double(close) >= 0.99 * Double(theirs.count) && differences.max()! < 0.05)
            }
            let spread = theirs.indices.filter { $0 % 10 == 0 }.map { theirs[$0] }
            #expect(Set(spread).count > 100, "the inputs must give different logits")
        }
        // the graph's metadata (affine layers and their scale/shift datasets included) satisfies the JSON schema
        let meta = try python([path, "--metadata"], in: dir)
        try #require(meta.status == 0, "chip_image_infer.py --metadata: \(meta.stderr)")
        let metadata = try #require(try JSONSerialization.jsonObject(with: Data(meta.stdout.utf8)) as? [String: Any])
        let schemaData = try Data(contentsOf: URL(fileURLWithPath: Self.root + "/schemas/chip-image-v4.schema.json"))
        let schema = try #require(try JSONSerialization.jsonObject(with: schemaData) as? [String: Any])
        #expect((metadata["/network/layer_007"] as? [String: Any])?["channels"] as? Int == 8)
        #expect(metadata["/network/layer_013/shift"] != nil)
        let problems = SchemaSubset(root: schema).problems(metadata, schema, at: "")
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        let summary = py(summaryOf: path, in: dir)
        #expect(summary.contains("<- [4, 5]") && summary.contains("  7 affine"), "\(summary)")
    }

    @Test("a calibrated v3 image (column scales, static input ranges, tile ADC full scales; grouped layers): NumPy's chip-periphery logits equal Swift's",
          .enabled(if: h5pyAvailable, "python3 cannot import h5py and numpy (scripts/install-deps.sh installs h5py)"))
    func numpyMatchesSwiftCalibrated() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cimkit-py-cal-\(getpid())-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try BLAS.load()
        let test = try DatasetCatalog.load(.mnist).test.prefix(300)
        let x = test.batch(indices: Array(0..<test.count)[...]).x
        var config = MappingConfig(spec: ChipPreset.wu2023Inference.spec)
        config.monteCarloDraws = 0
        config.calibration = CalibrationConfig(weightClip: .percentile(99))
        let calibration = try DatasetCatalog.load(.mnist).train.batch(indices: Array(0..<64)[...]).x
        let image = try Mapper(config: config).map(TrainedModel(network: try Self.network()), calibration: calibration, creator: "test")
        #expect(image.layers.allSatisfy { $0.calibration?.inputRanges != nil && $0.calibration?.adcFullScalesMicroAmps != nil })
        let path = dir + "/calibrated.h5"
        try ChipImageFile.write(image, to: path)
        var net = try image.quantizedNetwork()
        var engine = try image.engine(noise: nil)
        let swift = net.forward(x, training: false, engine: &engine).data
        let out = dir + "/chip.txt"
        let py = try python([path, "--data", try DatasetCatalog.shippedMNISTDirectory(), "--limit", "300", "--periphery", "chip", "--logits", out], in: dir)
        try #require(py.status == 0, "chip_image_infer.py: \(py.stderr)")
        let numpy = try String(contentsOfFile: out, encoding: .utf8).split(whereSeparator: { $0 == "\n" || $0 == " " }).compactMap { Float($0) }
        try #require(numpy.count == swift.count)
        let scale = swift.map(abs).max()!
        let differences = zip(numpy, swift).map { abs($0 - $1) / scale }
        let close = differences.filter { $0 <= 1e-4 }.count
        print("chip_image_infer.py calibrated: \(close)/\(swift.count) logits within 1e-4, largest difference \(differences.max()!)")
        // as for the uncalibrated graph: only sums within float32 rounding of a code boundary may move by one code
        #expect(Double(close) >= 0.99 * Double(swift.count) && differences.max()! < 0.05)
        let meta = try python([path, "--metadata"], in: dir)
        let metadata = try #require(try JSONSerialization.jsonObject(with: Data(meta.stdout.utf8)) as? [String: Any])
        let schema = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.root + "/schemas/chip-image-v4.schema.json"))) as? [String: Any])
        let problems = SchemaSubset(root: schema).problems(metadata, schema, at: "")
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        #expect(metadata["/network/layer_001/input_range"] != nil && metadata["/provenance"].map { ($0 as? [String: Any])?["calibration"] != nil } == true)
    }

    @Test("a bit-sliced v4 image (4 slices of 4-level devices, calibrated, grouped layers): NumPy's ideal and chip-periphery logits equal Swift's",
          .enabled(if: h5pyAvailable, "python3 cannot import h5py and numpy (scripts/install-deps.sh installs h5py)"))
    func numpyMatchesSwiftSliced() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cimkit-py-sliced-\(getpid())-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try BLAS.load()
        let test = try DatasetCatalog.load(.mnist).test.prefix(300)
        let x = test.batch(indices: Array(0..<test.count)[...]).x
        var config = MappingConfig(spec: ChipPreset.wu2023Inference.spec)
        config.spec.device.levels = 4
        config.monteCarloDraws = 0
        config.calibration = CalibrationConfig()
        config.slices = 4
        let calibration = try DatasetCatalog.load(.mnist).train.batch(indices: Array(0..<64)[...]).x
        let image = try Mapper(config: config).map(TrainedModel(network: try Self.network()), calibration: calibration, creator: "test")
        #expect(image.layers.allSatisfy { $0.slicing.count == 4 && $0.calibration != nil })
        let path = dir + "/sliced.h5"
        try ChipImageFile.write(image, to: path)
        var net = try image.quantizedNetwork()
        let ideal = net.forward(x, training: false).data
        var engine = try image.engine(noise: nil)
        let chip = net.forward(x, training: false, engine: &engine).data
        for (periphery, swift) in [("ideal", ideal), ("chip", chip)] {
            let out = dir + "/\(periphery).txt"
            let py = try python([path, "--data", try DatasetCatalog.shippedMNISTDirectory(), "--limit", "300", "--periphery", periphery, "--logits", out], in: dir)
            try #require(py.status == 0, "chip_image_infer.py: \(py.stderr)")
            #expect(py.stdout.contains("on 4 slices"), "\(py.stdout)")
            let numpy = try String(contentsOfFile: out, encoding: .utf8).split(whereSeparator: { $0 == "\n" || $0 == " " }).compactMap { Float($0) }
            try #require(numpy.count == swift.count)
            let scale = swift.map(abs).max()!
            let differences = zip(numpy, swift).map { abs($0 - $1) / scale }
            let close = differences.filter { $0 <= 1e-4 }.count
            print("chip_image_infer.py sliced, \(periphery) periphery: \(close)/\(swift.count) logits within 1e-4, largest difference \(differences.max()!)")
            #expect(Double(close) >= 0.99 * Double(swift.count) && differences.max()! < 0.05)
        }
        let meta = try python([path, "--metadata"], in: dir)
        let metadata = try #require(try JSONSerialization.jsonObject(with: Data(meta.stdout.utf8)) as? [String: Any])
        let schema = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.root + "/schemas/chip-image-v4.schema.json"))) as? [String: Any])
        let problems = SchemaSubset(root: schema).problems(metadata, schema, at: "")
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        #expect(metadata.values.contains { ($0 as? [String: Any])?["slices"] as? Int == 4 })
    }

    func py(summaryOf path: String, in dir: String) -> String {
        (try? python([path, "--limit", "1"], in: dir).stdout) ?? ""
    }


}

/// The part of JSON Schema (draft 2020-12) that `schemas/chip-image-v1.schema.json` uses: `$ref`
/// into `$defs`, type, const, enum, numeric bounds, multipleOf, pattern, minLength, minItems,
/// items, required, properties, patternProperties, additionalProperties, allOf, anyOf, oneOf, not,
/// if/then/else.
struct SchemaSubset {
    let root: [String: Any]

    func resolve(_ ref: String) -> Any? {
        ref.split(separator: "/").dropFirst().reduce(root as Any?) { ($0 as? [String: Any])?[String($1)] }
    }

    /// The `required` names of a schema, following `$ref`.
    func requiredKeys(_ schema: Any) -> [String] {
        guard let s = schema as? [String: Any] else { return [] }
        return (s["required"] as? [String] ?? []) + ((s["$ref"] as? String).flatMap(resolve).map(requiredKeys) ?? [])
    }

    static func equal(_ a: Any, _ b: Any) -> Bool {
        if let x = a as? String, let y = b as? String { return x == y }
        if let x = a as? NSNumber, let y = b as? NSNumber, !(a is String), !(b is String) { return x.doubleValue == y.doubleValue }
        return false
    }

    static func hasType(_ v: Any, _ type: String) -> Bool {
        switch type {
        case "object": return v is [String: Any]
        case "array": return v is [Any]
        case "string": return v is String
        case "number": return v is NSNumber && !(v is String)
        case "integer": return (v as? NSNumber).map { !(v is String) && $0.doubleValue.rounded() == $0.doubleValue } ?? false
        default: return false
        }
    }

    func valid(_ value: Any, _ schema: Any) -> Bool { problems(value, schema, at: "").isEmpty }

    /// Every violation of `schema` by `value`, one line each (empty = valid).
    func problems(_ value: Any, _ schema: Any, at path: String) -> [String] {
        guard let s = schema as? [String: Any] else { return [] }
        var out: [String] = []
        func fail(_ what: String) { out.append("\(path.isEmpty ? "(metadata)" : path): \(what)") }
        if let ref = s["$ref"] as? String {
            if let target = resolve(ref) { out += problems(value, target, at: path) } else { fail("unresolved \(ref)") }
        }
        if let t = s["type"] as? String, !Self.hasType(value, t) { fail("\(value) is not of type \(t)") }
        if let c = s["const"], !Self.equal(value, c) { fail("\(value) is not \(c)") }
        if let e = s["enum"] as? [Any], !e.contains(where: { Self.equal(value, $0) }) { fail("\(value) is not one of \(e)") }
        if let n = value as? NSNumber, !(value is String) {
            let x = n.doubleValue
            func bound(_ key: String) -> Double? { (s[key] as? NSNumber)?.doubleValue }
            if let m = bound("minimum"), x < m { fail("\(x) < minimum \(m)") }
            if let m = bound("maximum"), x > m { fail("\(x) > maximum \(m)") }
            if let m = bound("exclusiveMinimum"), x <= m { fail("\(x) ≤ exclusiveMinimum \(m)") }
            if let m = bound("exclusiveMaximum"), x >= m { fail("\(x) ≥ exclusiveMaximum \(m)") }
            if let m = bound("multipleOf"), (x / m).rounded() != x / m { fail("\(x) is not a multiple of \(m)") }
        }
        if let text = value as? String {
            if let p = s["pattern"] as? String, (try? Regex(p)).map({ text.contains($0) }) != true { fail("'\(text)' does not match \(p)") }
            if let m = (s["minLength"] as? NSNumber)?.intValue, text.count < m { fail("shorter than \(m)") }
        }
        if let array = value as? [Any] {
            if let m = (s["minItems"] as? NSNumber)?.intValue, array.count < m { fail("fewer than \(m) items") }
            if let items = s["items"] { for (i, v) in array.enumerated() { out += problems(v, items, at: "\(path)[\(i)]") } }
        }
        if let object = value as? [String: Any] {
            for k in s["required"] as? [String] ?? [] where object[k] == nil { fail("missing required \(k)") }
            let properties = s["properties"] as? [String: Any] ?? [:]
            let patterns = (s["patternProperties"] as? [String: Any] ?? [:]).compactMap { p, sub in (try? Regex(p)).map { ($0, sub) } }
            for (k, v) in object.sorted(by: { $0.key < $1.key }) {
                let at = path.isEmpty ? k : "\(path).\(k)"
                var matched = false
                if let sub = properties[k] { out += problems(v, sub, at: at); matched = true }
                for (regex, sub) in patterns where k.contains(regex) { out += problems(v, sub, at: at); matched = true }
                if !matched, let extra = s["additionalProperties"] {
                    if extra as? Bool == false { fail("unexpected key \(k)") } else { out += problems(v, extra, at: at) }
                }
            }
        }
        for sub in s["allOf"] as? [Any] ?? [] { out += problems(value, sub, at: path) }
        if let any = s["anyOf"] as? [Any], !any.contains(where: { valid(value, $0) }) { fail("matches none of anyOf") }
        if let one = s["oneOf"] as? [Any], one.filter({ valid(value, $0) }).count != 1 {
            fail("matches \(one.filter { valid(value, $0) }.count) of oneOf, not exactly one")
        }
        if let not = s["not"], valid(value, not) { fail("matches a 'not' schema") }
        if let cond = s["if"] {
            if let branch = valid(value, cond) ? s["then"] : s["else"] { out += problems(value, branch, at: path) }
        }
        return out
    }
}
