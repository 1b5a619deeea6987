import Foundation

/// Byte-level mutations: 1–8 edits (flip a bit, overwrite a byte with a random or boundary
/// value, insert, delete, overwrite a run of up to 64 bytes), or, one time in eight, truncation.
enum ByteMutator {
    /// Mutates `bytes` at offsets ≥ `from` (a chip image's 512-byte seal is left alone).
    static func mutate(_ bytes: inout [UInt8], from body: Int = 0, rng: inout SplitMix) {
        guard bytes.count > body + 2 else { return }
        if body == 0, rng.next(8) == 0 {
            bytes.removeLast(1 + rng.next(bytes.count - 1))
            return
        }
        for _ in 0...(rng.next(8) % 8) {
            let at = body + rng.next(bytes.count - body)
            switch rng.next(6) {
            case 0: bytes[at] ^= UInt8(1 << rng.next(8))
            case 1: bytes[at] = UInt8(truncatingIfNeeded: rng.next(256))
            case 2: bytes[at] = [0x00, 0xFF, 0x7F, 0x80][rng.next(4)]
            case 3: bytes.insert(UInt8(truncatingIfNeeded: rng.next(256)), at: at)
            case 4: if bytes.count > body + 2 { bytes.remove(at: at) }
            default:
                let n = min(1 + rng.next(64), bytes.count - at)
                for i in at..<(at + n) { bytes[i] = UInt8(truncatingIfNeeded: rng.next(256)) }
            }
        }
    }
}

extension ByteMutator {
    /// Replaces the rank byte or one big-endian dimension of an uncompressed IDX header with an
    /// extreme value; false for a file that does not start like one (e.g. gzip).
    static func mutateIDXHeader(_ bytes: inout [UInt8], rng: inout SplitMix) -> Bool {
        guard bytes.count >= 8, bytes[0] == 0, bytes[1] == 0, bytes[2] == 8 else { return false }
        let rank = Int(bytes[3])
        if rng.next(4) == 0 {
            bytes[3] = [0, 1, 2, 3, 4, 32, 255][rng.next(7)]
            return true
        }
        let d = rng.next(max(rank, 1))
        guard bytes.count >= 8 + 4 * d else { return false }
        let value: UInt32 = [0, 1, 2, 255, 65_535, 1 << 24, 1 << 31, UInt32.max, 60_000, 28][rng.next(10)]
        for i in 0..<4 { bytes[4 + 4 * d + i] = UInt8(truncatingIfNeeded: value >> (24 - 8 * i)) }
        return true
    }
}

/// Structured mutations of JSON: one value somewhere in the tree is replaced by an extreme.
enum JSONMutator {
    /// Values a reader must survive in place of any JSON value.
    nonisolated(unsafe) static let extremes: [Any] = [
        0, -1, 1 << 31, Int64.max, Int64.min, 1e308, -1e-308, 4_294_967_296, 0.5, "NaN", "inf", "",
        String(repeating: "A", count: 70_000), [Any](), [String: Any](), NSNull(), true,
        [[[[[[[[[[1]]]]]]]]]], [Int](repeating: 7, count: 1000),
    ]

    /// Mutates a whole file: a safetensors file (8-byte little-endian header length, JSON header,
    /// data) has its header mutated and the length rewritten; any other file is parsed as JSON.
    /// Returns false when the file is not of that form (the caller falls back to bytes).
    static func mutateFile(_ bytes: inout [UInt8], safetensors: Bool, rng: inout SplitMix) -> Bool {
        if safetensors {
            guard bytes.count >= 8 else { return false }
            let n = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
            guard n > 0, n <= bytes.count - 8, var header = mutate(Array(bytes[8..<(8 + n)]), rng: &rng) else { return false }
            if rng.next(4) == 0 { header += [UInt8](repeating: 0x20, count: rng.next(16)) }  // padding, as the format allows
            let length = UInt64(header.count)
            bytes = (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) } + header + bytes[(8 + n)...]
            return true
        }
        guard let mutated = mutate(bytes, rng: &rng) else { return false }
        bytes = mutated
        return true
    }

    /// `json` with one value replaced; string values that are themselves JSON (a safetensors
    /// file's `__metadata__` texts, e.g. the training config) are mutated inside half the time.
    static func mutate(_ json: [UInt8], rng: inout SplitMix) -> [UInt8]? {
        guard let root = try? JSONSerialization.jsonObject(with: Data(json), options: [.fragmentsAllowed]) else { return nil }
        let mutated = replaceOne(root, rng: &rng)
        return (try? JSONSerialization.data(withJSONObject: mutated, options: [.fragmentsAllowed])).map([UInt8].init)
    }

    private static func leafCount(_ v: Any) -> Int {
        if let d = v as? [String: Any] { return 1 + d.values.reduce(0) { $0 + leafCount($1) } }
        if let a = v as? [Any] { return 1 + a.reduce(0) { $0 + leafCount($1) } }
        return 1
    }

    /// Replaces the node numbered `rng.next(leafCount)` in pre-order.
    private static func replaceOne(_ root: Any, rng: inout SplitMix) -> Any {
        var target = rng.next(leafCount(root))
        let extreme = extremes[rng.next(extremes.count)]
        let nested = rng.next(2) == 0
        func walk(_ v: Any) -> Any {
            if target == 0 {
                target = -1
                if nested, let s = v as? String, let inner = mutate(Array(s.utf8), rng: &rng) {
                    return String(decoding: inner, as: UTF8.self)
                }
                return extreme
            }
            target -= 1
            if target < 0 { return v }
            if let d = v as? [String: Any] {
                var out: [String: Any] = [:]
                for k in d.keys.sorted() { out[k] = walk(d[k]!) }
                return out
            }
            if let a = v as? [Any] { return a.map(walk) }
            return v
        }
        return walk(root)
    }
}
