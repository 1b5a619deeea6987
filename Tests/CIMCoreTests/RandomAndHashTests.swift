import CIMCore
import Foundation
import Testing

@Suite("RandomGenerator")
struct RandomGeneratorTests {
    @Test("same seed and stream give the same sequence; other streams differ")
    func reproducible() {
        var a = RandomGenerator(seed: 42, stream: "init")
        var b = RandomGenerator(seed: 42, stream: "init")
        var c = RandomGenerator(seed: 42, stream: "data")
        var d = RandomGenerator(seed: 43, stream: "init")
        let sa = (0..<100).map { _ in a.next() }
        #expect(sa == (0..<100).map { _ in b.next() })
        #expect(sa != (0..<100).map { _ in c.next() })
        #expect(sa != (0..<100).map { _ in d.next() })
    }

    @Test("state round-trips through JSON and continues identically")
    func codable() throws {
        var a = RandomGenerator(seed: 9)
        for _ in 0..<10 { _ = a.next() }
        var b = try JSONDecoder().decode(RandomGenerator.self, from: JSONEncoder().encode(a))
        #expect((0..<50).map { _ in a.next() } == (0..<50).map { _ in b.next() })
    }

    @Test("uniform and normal draws have the right moments (n = 200,000; tolerance 5 standard errors)")
    func moments() {
        var rng = RandomGenerator(seed: 1)
        let n = 200_000
        var su = 0.0, sn = 0.0, sn2 = 0.0
        for _ in 0..<n {
            su += Double(rng.nextFloat())
            let z = rng.nextNormal()
            sn += z
            sn2 += z * z
        }
        let se = 1 / Double(n).squareRoot()
        #expect(abs(su / Double(n) - 0.5) < 5 * se * (1.0 / 12).squareRoot())
        #expect(abs(sn / Double(n)) < 5 * se)
        #expect(abs(sn2 / Double(n) - 1) < 5 * se * 2.0.squareRoot())
    }

    @Test("shuffle is a permutation and nextInt stays in range")
    func shuffle() {
        var rng = RandomGenerator(seed: 5)
        var a = Array(0..<1000)
        rng.shuffle(&a)
        #expect(a != Array(0..<1000))
        #expect(a.sorted() == Array(0..<1000))
        for _ in 0..<1000 { #expect((0..<7).contains(rng.nextInt(below: 7))) }
    }
}

@Suite("SHA-256")
struct SHA256Tests {
    @Test("FIPS 180-4 test vectors")
    func vectors() {
        #expect(SHA256.hex(of: [UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(of: Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(of: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hex(of: [UInt8](repeating: 0x61, count: 1_000_000))
            == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("streaming in uneven pieces equals one shot")
    func streaming() {
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var s = SHA256()
        var i = 0
        for piece in [1, 63, 64, 65, 7, 300, 500] {
            let j = min(i + piece, data.count)
            s.update(Array(data[i..<j]))
            i = j
        }
        let hex = s.finalize().map { String(format: "%02x", $0) }.joined()
        #expect(hex == SHA256.hex(of: data))
    }
}

@Suite("AtomicFile")
struct AtomicFileTests {
    @Test("writes, replaces, and leaves the old file intact when the write cannot happen")
    func atomic() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cimkit-atomic-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        let path = dir.appendingPathComponent("a/b.bin").path
        try AtomicFile.write(Data([1, 2, 3]), to: path)
        #expect(FileManager.default.contents(atPath: path) == Data([1, 2, 3]))
        try AtomicFile.write(Data([4]), to: path)
        #expect(FileManager.default.contents(atPath: path) == Data([4]))
        // A destination that is a non-empty directory cannot be replaced: error, no temp files left.
        let blocked = dir.appendingPathComponent("a").path
        #expect(throws: CIMError.self) { try AtomicFile.write(Data([9]), to: blocked) }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty)
        #expect(FileManager.default.contents(atPath: path) == Data([4]))
        try FileManager.default.removeItem(at: dir)
    }
}
