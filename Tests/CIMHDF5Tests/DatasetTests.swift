import CIMCore
import CIMHDF5
import Foundation
import Testing

extension HDF5Tests {
    @Suite("datasets")
    struct DatasetTests {
        @Test("Float round trip is bit-exact: NaN payloads, -0.0, denormals, infinities")
        func floatBits() throws {
            let dir = TempDir("float")
            defer { dir.remove() }
            let patterns: [UInt32] = [0x7FC0_0000, 0x7FC0_0001, 0x7F80_0001, 0xFFC1_2345, 0x8000_0000, 0x0000_0001,
                                      0x007F_FFFF, 0x8000_0001, 0x7F80_0000, 0xFF80_0000, 0x7F7F_FFFF, 0x3F80_0000]
            let values = patterns.map { Float(bitPattern: $0) }
            let result = try roundTrip(values, shape: [3, 4], in: dir)
            let bits: [UInt32] = result.values.map { $0.bitPattern }
            #expect(bits == patterns)
            #expect(result.shape == [3, 4])
            #expect(result.type == .float32)
        }

        @Test("Double round trip is bit-exact")
        func doubleBits() throws {
            let dir = TempDir("double")
            defer { dir.remove() }
            let patterns: [UInt64] = [0x7FF8_0000_0000_0001, 0x7FF0_0000_0000_0001, 0x8000_0000_0000_0000, 1,
                                      0x000F_FFFF_FFFF_FFFF, 0x7FF0_0000_0000_0000, 0x3FF0_0000_0000_0000]
            let result = try roundTrip(patterns.map { Double(bitPattern: $0) }, shape: [7], in: dir)
            let bits: [UInt64] = result.values.map { $0.bitPattern }
            #expect(bits == patterns)
            #expect(result.type == .float64)
        }

        @Test("integer types round trip with their extremes and dtype names")
        func integers() throws {
            let dir = TempDir("ints")
            defer { dir.remove() }
            let u8 = try roundTrip([UInt8.min, 1, 127, 128, UInt8.max], shape: [5], in: dir)
            #expect(u8.values == [0, 1, 127, 128, 255])
            #expect(u8.type.description == "uint8")
            let u16 = try roundTrip([UInt16.min, 0x1234, UInt16.max], shape: [3], in: dir)
            #expect(u16.values == [0, 0x1234, 0xFFFF])
            #expect(u16.type.description == "uint16")
            let i32 = try roundTrip([Int32.min, -1, 0, Int32.max], shape: [2, 2], in: dir)
            #expect(i32.values == [Int32.min, -1, 0, Int32.max])
            #expect(i32.type.description == "int32")
            let i64 = try roundTrip([Int64.min, -1, 0, Int64.max], shape: [4], in: dir)
            #expect(i64.values == [Int64.min, -1, 0, Int64.max])
            #expect(i64.type.description == "int64")
            let i8 = try roundTrip([Int8.min, Int8.max], shape: [2], in: dir)
            #expect(i8.values == [Int8.min, Int8.max])
            let i16 = try roundTrip([Int16.min, Int16.max], shape: [2], in: dir)
            #expect(i16.values == [Int16.min, Int16.max])
            let u32 = try roundTrip([UInt32.max], shape: [1], in: dir)
            #expect(u32.values == [UInt32.max])
            let u64 = try roundTrip([UInt64.max, 0], shape: [2], in: dir)
            #expect(u64.values == [UInt64.max, 0])
            #expect(u64.type.description == "uint64")
        }

        @Test("multidimensional, scalar and empty shapes", arguments: [[2, 3, 4], [3, 1, 2, 1], [1], [], [0], [4, 0]])
        func shapes(shape: [Int]) throws {
            let dir = TempDir("shapes")
            defer { dir.remove() }
            let count = shape.reduce(1, *)
            let values: [Int32] = (0..<count).map { Int32($0 * 7 - 3) }
            let result = try roundTrip(values, shape: shape, in: dir)
            #expect(result.shape == shape)
            #expect(result.values == values)
        }

        @Test("chunked + gzip datasets round trip and are compressed; chunks are clamped to the shape")
        func chunkedGzip() throws {
            let dir = TempDir("gzip")
            defer { dir.remove() }
            let values: [Float] = (0..<200_000).map { Float($0 % 50) * 0.25 }
            let result = try roundTrip(values, shape: [200, 1000], in: dir, chunk: [64, 1000], gzipLevel: 6)
            #expect(result.values == values)
            #expect(result.shape == [200, 1000])
            let size = try #require(try FileManager.default.attributesOfItem(atPath: dir.file("data-Float.h5"))[.size] as? Int)
            #expect(size < 200_000)
            let small = try roundTrip([UInt8](repeating: 9, count: 10), shape: [10], in: dir, name: "small",
                                      chunk: [65536], gzipLevel: 1)
            #expect(small.values == [UInt8](repeating: 9, count: 10))
            let empty = try roundTrip([Double](), shape: [0, 3], in: dir, name: "empty", chunk: [4, 4], gzipLevel: 1)
            #expect(empty.shape == [0, 3])
        }

