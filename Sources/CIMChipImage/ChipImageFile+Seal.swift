import CIMCore
import CIMHDF5
import Foundation

/// The file's seal: a checksum of the whole HDF5 part, kept in the HDF5 *user block* (the first
/// 512 bytes, which HDF5 skips), checked before libhdf5 parses anything.
///
/// A damaged file (truncated, bytes flipped) is refused by its seal, so libhdf5 never walks
/// corrupted metadata (which can crash it). The seal is ASCII:
///
///     CIMKIT-CHIP-IMAGE 1\n sha256 <64 hex digits>\n bytes <file size>\n
///
/// padded with NUL bytes to 512; the digest covers bytes 512…end. A file changed after export
/// (for instance with h5py) no longer matches its seal; ``seal(path:)`` re-seals it on purpose.
extension ChipImageFile {
    /// Size of the user block.
    public static let userBlockBytes = 512
    static let sealMagic = "CIMKIT-CHIP-IMAGE 1\n"

    /// Computes and writes the seal of the file at `path`.
    public static func seal(path: String) throws(CIMError) {
        guard let data = FileManager.default.contents(atPath: path) else { throw .io(path: path, reason: "cannot read to seal") }
        var bytes = [UInt8](data)
        try seal(&bytes, path: path)
        try AtomicFile.write(bytes, to: path)
    }

    /// Writes the seal of the file `bytes` into its first ``userBlockBytes`` bytes.
    static func seal(_ bytes: inout [UInt8], path: String) throws(CIMError) {
        guard bytes.count > userBlockBytes else { throw .format(path: path, reason: "too short to seal (\(bytes.count) bytes)") }
        var header = Array((sealMagic + "sha256 \(SHA256.hex(of: bytes[userBlockBytes...]))\nbytes \(bytes.count)\n").utf8)
        header += [UInt8](repeating: 0, count: userBlockBytes - header.count)
        bytes.replaceSubrange(0..<userBlockBytes, with: header)
    }

    /// The seal's verdict: `nil` when the file matches its seal, else what is wrong (one line).
    static func sealProblem(path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return "cannot read the file" }
        guard data.count > userBlockBytes else {
            return "\(data.count) bytes: too short for a chip image (empty or truncated)"
        }
        let head = data.prefix(userBlockBytes)
        guard head.starts(with: Array(sealMagic.utf8)) else {
            return head.starts(with: [0x89, 0x48, 0x44, 0x46]) || data.range(of: Data([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a])) != nil
                ? "an HDF5 file without a CIMKit seal (not written by cim export/convert, or its first 512 bytes are damaged)"
                : "not a CIMKit chip image (no seal, not HDF5)"
        }
        let text = String(decoding: head.prefix { $0 != 0 }, as: UTF8.self)
        let fields = Dictionary(text.split(separator: "\n").dropFirst().compactMap { line -> (String, String)? in
            let p = line.split(separator: " ", maxSplits: 1).map(String.init)
            return p.count == 2 ? (p[0], p[1]) : nil
        }, uniquingKeysWith: { a, _ in a })
        guard let digest = fields["sha256"], let size = fields["bytes"].flatMap(Int.init) else { return "the seal is damaged" }
        guard size == data.count else {
            return "\(data.count) bytes, the seal says \(size): the file is \(data.count < size ? "truncated" : "extended")"
        }
        guard SHA256.hex(of: data[userBlockBytes...]) == digest else {
            return "the file's SHA-256 does not match its seal: damaged, or changed after export"
        }
        return nil
    }
}

extension ChipImageFile {
    /// What a chip image may hold when it is read (``HDF5Snapshot``): deflate, the only filter
    /// the exporter writes, and at most as many bytes of values as deflate can expand the
    /// file's bytes to (1032 per byte, zlib's limit, plus 1 MiB), capped at 8 GiB. The reader
    /// is stopped after 30 s plus 1 s per 20 MB of file (a crafted file can make libhdf5 loop; the
    /// shipped 1 MB images read in 0.05 s, so a command on a crafted one ends within 60 s).
    public static func readPolicy(fileSize: Int) -> HDF5SnapshotPolicy {
        let (product, overflow) = max(fileSize, 0).multipliedReportingOverflow(by: 1032)
        var policy = HDF5SnapshotPolicy(allowedFilters: [.deflate], maxBytes: overflow ? 1 << 33 : min(product + (1 << 20), 1 << 33))
        policy.timeoutSeconds = 30 + Double(max(fileSize, 0)) / 20e6
        return policy
    }
}
