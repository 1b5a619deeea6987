import CIMCore
import CIMData
import CIMHDF5
import Foundation
import Testing

@Suite("Dataset files (.npz, .h5)")
struct DatasetFileTests {
    /// The first 100 MNIST test images and labels.
    static let mnist100 = Result { try DatasetCatalog.loadTest(.mnist).prefix(100) }

    /// A temporary directory, removed by the caller.
    func dir() -> String { tempDir("dsf-\(UUID().uuidString)") }

    /// Bit patterns of a whole dataset's batch, and its labels.
    func bits(_ d: ImageDataset) -> ([UInt32], [Int32]) {
        let (x, y) = d.batch(indices: Array(0..<d.count)[...])
        return (x.data.map(\.bitPattern), y)
    }

    /// NCHW copy of NHWC `values`.
    func toNCHW<T>(_ values: [T], n: Int, h: Int, w: Int, c: Int) -> [T] {
        var out = values
        for i in 0..<n { for y in 0..<h { for x in 0..<w { for ch in 0..<c {
            out[((i * c + ch) * h + y) * w + x] = values[((i * h + y) * w + x) * c + ch]
        } } } }
        return out
    }

    @Test("MNIST's first 100 test images as a uint8 .npz (stored and deflate) and .h5 read back bit for bit as from IDX")
    func mnistOracle() throws {
        let mnist = try Self.mnist100.get()
        let d = dir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let arrays = [("x_test", NPZWriter.npy(descr: "|u1", shape: [100, 28, 28], payload: mnist.pixels)),
                      ("y_test", NPZWriter.npy(descr: "<i8", shape: [100], payload: NPZWriter.le(mnist.labels.map(Int64.init))))]
        try NPZWriter.write(NPZWriter.npz(arrays), to: d + "/stored.npz")
        try NPZWriter.write(NPZWriter.npz(arrays, method: 8), to: d + "/deflate.npz")
        let nhwc = [("x_test", NPZWriter.npy(descr: "|u1", shape: [100, 28, 28, 1], payload: mnist.pixels)), arrays[1]]
        try NPZWriter.write(NPZWriter.npz(nhwc), to: d + "/nhwc.npz")
        let h5 = try HDF5File.create(path: d + "/mnist.h5")
        try h5.root.createDataset("x_test", shape: [100, 28, 28], values: mnist.pixels, chunk: [10, 28, 28], gzipLevel: 4)
        try h5.root.createDataset("y_test", shape: [100], values: mnist.labels.map(Int64.init))
        try h5.close()
        let expected = bits(mnist)
        for file in ["stored.npz", "deflate.npz", "nhwc.npz", "mnist.h5"] {
            let back = try DatasetCatalog.loadTest(path: d + "/" + file)
            #expect(back.inputShape == [28, 28, 1] && back.pixels == mnist.pixels, "\(file)")
            #expect(bits(back) == expected, "\(file)")
        }
    }

