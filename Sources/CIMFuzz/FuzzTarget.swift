import CIMChipImage
import CIMCore
import CIMCrossbar
import CIMData
import CIMDevice
import CIMEvaluate
import CIMHDF5
import CIMNetwork
import CIMONNX
import CIMTrain
import Foundation

/// The readers a fuzz input can go to. Each takes the bytes as an untrusted file would give
/// them and must either decode them or throw ``CIMError``; a trap, a crash, a hang or an
/// allocation beyond the reader's limits is a bug (AddressSanitizer and libFuzzer's `-rss_limit_mb`
/// and `-timeout` catch those).
enum FuzzTarget: String, CaseIterable {
    /// `ONNXFile.decode`, then `ONNXImporter.importModel` (graph building, folding, shapes).
    case onnx
    /// `TensorArchive.decode` (safetensors), then `WeightsFile.network` (the weights schema).
    case safetensors
    /// `IDXFile(parsing:)` (uncompressed IDX).
    case idx
    /// `NPYReader.read(bytes:)` (one `.npy` array).
    case npy
    /// `DatasetFile.loadSplit` of a `.npz` (ZIP, deflate, CRC, then the arrays and labels), from a
    /// file in the temporary directory.
    case npz
    /// A chip image as the isolated HDF5 reader hands it over (``HDF5Snapshot``'s stream):
    /// `HDF5Snapshot.decode`, then every check of `ChipImageFile` (`check(snapshot:)`), and for
    /// an image that passes, what `evaluate` and `convert` then do with it (the noiseless chip
    /// engine, the quantised network, one forward pass each): an image verify accepts must never
    /// fail or trap later. libhdf5 itself runs in the reader process and is not fuzzed here.
    case chipimage
    /// `ChipDocument.parse` (a chip JSON file), then for a chip it accepts: its JSON re-encoded
    /// must parse to the same document, and a `--set` of every field to its own value must give
    /// the same spec.
    case chipfile
    /// `DeviceMeasurements.parse` (a device-measurements CSV), then for a file it accepts: the
    /// cells must account for every row with finite means, and when it has few devices,
    /// `DeviceFit.fit` must either refuse it with an error or give a result that encodes as JSON
    /// (no NaN) and a device that, if it validates, round-trips through its JSON.
    case devicecsv

    /// The target named by `CIMFUZZ_TARGET` (default onnx).
    static let current: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment["CIMFUZZ_TARGET"] ?? "onnx"
        guard let t = FuzzTarget(rawValue: name) else {
            FileHandle.standardError.write(Data("CIMFuzz: unknown CIMFUZZ_TARGET '\(name)' (\(allCases.map(\.rawValue).joined(separator: ", ")))\n".utf8))
            exit(2)
        }
        return t
    }()

    /// Runs one input; returns whether the reader accepted it.
    @discardableResult
    func run(_ bytes: [UInt8]) -> Bool {
        switch self {
        case .onnx:
            guard let model = try? ONNXFile.decode(Data(bytes), path: "fuzz.onnx") else { return false }
            return (try? ONNXImporter.importModel(model, name: "fuzz", path: "fuzz.onnx")) != nil
        case .safetensors:
            guard let archive = try? TensorArchive.decode(bytes, path: "fuzz.safetensors") else { return false }
            return (try? WeightsFile.network(from: archive, path: "fuzz.safetensors")) != nil
        case .idx:
            return (try? IDXFile(parsing: bytes, path: "fuzz.idx")) != nil
        case .npy:
            return (try? NPYReader.read(bytes: bytes, path: "fuzz.npy", name: "x")) != nil
        case .npz:
            guard FileManager.default.createFile(atPath: Self.scratch, contents: Data(bytes)) else { return false }
            return (try? DatasetFile.loadSplit(path: Self.scratch, images: "x_test", labels: "y_test")) != nil
        case .chipimage:
            let policy = ChipImageFile.readPolicy(fileSize: bytes.count)
            guard let root = try? HDF5Snapshot.decode(bytes, file: "fuzz.h5", policy: policy),
                  let image = ChipImageFile.check(snapshot: root).image else { return false }
            do {
                var engine = try ChipInstance.noiseless(image)
                var network = try image.quantizedNetwork()
                let x = Tensor(zeros: [1] + image.architecture.inputShape)
                _ = network.forward(x, training: false, engine: &engine)
                _ = network.forward(x, training: false)
            } catch {
                fatalError("CIMFuzz chipimage: verify accepted an image that later fails: \(error)")
            }
            return true
        case .chipfile:
            guard let doc = try? ChipDocument.parse(bytes, label: "fuzz.json") else { return false }
            guard let again = try? ChipDocument.parse(Array(doc.jsonText.utf8), label: "fuzz.json"), again == doc else {
                fatalError("CIMFuzz chipfile: an accepted chip does not round-trip through its JSON")
            }
            guard let tree = try? JSONValue.parse(Array(doc.jsonText.utf8)) else { fatalError("CIMFuzz chipfile: unparsable jsonText") }
            let sets = ChipDocument.specKeyPaths.compactMap { key -> String? in
                guard let v = tree[key.split(separator: ".").map(String.init)] else { return nil }
                if case .string(let s) = v { return key + "=" + s }
                return key + "=" + v.text
            }
            guard let same = try? ChipDocument.applying(sets, to: doc.spec, label: "fuzz.json"), same.spec == doc.spec else {
                fatalError("CIMFuzz chipfile: setting every field to its own value changed the chip")
            }
            return true
        case .devicecsv:
            guard let m = try? DeviceMeasurements.parse(bytes, label: "fuzz.csv") else { return false }
            Self.checkMeasurements(m)
            return true
        }
    }

    /// Checks an accepted measurements file and fits it (small files only, to keep the pace).
    static func checkMeasurements(_ m: DeviceMeasurements) {
        let counted = m.cells.reduce(0) { $0 + $1.reduce(0) { $0 + $1.count } }
        guard counted == m.rows, m.deviceIDs.count == m.targets.count, zip(m.times, m.times.dropFirst()).allSatisfy({ $0 < $1 }),
              m.cells.allSatisfy({ $0.count == m.times.count && $0.allSatisfy { $0.mean.isFinite && $0.sumSquares.isFinite && $0.sumSquares >= -1e-9 * max(1, abs($0.mean * $0.mean) * Double($0.count)) } }) else {
            fatalError("CIMFuzz devicecsv: an accepted file's cells do not account for its rows")
        }
        guard m.deviceIDs.count <= 64, let r = try? DeviceFit.fit(m, options: DeviceFitOptions(bootstrap: 100)) else { return }
        let device = r.device(base: DeviceModel(name: "base", levels: 0, gMinMicroSiemens: 0, gMaxMicroSiemens: r.gMaxMicroSiemens, readVoltage: 0.2,
                                                programmingSigmaMicroSiemens: 0, readSigmaMicroSiemens: 0), name: "fuzz")
        // a fit of wild data may give a device that does not validate (cim device fit then stops with that error line)
        if (try? device.validate()) != nil, (try? DeviceModel.parse(Array(device.jsonText.utf8), label: "fuzz")) != device {
            fatalError("CIMFuzz devicecsv: a fitted device does not round-trip through its JSON")
        }
        guard (try? JSONEncoder().encode(r)) != nil else { fatalError("CIMFuzz devicecsv: a fit result does not encode (NaN?)") }
    }

    /// The file the npz target reads (one per process).
    static let scratch = NSTemporaryDirectory() + "cimfuzz-\(getpid()).npz"
}
