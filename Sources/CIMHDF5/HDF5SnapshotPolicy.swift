/// What an ``HDF5Snapshot`` accepts from a file, checked while it is taken: the HDF5 features a
/// CIMKit file may use and the sizes it may claim. Anything else is refused by name before
/// libhdf5 reads the data it describes.
///
/// Always refused: soft, external and user-defined links; the same object reached twice (hard
/// links forming aliases or cycles); named datatypes; virtual datasets; external raw storage;
/// filters not in ``allowedFilters``; more dimensions, objects, attributes, nesting or bytes than
/// the limits below.
public struct HDF5SnapshotPolicy: Codable, Sendable, Equatable {
    /// An HDF5 filter a dataset may use.
    public enum Filter: String, Codable, Sendable, CaseIterable {
        /// zlib deflate (HDF5 filter 1, h5py `compression="gzip"`), the one CIMKit writes.
        case deflate
        /// Byte shuffle (filter 2, h5py `shuffle=True`).
        case shuffle
        /// Fletcher-32 checksum (filter 3, h5py `fletcher32=True`).
        case fletcher32

        /// HDF5's filter identifier.
        public var id: Int32 {
            switch self {
            case .deflate: 1
            case .shuffle: 2
            case .fletcher32: 3
            }
        }
    }

    /// Filters a dataset may use.
    public var allowedFilters: Set<Filter>
    /// Bytes of all dataset values and attributes together, decompressed.
    public var maxBytes: Int
    /// Groups and datasets in the file: 100,000.
    public var maxObjects = 100_000
    /// Nesting of groups: 32.
    public var maxDepth = 32
    /// Dimensions of a dataset or attribute: 32.
    public var maxRank = 32
    /// Attributes of one object: 4,096.
    public var maxAttributes = 4_096
    /// Bytes of one attribute (elements × 8, or the string's length): 64 MiB.
    public var maxAttributeBytes = 1 << 26
    /// Bytes of one chunk of a chunked dataset (libhdf5 allocates a whole chunk to read it): 256 MiB.
    public var maxChunkBytes = 1 << 28
    /// Seconds the isolated reader may take before it is killed: 600.
    public var timeoutSeconds = 600.0

    /// A policy allowing `filters` and `maxBytes` bytes, other limits at their defaults.
    public init(allowedFilters: Set<Filter>, maxBytes: Int) {
        self.allowedFilters = allowedFilters
        self.maxBytes = maxBytes
    }

    /// Throws `.invalidArgument` for a negative or zero limit.
    public func validate() throws(HDF5Error) {
        for (name, value) in [("maxBytes", maxBytes), ("maxObjects", maxObjects), ("maxDepth", maxDepth), ("maxRank", maxRank),
                              ("maxAttributes", maxAttributes), ("maxAttributeBytes", maxAttributeBytes), ("maxChunkBytes", maxChunkBytes)]
            where value <= 0 {
            throw HDF5Error(kind: .invalidArgument, operation: "snapshot policy", file: "", object: "", message: "\(name) is \(value), must be > 0")
        }
        guard timeoutSeconds.isFinite, timeoutSeconds > 0 else {
            throw HDF5Error(kind: .invalidArgument, operation: "snapshot policy", file: "", object: "",
                            message: "timeoutSeconds is \(timeoutSeconds), must be finite and > 0")
        }
    }
}
