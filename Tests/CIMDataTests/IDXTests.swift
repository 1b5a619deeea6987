import CIMCore
import CIMData
import CZlib
import Foundation
import Testing

/// Builds an IDX byte array: header `0 0 8 rank`, big-endian dims, payload.
func idxBytes(dims: [Int], payload: [UInt8]) -> [UInt8] {
    var out: [UInt8] = [0, 0, 8, UInt8(dims.count)]
    for d in dims { out += [UInt8(d >> 24 & 255), UInt8(d >> 16 & 255), UInt8(d >> 8 & 255), UInt8(d & 255)] }
    return out + payload
}

/// A fresh temporary directory for one test.
func tempDir(_ name: String) -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cimkit-\(name)-\(getpid())").path
    try? FileManager.default.removeItem(atPath: dir)
    try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// Writes `bytes` gzip-compressed with zlib.
func writeGzip(_ bytes: [UInt8], to path: String) {
    let f = gzopen(path, "wb")!
    bytes.withUnsafeBufferPointer { _ = gzwrite(f, $0.baseAddress, UInt32($0.count)) }
    gzclose(f)
}

@Suite("IDX reader")
struct IDXTests {
    @Test("parses a good file")
    func good() throws {
        let payload = (0..<24).map { UInt8($0) }
        let f = try IDXFile(parsing: idxBytes(dims: [2, 3, 4], payload: payload), path: "x", expectedRank: 3)
        #expect(f.dimensions == [2, 3, 4])
        #expect(f.bytes == payload)
    }

    @Test("rejects malformed content with a message naming the file and the problem",
          arguments: [
            ([0, 0, 8], "too short"),
            ([1, 0, 8, 1, 0, 0, 0, 0], "not an IDX file"),
            ([0, 0, 0x0D, 1, 0, 0, 0, 0], "unsupported IDX element type"),
            ([0, 0, 8, 3, 0, 0, 0, 1], "truncated IDX header"),
            (idxBytes(dims: [2, 2, 2], payload: [1, 2, 3]), "truncated: dimensions [2, 2, 2] need 8"),
            (idxBytes(dims: [1, 1, 1], payload: [1, 2]), "unexpected bytes"),
            (idxBytes(dims: [4], payload: [1, 2, 3, 4]), "has 1 dimensions, expected 3"),
          ] as [([UInt8], String)])
    func bad(bytes: [UInt8], message: String) {
        do {
            _ = try IDXFile(parsing: bytes, path: "/data/bad-file", expectedRank: 3)
            Issue.record("accepted malformed IDX content")
        } catch {
            #expect(error.description.hasPrefix("/data/bad-file: "))
            #expect(error.description.contains(message), "\(error.description)")
        }
    }

    @Test("reads plain and gzip files alike; truncated or corrupt gzip is an error")
    func gzip() throws {
        let dir = tempDir("gz")
        let payload = (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 7919) }
        let bytes = idxBytes(dims: [5000], payload: payload)
        try Data(bytes).write(to: URL(fileURLWithPath: dir + "/plain"))
        writeGzip(bytes, to: dir + "/packed.gz")
        #expect(try IDXFile(path: dir + "/plain").bytes == payload)
        #expect(try IDXFile(path: dir + "/packed.gz").bytes == payload)

        let gz = [UInt8](FileManager.default.contents(atPath: dir + "/packed.gz")!)
        try Data(gz.prefix(gz.count / 2)).write(to: URL(fileURLWithPath: dir + "/truncated.gz"))
        #expect { try GzipFile.read(path: dir + "/truncated.gz", maxBytes: 1 << 20) } throws: { e in
            "\(e)".contains("truncated.gz") && "\(e)".contains("corrupt or truncated gzip")
        }
        var flipped = gz
        flipped[gz.count - 6] ^= 0xFF  // inside the CRC-32 trailer
        try Data(flipped).write(to: URL(fileURLWithPath: dir + "/flipped.gz"))
        #expect(throws: CIMError.self) { try GzipFile.read(path: dir + "/flipped.gz", maxBytes: 1 << 20) }
        #expect { try GzipFile.read(path: dir + "/missing.gz", maxBytes: 1 << 20) } throws: { e in "\(e)".contains("cannot open") }
        try FileManager.default.removeItem(atPath: dir)
    }
}

@Suite("IDX and gzip bombs")
struct IDXBombTests {
    /// Writes a gzip stream of `header` followed by `zeros` zero bytes, deflated in 1 MiB pieces.
    func writeZeroBomb(header: [UInt8], zeros: Int, to path: String) {
        let f = gzopen(path, "wb9")!
        header.withUnsafeBufferPointer { _ = gzwrite(f, $0.baseAddress, UInt32($0.count)) }
        let block = [UInt8](repeating: 0, count: 1 << 20)
        var left = zeros
        while left > 0 {
            let n = min(left, block.count)
            block.withUnsafeBufferPointer { _ = gzwrite(f, $0.baseAddress, UInt32(n)) }
            left -= n
        }
        gzclose(f)
    }

    @Test("a header declaring more than the gzip file can expand to is refused before anything is inflated or allocated")
    func declaredTooLarge() throws {
        let dir = tempDir("bomb1")
        // 3 × 2^31-scale dims overflow or pass maxElements; [60000, 1000, 1000] = 6·10^10 elements
        writeZeroBomb(header: idxBytes(dims: [60_000, 1000, 1000], payload: []), zeros: 1 << 16, to: dir + "/huge.gz")
        #expect { try IDXFile(path: dir + "/huge.gz", expectedRank: 3) } throws: { e in "\(e)".contains("exceed the limit") }
        // 2^28 elements (within the element limit) in a file of a few hundred bytes: more than it can hold
        writeZeroBomb(header: idxBytes(dims: [1 << 12, 1 << 8, 1 << 8], payload: []), zeros: 1 << 10, to: dir + "/small.gz")
        #expect { try IDXFile(path: dir + "/small.gz", expectedRank: 3) } throws: { e in "\(e)".contains("more than a") && "\(e)".contains("can hold") }
        try FileManager.default.removeItem(atPath: dir)
    }

