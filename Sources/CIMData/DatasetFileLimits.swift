/// Limits on what a dataset file (`.npy`, `.npz`, `.h5`) may claim, checked before anything
/// is allocated: files are untrusted input.
public struct DatasetFileLimits: Sendable, Equatable {
    /// Elements per array: 2³¹.
    public var maxElements = 1 << 31
    /// Bytes per array (elements × element size): 2³³ = 8 GiB.
    public var maxArrayBytes = 1 << 33
    /// Dimensions per array: 32 (NumPy allows 64).
    public var maxRank = 32
    /// Bytes of a `.npy` header (the Python dict literal): 64 KiB. NumPy's own reader refuses
    /// more than 10,000 by default.
    public var maxHeaderBytes = 1 << 16
    /// Members of a `.npz` archive: 65,535.
    public var maxArchiveEntries = 65_535
    /// Bytes of a `.npz` archive's central directory: 16 MiB.
    public var maxCentralDirectoryBytes = 1 << 24
    /// The most a deflate stream can expand: 1032 output bytes per input byte (zlib's limit),
    /// plus `expansionSlackBytes`. A member (or an HDF5 dataset) claiming more than this many
    /// bytes per byte of the file is refused before memory is allocated for it.
    public var maxExpansion = 1032
    /// Bytes added to the expansion bound (for tiny streams): 64 KiB.
    public var expansionSlackBytes = 1 << 16

    /// The defaults above.
    public init() {}

    /// The defaults.
    public static let `default` = DatasetFileLimits()

    /// The most bytes `compressed` stored bytes may stand for.
    func expansionBound(_ compressed: Int) -> Int {
        let (product, overflow) = compressed.multipliedReportingOverflow(by: maxExpansion)
        let (sum, overflow2) = product.addingReportingOverflow(expansionSlackBytes)
        return overflow || overflow2 ? Int.max : sum
    }
}