    @Test("N×C×H×W with --layout nchw gives the same batches as N×H×W×C; float32 images round-trip exactly")
    func layoutsAndFloats() throws {
        let d = dir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let (n, h, w, c) = (4, 3, 5, 3)
        let pixels = (0..<(n * h * w * c)).map { UInt8(truncatingIfNeeded: $0 &* 37) }
        let floats = (0..<(n * h * w * c)).map { Float(bitPattern: 0x3F80_0000 &+ UInt32($0) &* 0x9E37) }  // all finite, odd bits
        let labels = NPZWriter.npy(descr: "<i4", shape: [n], payload: NPZWriter.le([Int32(3), 1, 0, 2]))
        let files: [(String, [UInt8])] = [
            ("u8-nhwc.npz", NPZWriter.npz([("x_test", NPZWriter.npy(descr: "|u1", shape: [n, h, w, c], payload: pixels)), ("y_test", labels)])),
            ("u8-nchw.npz", NPZWriter.npz([("x_test", NPZWriter.npy(descr: "|u1", shape: [n, c, h, w], payload: toNCHW(pixels, n: n, h: h, w: w, c: c))),
                                           ("y_test", labels)], method: 8)),
            ("f-nhwc.npz", NPZWriter.npz([("x_test", NPZWriter.npy(descr: "<f4", shape: [n, h, w, c], payload: NPZWriter.le(floats))), ("y_test", labels)])),
            ("f-nchw.npz", NPZWriter.npz([("x_test", NPZWriter.npy(descr: "<f4", shape: [n, c, h, w],
                                                                  payload: NPZWriter.le(toNCHW(floats, n: n, h: h, w: w, c: c)))), ("y_test", labels)])),
        ]
        for (name, bytes) in files { try NPZWriter.write(bytes, to: d + "/" + name) }
        var nchw = DatasetFileOptions()
        nchw.layout = .nchw
        let u8 = try DatasetCatalog.loadTest(path: d + "/u8-nhwc.npz")
        let u8t = try DatasetCatalog.loadTest(path: d + "/u8-nchw.npz", options: nchw)
        #expect(u8.inputShape == [h, w, c] && u8t.inputShape == [h, w, c] && bits(u8) == bits(u8t))
        #expect(bits(u8).0 == pixels.map { (Float($0) / 255).bitPattern })
        let f = try DatasetCatalog.loadTest(path: d + "/f-nhwc.npz")
        let ft = try DatasetCatalog.loadTest(path: d + "/f-nchw.npz", options: nchw)
        #expect(f.samples == .float32(floats) && f.pixels.isEmpty && bits(f).0 == floats.map(\.bitPattern) && bits(f) == bits(ft))
        #expect(f.labels == [3, 1, 0, 2] && f.classes == 4 && f.prefix(2).samples == .float32(Array(floats.prefix(2 * h * w * c))))
        // Without --layout, the N×C×H×W file is read as 3×5 images... of 3 rows: a different shape.
        #expect(try DatasetCatalog.loadTest(path: d + "/u8-nchw.npz").inputShape == [c, h, w])
    }

    @Test("HDF5: uint8 and float32 datasets in groups, integer labels, NCHW; h5py's own file")
    func hdf5() throws {
        let fixtures = NPZTests.fixtures
        var o = DatasetFileOptions()
        o.layout = .nchw
        o.testImages = "test/images"
        o.testLabels = "test/labels"
        let small = try DatasetCatalog.loadTest(path: fixtures + "/small.h5", options: o)
        let fromNPZ = try DatasetCatalog.loadTest(path: fixtures + "/small_stored.npz", options: o.withTestKeys("x_test", "y_test"))
        #expect(small.inputShape == [4, 4, 3] && small.labels == [4, 0, 3, 1, 2] && bits(small) == bits(fromNPZ))
        let grey = try DatasetCatalog.loadTest(path: fixtures + "/small.h5")
        #expect(grey.inputShape == [4, 4, 1] && grey.pixels == (0..<80).map(UInt8.init) && grey.labels == [4, 0, 3, 1, 2])
    }

