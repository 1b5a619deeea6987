import CIMCore

/// Image datasets in a NumPy `.npz` archive or an HDF5 file (`.h5`, `.hdf5`).
///
/// A split is two arrays (names from ``DatasetFileOptions``, Keras' by default): images of
/// shape `N×H×W×C` (or `N×C×H×W` with layout `nchw`, or `N×H×W` for one channel) and dtype
/// `uint8` (fed as value / 255) or `float32` (fed as is; NaN and ±inf are refused), and labels
/// of shape `N` (or `N×1`) of any integer dtype with values in `0..<256`. Everything is checked
/// against ``DatasetFileLimits`` before it is read.
public enum DatasetFile {
    /// The container formats.
    public enum Format: String, Sendable {
        case npz, hdf5
    }

    /// The format a path's extension names (`.npz`; `.h5` or `.hdf5`), or nil.
    public static func format(of path: String) -> Format? {
        let lower = path.lowercased()
        if lower.hasSuffix(".npz") { return .npz }
        if lower.hasSuffix(".h5") || lower.hasSuffix(".hdf5") { return .hdf5 }
        return nil
    }

    /// Both splits of the file at `path` (`name` "custom", `directory` the file's path, and the
    /// SHA-256 of the whole file under its base name in `checksums`).
    public static func load(path: String, options: DatasetFileOptions = .init(),
                            limits: DatasetFileLimits = .default) throws(CIMError) -> DatasetSplits {
        try printableErrors { () throws(CIMError) in try loadBoth(path: path, options: options, limits: limits) }
    }

    private static func loadBoth(path: String, options: DatasetFileOptions, limits: DatasetFileLimits) throws(CIMError) -> DatasetSplits {
        try options.validate()
        let file = try open(path, limits: limits)
        var train = try split(file, images: options.trainImages, labels: options.trainLabels, options: options, option: "--train-keys")
        var test = try split(file, images: options.testImages, labels: options.testLabels, options: options, option: "--test-keys")
        guard train.inputShape == test.inputShape else {
            throw CIMError.format(path: path, reason:
                "train images are \(train.shapeDescription) but test images are \(test.shapeDescription)")
        }
        let classes = max(train.classes, test.classes)
        train = train.withClasses(classes)
        test = test.withClasses(classes)
        return DatasetSplits(name: "custom", directory: path, train: train, test: test, checksums: try checksums(path))
    }

    /// One split of the file at `path`: the arrays `images` and `labels`.
    public static func loadSplit(path: String, images: String, labels: String, options: DatasetFileOptions = .init(),
                                 limits: DatasetFileLimits = .default) throws(CIMError) -> ImageDataset {
        try printableErrors { () throws(CIMError) in
            try split(try open(path, limits: limits), images: images, labels: labels, options: options, option: nil)
        }
    }

    /// Whether the file at `path` holds an array `name`.
    public static func contains(path: String, name: String, limits: DatasetFileLimits = .default) throws(CIMError) -> Bool {
        try printableErrors { () throws(CIMError) in try open(path, limits: limits).contains(name) }
    }

    /// `[base name: SHA-256 of the file]`, as recorded in `training.json`.
    public static func checksums(_ path: String) throws(CIMError) -> [String: String] {
        [String(path.split(separator: "/").last ?? Substring(path)): try BinaryFile(path: path).sha256()]
    }

    /// The arrays of `path`, by its extension.
    static func open(_ path: String, limits: DatasetFileLimits) throws(CIMError) -> any ArrayFile {
        switch format(of: path) {
        case .npz: return try NPZArrayFile(path: path, limits: limits)
        case .hdf5: return try HDF5ArrayFile(path: path, limits: limits)
        case nil: throw CIMError.format(path: path, reason: "not a dataset file (expected .npz, .h5 or .hdf5)")
        }
    }