        @Test("dataset handles expose shape, type and count; Tensor helpers round trip")
        func handlesAndTensors() throws {
            let dir = TempDir("tensor")
            defer { dir.remove() }
            let path = dir.file("t.h5")
            let file = try HDF5File.create(path: path)
            let tensor = Tensor(shape: [2, 2, 3], data: (0..<12).map { Float($0) / 3 })
            let dataset = try file.root.createDataset("weights/conv1", tensor: tensor, chunk: [1, 2, 3], gzipLevel: 4)
            #expect(dataset.path == "/weights/conv1")
            #expect(dataset.count == 12)
            try file.close()
            let reopened = try HDF5File.open(path: path)
            let read = try reopened.root.openGroup("weights").readTensor("conv1")
            #expect(read == tensor)
            let opened = try reopened.root.openDataset("/weights/conv1")
            #expect(opened.shape == [2, 2, 3])
            #expect(opened.dataType == .float32)
            let shape: [Int] = try reopened.root.datasetShape("weights/conv1")
            #expect(shape == [2, 2, 3])
        }

        @Test("invalid arguments are rejected before anything is written")
        func invalidArguments() throws {
            let dir = TempDir("args")
            defer { dir.remove() }
            let file = try HDF5File.create(path: dir.file("a.h5"))
            defer { try? file.close() }
            let root = file.root
            let count = hdf5Error { try root.createDataset("x", shape: [2, 3], values: [Float](repeating: 0, count: 5)) }
            #expect(count?.kind == .invalidArgument)
            #expect(count?.message.contains("needs 6 values, got 5") == true)
            let noChunk = hdf5Error { try root.createDataset("x", shape: [4], values: [UInt8](repeating: 0, count: 4), gzipLevel: 1) }
            #expect(noChunk?.kind == .invalidArgument)
            let level = hdf5Error { try root.createDataset("x", shape: [4], values: [UInt8](repeating: 0, count: 4), chunk: [2], gzipLevel: 10) }
            #expect(level?.kind == .invalidArgument)
            let rank = hdf5Error { try root.createDataset("x", shape: [4], values: [UInt8](repeating: 0, count: 4), chunk: [2, 2]) }
            #expect(rank?.kind == .invalidArgument)
            let exists: Bool = try root.exists("x")
            #expect(!exists)
            try root.createDataset("x", shape: [1], values: [Int64(1)])
            let duplicate = hdf5Error { try root.createDataset("x", shape: [1], values: [Int64(2)]) }
            #expect(duplicate?.kind == .library)
        }

        @Test("a 2-million-element Float dataset, chunked and gzipped, round trips")
        func large() throws {
            let dir = TempDir("large")
            defer { dir.remove() }
            var rng = SystemRandomNumberGenerator()
            let values: [Float] = (0..<2_000_000).map { _ in Float(Int8.random(in: -8...7, using: &rng)) * 0.125 }
            let result = try roundTrip(values, shape: [2_000_000], in: dir, chunk: [65536], gzipLevel: 1)
            #expect(result.values == values)
        }

        @Test("22-million-element Float write and read timing (set CIMKIT_HDF5_LARGE=1)",
              .enabled(if: ProcessInfo.processInfo.environment["CIMKIT_HDF5_LARGE"] != nil))
        func timing() throws {
            let dir = TempDir("timing")
            defer { dir.remove() }
            let count = 22_000_000
            var state: UInt64 = 0x9E37_79B9_7F4A_7C15
            let values: [Float] = (0..<count).map { _ in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return Float(Int32(truncatingIfNeeded: state >> 40)) * 1e-6
            }
            let path = dir.file("big.h5")
            let clock = ContinuousClock()
            let writeTime = try clock.measure {
                let file = try HDF5File.create(path: path)
                try file.root.createDataset("w", shape: [count], values: values, chunk: [65536], gzipLevel: 1)
                try file.close()
            }
            var read: [Float] = []
            let readTime = try clock.measure {
                let file = try HDF5File.open(path: path)
                read = try file.root.readDataset("w").values
                try file.close()
            }
            let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0
            print("22M Float, chunk 65536, gzip 1: write \(writeTime), read \(readTime), file \(size / 1_000_000) MB")
            #expect(read == values)
        }
    }
}