    @Test("a stream longer than its header declares is refused after one byte more, not inflated to the end")
    func streamLongerThanDeclared() throws {
        let dir = tempDir("bomb2")
        // declares 4 × 16 × 16 = 1 KiB, then carries 256 MiB of zeros (about 250 kB of gzip)
        writeZeroBomb(header: idxBytes(dims: [4, 16, 16], payload: []), zeros: 256 << 20, to: dir + "/long.gz")
        #expect { try IDXFile(path: dir + "/long.gz", expectedRank: 3) } throws: { e in "\(e)".contains("unexpected bytes after the data") }
        #expect { try GzipFile.read(path: dir + "/long.gz", maxBytes: 1 << 20) } throws: { e in "\(e)".contains("more than 1048576 bytes") }
        try FileManager.default.removeItem(atPath: dir)
    }

    @Test("a FIFO or a directory is not read (it would block or fail late)")
    func notRegular() throws {
        let dir = tempDir("bomb3")
        #expect(mkfifo(dir + "/fifo", 0o600) == 0)
        #expect { try IDXFile(path: dir + "/fifo") } throws: { e in "\(e)".contains("not a regular file") }
        #expect { try IDXFile(path: dir) } throws: { e in "\(e)".contains("not a regular file") }
        try FileManager.default.removeItem(atPath: dir)
    }
}

@Suite("Datasets")
struct DatasetTests {
    @Test("the shipped MNIST passes its SHA-256 checks and has the published label counts")
    func shippedMNIST() throws {
        let mnist = try DatasetCatalog.load(.mnist)
        #expect(mnist.train.count == 60_000 && mnist.test.count == 10_000)
        #expect(mnist.train.height == 28 && mnist.train.width == 28)
        #expect(mnist.train.labelCounts == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949])
        #expect(mnist.test.labelCounts == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009])
        #expect(Array(mnist.train.labels.prefix(10)) == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4])
        #expect(Array(mnist.test.labels.prefix(10)) == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9])
        #expect(mnist.checksums == DatasetCatalog.mnistSHA256)
        let mean = Double(mnist.train.pixels.reduce(0) { $0 + Int($1) }) / Double(mnist.train.pixels.count) / 255
        #expect(abs(mean - 0.1307) < 0.0001)
    }

    @Test("a batch converts bytes to [0, 1] floats in NHWC order with labels")
    func batch() throws {
        let pixels: [UInt8] = [0, 255, 51, 102, 10, 20, 30, 40]
        let d = ImageDataset(pixels: pixels, labels: [3, 7], height: 2, width: 2)
        let (x, y) = d.batch(indices: [1, 0])
        #expect(x.shape == [2, 2, 2, 1])
        #expect(y == [7, 3])
        #expect(x.data == [10, 20, 30, 40, 0, 255, 51, 102].map { Float($0) / 255 })
    }

    @Test("Fashion-MNIST from the Debian package loads")
    func fashion() throws {
        let f = try DatasetCatalog.load(.fashionMnist)
        #expect(f.train.count == 60_000 && f.test.count == 10_000)
        #expect(f.train.labelCounts == [Int](repeating: 6000, count: 10))
    }

    @Test("a directory with a bad file, mismatched counts or a missing file gives a clear error")
    func badDirectory() throws {
        let dir = tempDir("baddir")
        let img = idxBytes(dims: [3, 2, 2], payload: [UInt8](repeating: 1, count: 12))
        writeGzip(img, to: dir + "/train-images-idx3-ubyte.gz")
        writeGzip(idxBytes(dims: [3], payload: [0, 1, 2]), to: dir + "/train-labels-idx1-ubyte.gz")
        writeGzip(img, to: dir + "/t10k-images-idx3-ubyte.gz")
        #expect { try DatasetCatalog.load(directory: dir) } throws: { e in
            "\(e)".contains("t10k-labels-idx1-ubyte") && "\(e)".contains("no such file")
        }
        try Data(idxBytes(dims: [2], payload: [0, 1])).write(to: URL(fileURLWithPath: dir + "/t10k-labels-idx1-ubyte"))
        #expect { try DatasetCatalog.load(directory: dir) } throws: { e in "\(e)".contains("3 images but 2 labels") }
        try Data(idxBytes(dims: [3], payload: [0, 1, 12])).write(to: URL(fileURLWithPath: dir + "/t10k-labels-idx1-ubyte"))
        #expect { try DatasetCatalog.load(directory: dir) } throws: { e in "\(e)".contains("label 12 at index 2") }
        try Data(idxBytes(dims: [3], payload: [0, 1, 2])).write(to: URL(fileURLWithPath: dir + "/t10k-labels-idx1-ubyte"))
        let ok = try DatasetCatalog.load(directory: dir)
        #expect(ok.train.count == 3 && ok.test.count == 3)
        // A wrong checksum is reported.
        #expect { try DatasetCatalog.load(directory: dir, expectedSHA256: ["train-images-idx3-ubyte": "00"]) } throws: { e in
            "\(e)".contains("SHA-256")
        }
        try FileManager.default.removeItem(atPath: dir)
    }
}