    /// Reads and checks one split; `option` names the flag that chooses its arrays (for messages).
    static func split(_ file: any ArrayFile, images: String, labels: String, options: DatasetFileOptions,
                      option: String?) throws(CIMError) -> ImageDataset {
        let path = file.path
        for name in [images, labels] {
            if try file.contains(name) { continue }
            throw CIMError.format(path: path, reason: "no array '\(name)' (the file holds \(try file.names().joined(separator: ", ")))"
                + (option.map { "; name the arrays with \($0) IMAGES,LABELS" } ?? ""))
        }
        let labelArray = try file.read(labels) { type, shape throws(CIMError) in
            guard type.isInteger else {
                throw CIMError.format(path: path, reason: "\(labels): labels must be integer class indices, found \(type)")
            }
            guard shape.count == 1 || (shape.count == 2 && shape[1] == 1) else {
                throw CIMError.format(path: path, reason: "\(labels): labels must have shape [N] (or [N, 1]), found \(shape)")
            }
        }
        let n = labelArray.shape[0]
        let imageArray = try file.read(images) { type, shape throws(CIMError) in
            guard type == .uint8 || type == .float32 else {
                throw CIMError.format(path: path, reason: "\(images): images must be uint8 or float32, found \(type)"
                    + (type == .float64 ? " (save x.astype(np.float32))" : ""))
            }
            guard shape.count == 3 || shape.count == 4 else {
                throw CIMError.format(path: path, reason:
                    "\(images): images must have shape N×H×W×C, N×C×H×W or N×H×W, found \(shape)")
            }
            guard shape.dropFirst().allSatisfy({ $0 >= 1 }) else {
                throw CIMError.format(path: path, reason: "\(images): image shape \(Array(shape.dropFirst())) has an empty dimension")
            }
            guard shape[0] == n else {
                throw CIMError.format(path: path, reason: "\(shape[0]) images in \(images) but \(n) labels in \(labels)")
            }
        }
        return try dataset(images: imageArray, labels: labelArray, imagesName: images, labelsName: labels,
                           layout: options.layout, path: path)
    }

    /// Checked arrays → a dataset: labels in `0..<256`, finite floats, NCHW transposed to NHWC.
    static func dataset(images: NumericArray, labels: NumericArray, imagesName: String, labelsName: String,
                        layout: DatasetFileOptions.Layout, path: String) throws(CIMError) -> ImageDataset {
        let labelBytes = try classIndices(labels, name: labelsName, path: path)
        let s = images.shape
        let n = s[0]
        let (h, w, c): (Int, Int, Int)
        if s.count == 3 {
            (h, w, c) = (s[1], s[2], 1)
        } else if layout == .nchw {
            (h, w, c) = (s[2], s[3], s[1])
        } else {
            (h, w, c) = (s[1], s[2], s[3])
        }
        let transpose = s.count == 4 && layout == .nchw && c > 1
        let samples: ImageDataset.Samples
        switch images.values {
        case .uint8(let p):
            samples = .uint8(transpose ? nchwToNHWC(p, n: n, c: c, h: h, w: w) : p)
        case .float32(let p):
            if let bad = p.firstIndex(where: { !$0.isFinite }) {
                throw CIMError.format(path: path, reason:
                    "\(NumericArray.indexDescription(imagesName, flat: bad, shape: s)) is \(p[bad]); images must be finite")
            }
            samples = .float32(transpose ? nchwToNHWC(p, n: n, c: c, h: h, w: w) : p)
        case .integers:
            throw CIMError.format(path: path, reason: "\(imagesName): images must be uint8 or float32, found \(images.elementType)")
        }
        let classes = Int(labelBytes.max() ?? 0) + 1
        return ImageDataset(samples: samples, labels: labelBytes, height: h, width: w, channels: c, classes: classes)
    }

    /// Labels as class indices `0..<256` (``ImageDataset/maxClasses``).
    static func classIndices(_ labels: NumericArray, name: String, path: String) throws(CIMError) -> [UInt8] {
        func check(_ value: Int64, _ i: Int) throws(CIMError) -> UInt8 {
            guard value >= 0, value < Int64(ImageDataset.maxClasses) else {
                throw CIMError.format(path: path, reason:
                    "\(NumericArray.indexDescription(name, flat: i, shape: labels.shape)) = \(value) is not a class index in 0…\(ImageDataset.maxClasses - 1)"
                    + (value >= 0 ? " (labels are stored in 8 bits: at most \(ImageDataset.maxClasses) classes)" : ""))
            }
            return UInt8(value)
        }
        switch labels.values {
        case .uint8(let v): return v
        case .integers(let v):
            var out = [UInt8](repeating: 0, count: v.count)
            for i in v.indices { out[i] = try check(v[i], i) }
            return out
        case .float32:
            throw CIMError.format(path: path, reason: "\(name): labels must be integer class indices, found float32")
        }
    }

    /// `[N, C, H, W]` → `[N, H, W, C]`.
    static func nchwToNHWC<T: BitwiseCopyable>(_ values: [T], n: Int, c: Int, h: Int, w: Int) -> [T] {
        guard !values.isEmpty else { return values }
        return [T](unsafeUninitializedCapacity: values.count) { out, initialized in
            values.withUnsafeBufferPointer { src in
                let plane = h * w, image = plane * c
                for i in 0..<n {
                    let s = src.baseAddress! + i * image, d = out.baseAddress! + i * image
                    for ch in 0..<c {
                        for p in 0..<plane { (d + p * c + ch).initialize(to: s[ch * plane + p]) }
                    }
                }
            }
            initialized = values.count
        }
    }
}
