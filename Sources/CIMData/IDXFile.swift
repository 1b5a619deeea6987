import CIMCore
import Foundation

/// An IDX array of unsigned bytes (LeCun's MNIST format): a big-endian header
/// `0x00 0x00 0x08 ndim`, then `ndim` big-endian UInt32 dimensions, then the data.
public struct IDXFile: Equatable, Sendable {
    /// Extents, outermost first (e.g. `[60000, 28, 28]`).
    public var dimensions: [Int]
    /// The payload, `dimensions.reduce(1, *)` bytes.
    public var bytes: [UInt8]

    /// Parses IDX content.
    ///
    /// - Parameters:
    ///   - data: the (decompressed) file content.
    ///   - path: used in error messages only.
    ///   - expectedRank: the number of dimensions required (3 for images, 1 for labels).
    public init(parsing data: [UInt8], path: String, expectedRank: Int? = nil) throws(CIMError) {
        let (dims, header, expected) = try Self.header(data, path: path, expectedRank: expectedRank, limits: .default)
        guard let header else { throw Self.shortHeader(data, path: path) }
        let payload = data.count - header
        if payload < expected {
            throw CIMError.format(path: path, reason:
                "truncated: dimensions \(dims) need \(expected) data bytes, file has \(payload)")
        }
        if payload > expected {
            throw CIMError.format(path: path, reason:
                "\(payload - expected) unexpected bytes after the data for dimensions \(dims)")
        }
        dimensions = dims
        bytes = Array(data[header...])
    }

    /// Parses the header at the start of `data`: the dimensions, the header's size (`nil` while
    /// `data` is too short to hold it) and the payload's size, checked with overflow-checked
    /// arithmetic against `limits.maxElements`.
    static func header(_ data: [UInt8], path: String, expectedRank: Int?, limits: DatasetFileLimits)
        throws(CIMError) -> (dims: [Int], header: Int?, payload: Int) {
        guard data.count >= 4 else { return ([], nil, 0) }
        guard data[0] == 0, data[1] == 0 else {
            throw CIMError.format(path: path, reason: String(
                format: "not an IDX file (magic starts 0x%02x%02x, expected 0x0000)", data[0], data[1]))
        }
        guard data[2] == 0x08 else {
            throw CIMError.format(path: path, reason: String(
                format: "unsupported IDX element type 0x%02x (only 0x08, unsigned byte)", data[2]))
        }
        let rank = Int(data[3])
        if let expectedRank, rank != expectedRank {
            throw CIMError.format(path: path, reason: String(
                format: "IDX magic 0x%08x has %d dimensions, expected %d", 0x800 | rank, rank, expectedRank))
        }
        guard rank >= 1 else { throw CIMError.format(path: path, reason: "IDX file has no dimensions") }
        let header = 4 + 4 * rank
        guard data.count >= header else { return ([], nil, 0) }
        var dims: [Int] = []
        for d in 0..<rank {
            let o = 4 + 4 * d
            dims.append(Int(data[o]) << 24 | Int(data[o + 1]) << 16 | Int(data[o + 2]) << 8 | Int(data[o + 3]))
        }
        let (expected, overflow) = dims.reduce((1, false)) { acc, d in
            let (p, o) = acc.0.multipliedReportingOverflow(by: d)
            return (p, acc.1 || o)
        }
        guard !overflow, expected <= limits.maxElements else {
            throw CIMError.format(path: path, reason: "IDX dimensions \(dims) exceed the limit of \(limits.maxElements) elements")
        }
        return (dims, header, expected)
    }

    /// The error for `data` too short to hold its IDX header.
    private static func shortHeader(_ data: [UInt8], path: String) -> CIMError {
        .format(path: path, reason: data.count < 4 ? "too short for an IDX header (\(data.count) bytes)"
                                                   : "truncated IDX header (\(data.count) of \(4 + 4 * Int(data[3])) bytes)")
    }

    /// The whole (decompressed) content of the IDX file at `path`, plain or gzip, inflated no
    /// further than its header declares: the header is read first and its size checked against
    /// `limits` and against what the file's size can expand to (``DatasetFileLimits/maxExpansion``)
    /// before the data's memory is allocated; a stream longer than declared is refused after one
    /// byte more.
    public static func readBytes(path: String, expectedRank: Int? = nil, limits: DatasetFileLimits = .default) throws(CIMError) -> [UInt8] {
        let stream = try GzipFile.Stream(path: path)
        var data: [UInt8] = []
        try stream.read(into: &data, count: 4)
        if data.count == 4 { try stream.read(into: &data, count: 4 * Int(data[3])) }
        let (dims, header, payload) = try header(data, path: path, expectedRank: expectedRank, limits: limits)
        guard let header else { throw Self.shortHeader(data, path: path) }
        let bound = limits.expansionBound(stream.fileBytes)
        guard payload <= bound - header else {
            throw CIMError.format(path: path, reason: "IDX dimensions \(dims) declare \(payload) bytes, more than a \(stream.fileBytes)-byte file can hold")
        }
        data.reserveCapacity(header + payload)
        let got = try stream.read(into: &data, count: payload)
        guard got == payload else {
            throw CIMError.format(path: path, reason: "truncated: dimensions \(dims) need \(payload) data bytes, file has \(got)")
        }
        var extra: [UInt8] = []
        if try stream.read(into: &extra, count: 1) > 0 {
            throw CIMError.format(path: path, reason: "unexpected bytes after the data for dimensions \(dims)")
        }
        try stream.close()
        return data
    }

    /// Reads and parses the IDX file at `path` (plain or `.gz`).
    public init(path: String, expectedRank: Int? = nil) throws(CIMError) {
        try self.init(parsing: Self.readBytes(path: path, expectedRank: expectedRank), path: path, expectedRank: expectedRank)
    }
}