    @Test("loading both splits records the file's SHA-256; calibration falls back to the test split")
    func splits() throws {
        let d = dir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        let x = NPZWriter.npy(descr: "|u1", shape: [2, 2, 2, 3], payload: Array(0..<24))
        let y = NPZWriter.npy(descr: "|u1", shape: [2], payload: [1, 0])
        let y7 = NPZWriter.npy(descr: "|u1", shape: [2], payload: [7, 0])
        let bytes = NPZWriter.npz([("x_train", x), ("y_train", y), ("x_test", x), ("y_test", y7)])
        try NPZWriter.write(bytes, to: d + "/both.npz")
        let s = try DatasetCatalog.load(path: d + "/both.npz")
        #expect(s.name == "custom" && s.directory == d + "/both.npz" && s.checksums == ["both.npz": SHA256.hex(of: bytes)])
        #expect(s.train.classes == 8 && s.test.classes == 8 && s.train.labelCounts == [1, 1, 0, 0, 0, 0, 0, 0])
        #expect(try DatasetCatalog.loadCalibration(path: d + "/both.npz").labels == [1, 0])
        try NPZWriter.write(NPZWriter.npz([("x_test", x), ("y_test", y7)]), to: d + "/test.npz")
        #expect(try DatasetCatalog.loadCalibration(path: d + "/test.npz").labels == [7, 0])
        #expect { try DatasetCatalog.load(path: d + "/test.npz") } throws: {
            "\($0)".contains("no array 'x_train' (the file holds x_test, y_test); name the arrays with --train-keys IMAGES,LABELS")
        }
        var o = DatasetFileOptions()
        o.layout = .nchw
        #expect { try DatasetCatalog.load(path: d, options: o) } throws: { "\($0)".contains("apply to .npz and .h5 files") }
        #expect { try DatasetCatalog.loadTest(path: d + "/missing.npz") } throws: { "\($0)".contains("cannot open") }
    }

    @Test("bad arrays: each one clear error naming the file and the array", arguments: [
        ("wrong dtype", "x_test: images must be uint8 or float32, found float64 (save x.astype(np.float32))"),
        ("int images", "images must be uint8 or float32, found int64"),
        ("wrong rank", "x_test: images must have shape N×H×W×C, N×C×H×W or N×H×W, found [6, 4]"),
        ("empty image", "image shape [0, 2] has an empty dimension"),
        ("label range", "y_test[1] = 256 is not a class index in 0…255 (labels are stored in 8 bits: at most 256 classes)"),
        ("negative label", "y_test[2] = -1 is not a class index"),
        ("float labels", "y_test: labels must be integer class indices, found float32"),
        ("label rank", "y_test: labels must have shape [N] (or [N, 1]), found [3, 2]"),
        ("count mismatch", "3 images in x_test but 2 labels in y_test"),
        ("nan", "x_test[1, 0, 1] is nan; images must be finite"),
        ("inf", "x_test[2, 1, 0] is -inf; images must be finite"),
    ])
    func badArrays(kind: String, message: String) throws {
        let d = dir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        var floats = [Float](repeating: 0.5, count: 12)
        var x = NPZWriter.npy(descr: "|u1", shape: [3, 2, 2], payload: Array(0..<12))
        var y = NPZWriter.npy(descr: "<i8", shape: [3], payload: NPZWriter.le([Int64(0), 1, 2]))
        switch kind {
        case "wrong dtype": x = NPZWriter.npy(descr: "<f8", shape: [3, 2, 2], payload: [UInt8](repeating: 0, count: 96))
        case "int images": x = NPZWriter.npy(descr: "<i8", shape: [3, 2, 2], payload: [UInt8](repeating: 0, count: 96))
        case "wrong rank": x = NPZWriter.npy(descr: "|u1", shape: [6, 4], payload: Array(0..<24))
        case "empty image": x = NPZWriter.npy(descr: "|u1", shape: [3, 0, 2], payload: [])
        case "label range": y = NPZWriter.npy(descr: "<i8", shape: [3], payload: NPZWriter.le([Int64(0), 256, 2]))
        case "negative label": y = NPZWriter.npy(descr: "|i1", shape: [3], payload: [0, 1, 0xFF])
        case "float labels": y = NPZWriter.npy(descr: "<f4", shape: [3], payload: NPZWriter.le([Float(0), 1, 2]))
        case "label rank": y = NPZWriter.npy(descr: "|u1", shape: [3, 2], payload: Array(0..<6))
        case "count mismatch": y = NPZWriter.npy(descr: "|u1", shape: [2], payload: [0, 1])
        case "nan":
            floats[5] = .nan
            x = NPZWriter.npy(descr: "<f4", shape: [3, 2, 2], payload: NPZWriter.le(floats))
        default:
            floats[10] = -.infinity
            x = NPZWriter.npy(descr: "<f4", shape: [3, 2, 2], payload: NPZWriter.le(floats))
        }
        try NPZWriter.write(NPZWriter.npz([("x_test", x), ("y_test", y)], method: 8), to: d + "/bad.npz")
        #expect { try DatasetCatalog.loadTest(path: d + "/bad.npz") } throws: { e in
            "\(e)".hasPrefix(d + "/bad.npz: ") && "\(e)".contains(message) && !"\(e)".contains("\n")
        }
        // The same arrays in an HDF5 file give the same errors (where HDF5 can store them).
        guard ["wrong rank", "label range", "count mismatch", "nan"].contains(kind) else { return }
        let h5 = try HDF5File.create(path: d + "/bad.h5")
        let a = try NPYReader.read(bytes: x, path: "x", name: "x"), b = try NPYReader.read(bytes: y, path: "y", name: "y")
        switch a.values {
        case .uint8(let v): try h5.root.createDataset("x_test", shape: a.shape, values: v)
        case .float32(let v): try h5.root.createDataset("x_test", shape: a.shape, values: v)
        case .integers(let v): try h5.root.createDataset("x_test", shape: a.shape, values: v)
        }
        switch b.values {
        case .uint8(let v): try h5.root.createDataset("y_test", shape: b.shape, values: v)
        case .float32(let v): try h5.root.createDataset("y_test", shape: b.shape, values: v)
        case .integers(let v): try h5.root.createDataset("y_test", shape: b.shape, values: v)
        }
        try h5.close()
        #expect { try DatasetCatalog.loadTest(path: d + "/bad.h5") } throws: { e in
            "\(e)".hasPrefix(d + "/bad.h5: ") && "\(e)".contains(message) && !"\(e)".contains("\n")
        }
    }

    @Test("HDF5 files: not HDF5, missing dataset, a shape beyond the file's size, an unsupported type")
    func badHDF5() throws {
        let d = dir()
        defer { try? FileManager.default.removeItem(atPath: d) }
        try NPZWriter.write(Array("not hdf5".utf8), to: d + "/text.h5")
        #expect { try DatasetCatalog.loadTest(path: d + "/text.h5") } throws: { "\($0)".contains("not a readable HDF5 file") }
        let h5 = try HDF5File.create(path: d + "/a.h5")
        try h5.root.createDataset("x_test", shape: [1, 2, 2], values: [Double](repeating: 0, count: 4))
        try h5.root.createDataset("y_test", shape: [1], values: [Int64(0)])
        try h5.root.createDataset("x8", shape: [1, 2, 2], values: [UInt8](repeating: 0, count: 4))
        try h5.close()
        #expect { try DatasetCatalog.loadTest(path: d + "/a.h5") } throws: { "\($0)".contains("found float64") }
        var limits = DatasetFileLimits()
        limits.maxElements = 3
        #expect { try DatasetFile.loadSplit(path: d + "/a.h5", images: "x8", labels: "y_test", limits: limits) } throws: {
            "\($0)".contains("x8: shape [1, 2, 2] has more than 3 elements (the limit)")
        }
        limits = DatasetFileLimits()
        limits.maxExpansion = 0
        limits.expansionSlackBytes = 2
        #expect { try DatasetFile.loadSplit(path: d + "/a.h5", images: "x8", labels: "y_test", limits: limits) } throws: {
            "\($0)".contains(": the file's values need more than 2 bytes (the limit for this kind of file)")
        }
        #expect { try DatasetFile.loadSplit(path: d + "/a.h5", images: "nothing", labels: "y_test") } throws: {
            "\($0)".contains("no array 'nothing' (the file holds x8, x_test, y_test)")
        }
    }
}

extension DatasetFileOptions {
    /// A copy with other test-split names.
    func withTestKeys(_ images: String, _ labels: String) -> DatasetFileOptions {
        var o = self
        o.testImages = images
        o.testLabels = labels
        return o
    }
}
