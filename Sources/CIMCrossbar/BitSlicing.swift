import CIMCore

/// Several device pairs per weight (bit slicing): weight `w[i, o]` is held by `count`
/// differential pairs, slice `s` with significance `base^s`, and
/// `w = weightPerMicroSiemens · Σ_s base^s · (G⁺_s − G⁻_s)`.
///
/// With a device of `L ≥ 2` levels the base is `L`: the integer level difference of a weight,
/// `k ∈ [−(L^N − 1), L^N − 1]`, is written as the base-`L` digits of `|k|` (least significant
/// first), each digit on the slice's G⁺ (k > 0) or G⁻ (k < 0) while the other device stays at
/// gMin. So 4 slices of 4-level (2-bit) devices hold `±255` (an 8-bit magnitude), where one pair
/// holds `±3`. This is the "N pairs with significance" scheme of CrossSim's bit-sliced arrays
/// (Xiao et al., *Appl. Phys. Rev.* 7, 031301 (2020)) and of ISAAC (Shafiee et al., ISCA 2016).
///
/// **Layout.** A sliced layer's `[inputs, outputs]` weight matrix occupies `[inputs,
/// outputs·count]` device pairs, interleaved: slice `s` of output column `o` is physical column
/// `o·count + s`, so a weight's slices sit side by side and a group of a grouped convolution stays
/// a contiguous column range.
///
/// **Combination.** Every physical column is read and converted by its tile's ADC on its own;
/// the converted currents (µA, summed over row blocks and input phases as for one pair) are
/// combined digitally by shift-and-add in float32, most significant slice first (Horner):
/// `t = a_{N−1}; t = t·b + a_s` for `s = N−2 … 0` (one rounding after each multiply and each add,
/// no fused multiply-add), and `t` is then scaled into weight units like one pair's current.
/// With `count == 1` nothing is combined: a single-slice layer computes exactly as before.
public struct BitSlicing: Sendable, Equatable, Codable {
    /// Pairs per weight (1 = no slicing).
    public let count: Int
    /// Significance ratio between adjacent slices (the device's levels; 1 when `count` is 1).
    public let base: Int

    /// No slicing: one pair per weight.
    public static let single = BitSlicing(uncheckedCount: 1, base: 1)
    /// Most slices: 8.
    public static let maxCount = 8

    private init(uncheckedCount: Int, base: Int) {
        self.count = uncheckedCount
        self.base = base
    }

    /// `count` slices of a device with `levels` levels.
    /// - Throws: when `count` is outside 1…``maxCount``, or `count > 1` on a continuous device
    ///   (`levels < 2`), or the largest significance `levels^(count−1)` exceeds 2²⁴ (the float32
    ///   combination would no longer be exact on integers).
    public init(count: Int, levels: Int) throws(CIMError) {
        guard (1...Self.maxCount).contains(count) else {
            throw .invalidConfig(field: "slices", reason: "\(count) must be in 1…\(Self.maxCount)")
        }
        if count == 1 { self = .single; return }
        guard levels >= 2 else {
            throw .invalidConfig(field: "slices", reason: "\(count) slices need a device with levels (this one is continuous)")
        }
        var top = 1
        for _ in 1..<count {
            let (p, overflow) = top.multipliedReportingOverflow(by: levels)
            guard !overflow, p <= 1 << 24 else {
                throw .invalidConfig(field: "slices", reason: "\(count) slices of \(levels)-level devices: significance \(levels)^\(count - 1) exceeds 2^24")
            }
            top = p
        }
        self.count = count
        self.base = levels
    }

    /// Significance of each slice, least significant first: `base^s` (exact in float32).
    public var significance: [Float] {
        var out: [Float] = [], f = 1
        for _ in 0..<count { out.append(Float(f)); f *= base }
        return out
    }

    /// Largest level-difference magnitude a weight can hold, in units of the least significant
    /// slice's level spacing: `(L − 1)·Σ_s L^s = L^N − 1` (`levels − 1` unsliced).
    public func maxMagnitude(levels: Int) -> Int {
        count == 1 ? levels - 1 : significance.reduce(0) { $0 + Int($1) } * (levels - 1)
    }

    /// Sum of the significances `Σ_s base^s` (1 unsliced): the ratio of a sliced weight's range
    /// to one pair's.
    public var significanceSum: Int { significance.reduce(0) { $0 + Int($1) } }

    /// The base-`base` digits of `|k|`, least significant first (each in `0..<base`).
    public func digits(_ k: Int) -> [Int] {
        if count == 1 { return [abs(k)] }
        var m = abs(k), out: [Int] = []
        for _ in 0..<count { out.append(m % base); m /= base }
        return out
    }

    /// Shift-and-add of one column's `count` slice values (least significant first), in the
    /// documented float32 order.
    @inline(__always)
    public func combine(_ v: UnsafePointer<Float>) -> Float {
        let b = Float(base)
        var t = v[count - 1]
        var s = count - 2
        while s >= 0 {
            let shifted = t * b
            t = shifted + v[s]
            s -= 1
        }
        return t
    }

    /// `[rows, outputs]` combined values of a `[rows, outputs·count]` row-major matrix of slice
    /// values (see ``combine(_:)``).
    public func combineColumns(_ a: [Float], rows: Int, outputs: Int) -> [Float] {
        if count == 1 { return a }
        precondition(a.count == rows * outputs * count, "BitSlicing.combineColumns: \(a.count) values for \(rows)×\(outputs)×\(count)")
        var out = [Float](repeating: 0, count: rows * outputs)
        a.withUnsafeBufferPointer { p in
            for i in 0..<(rows * outputs) { out[i] = combine(p.baseAddress! + i * count) }
        }
        return out
    }
}
