import ArgumentParser
import CIMCore

/// Parsing and allowed ranges of numeric CLI values that the argument parser cannot check
/// itself, so that a bad value gets a message naming the allowed range.
enum ArgumentRanges {
    /// Most worker or BLAS threads a run may ask for (far above any machine this runs on;
    /// beyond it a typo would spawn thousands of threads).
    static let maxThreads = 256

    /// A seed: a decimal integer 0 … 2^64 − 1.
    static func seed(_ text: String) throws -> UInt64 {
        guard let value = UInt64(text) else {
            throw ValidationError("a seed is a whole number from 0 to \(UInt64.max)")
        }
        return value
    }

    /// Checks a thread or job count against 1 … ``maxThreads``.
    static func checkThreads(_ value: Int, flag: String) throws(CIMError) {
        guard (1...maxThreads).contains(value) else {
            throw .invalidConfig(field: flag, reason: "\(value) must be from 1 to \(maxThreads)")
        }
    }
}
