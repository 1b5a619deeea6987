import CIMCore
import Foundation

/// The datasets CIMKit knows by name, and where their IDX files live.
public enum DatasetName: String, CaseIterable, Codable, Sendable, NamedPreset {
    /// MNIST, shipped with CIMKit in `datasets/mnist/` and checked by SHA-256 at load time.
    case mnist
    /// Fashion-MNIST from the Debian package `dataset-fashion-mnist`.
    case fashionMnist = "fashion-mnist"

    public static let presetKind = "dataset"
    public static let presetField = "dataset"
}

/// A training and a test split, with where they came from.
public struct DatasetSplits: Sendable {
    /// Dataset name (or "custom").
    public var name: String
    /// Directory the IDX files were read from, or the dataset file (`.npz`, `.h5`).
    public var directory: String
    /// The 60,000-image (for MNIST) training split.
    public var train: ImageDataset
    /// The 10,000-image (for MNIST) test split.
    public var test: ImageDataset
    /// SHA-256 of each uncompressed file, by base file name (e.g. `train-images-idx3-ubyte`;
    /// for a dataset file, of the whole file by its name).
    public var checksums: [String: String]

    public init(name: String, directory: String, train: ImageDataset, test: ImageDataset, checksums: [String: String]) {
        self.name = name
        self.directory = directory
        self.train = train
        self.test = test
        self.checksums = checksums
    }
}

/// Finds and loads datasets.
public enum DatasetCatalog {
    /// The four base file names of an MNIST-style directory.
    public static let fileNames = [
        "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
    ]

    /// Published SHA-256 of the uncompressed original MNIST files (see datasets/mnist/README.md).
    public static let mnistSHA256: [String: String] = [
        "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    ]

    /// Where the Debian package `dataset-fashion-mnist` installs its files.
    public static let fashionMNISTDirectory = "/usr/share/datasets/fashion-mnist"

    /// The directory of the MNIST copy shipped with CIMKit.
    ///
    /// Looked up in order: `$CIMKIT_DATA_DIR/mnist`; `datasets/mnist` in a parent directory of
    /// the running executable (a build inside the source tree); the source tree this library
    /// was compiled from.
    public static func shippedMNISTDirectory() throws(CIMError) -> String {
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["CIMKIT_DATA_DIR"], !env.isEmpty {
            candidates.append(env + "/mnist")
        }
        var dir = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
            .deletingLastPathComponent()
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
        }
        for _ in 0..<6 {
            candidates.append(dir.appendingPathComponent("datasets/mnist").path)
            dir.deleteLastPathComponent()
        }
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent()  // Sources/CIMData
            .deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(source.appendingPathComponent("datasets/mnist").path)
        for candidate in candidates where hasIDXFiles(candidate) {
            return candidate
        }
        throw CIMError.io(path: "datasets/mnist", reason:
            "shipped MNIST not found (looked in \(candidates.joined(separator: ", "))); set CIMKIT_DATA_DIR or use --data DIR")
    }

    /// Whether `directory` holds the four IDX files (plain or `.gz`).
    public static func hasIDXFiles(_ directory: String) -> Bool {
        fileNames.allSatisfy { (try? resolve(directory: directory, base: $0)) != nil }
    }

    /// The path of `base` or `base.gz` in `directory`.
    static func resolve(directory: String, base: String) throws(CIMError) -> String {
        let fm = FileManager.default
        for name in [base + ".gz", base] where fm.fileExists(atPath: directory + "/" + name) {
            return directory + "/" + name
        }
        throw CIMError.io(path: directory + "/" + base + "[.gz]", reason: "no such file")
    }

    /// Loads a named dataset.
    public static func load(_ name: DatasetName) throws(CIMError) -> DatasetSplits {
        let (directory, expected) = try locate(name)
        return try load(directory: directory, name: name.rawValue, expectedSHA256: expected)
    }

    /// Loads only the test split of a named dataset (what evaluation needs: a quarter of the
    /// bytes to decompress and hash).
    public static func loadTest(_ name: DatasetName) throws(CIMError) -> ImageDataset {
        let (directory, expected) = try locate(name)
        var sums: [String: String] = [:]
        return try readSplit(directory: directory, prefix: "t10k", expectedSHA256: expected, checksums: &sums)
    }

    /// Loads only the test split (`t10k-*`) of an IDX directory.
    public static func loadTest(directory: String) throws(CIMError) -> ImageDataset {
        var sums: [String: String] = [:]
        return try readSplit(directory: directory, prefix: "t10k", expectedSHA256: nil, checksums: &sums)
    }

    /// Loads `--data PATH`: a `.npz`, `.h5` or `.hdf5` file (both splits, see ``DatasetFile``),
    /// or else a directory of the four IDX files.
    ///
    /// - Parameter options: array names and layout for a file; nil = the defaults. Giving them
    ///   for an IDX directory is an error (they would be ignored).
    public static func load(path: String, options: DatasetFileOptions? = nil) throws(CIMError) -> DatasetSplits {
        if DatasetFile.format(of: path) != nil {
            return try DatasetFile.load(path: path, options: options ?? .init())
        }
        try checkIDXPath(options, path: path)
        return try load(directory: path)
    }

    /// Loads the test split of `--data PATH` (a dataset file or an IDX directory).
    public static func loadTest(path: String, options: DatasetFileOptions? = nil) throws(CIMError) -> ImageDataset {
        if DatasetFile.format(of: path) != nil {
            let o = options ?? .init()
            try o.validate()
            return try DatasetFile.loadSplit(path: path, images: o.testImages, labels: o.testLabels, options: o)
        }
        try checkIDXPath(options, path: path)
        return try loadTest(directory: path)
    }

    /// The same, also recording in `checksums` the SHA-256 of what was read: the whole dataset
    /// file under its base name, or each uncompressed `t10k-*` IDX file by base name.
    public static func loadTest(path: String, options: DatasetFileOptions? = nil, checksums: inout [String: String]) throws(CIMError) -> ImageDataset {
        guard DatasetFile.format(of: path) == nil else {
            let test = try loadTest(path: path, options: options)
            checksums = try DatasetFile.checksums(path)
            return test
        }
        try checkIDXPath(options, path: path)
        return try readSplit(directory: path, prefix: "t10k", expectedSHA256: nil, checksums: &checksums)
    }

    /// The split that calibrates `cim export` from `--data PATH`: the training split (of an IDX
    /// directory, all four files are read and checked as before), or, for a dataset file
    /// without training images, the test split.
    public static func loadCalibration(path: String, options: DatasetFileOptions? = nil) throws(CIMError) -> ImageDataset {
        guard DatasetFile.format(of: path) != nil else {
            try checkIDXPath(options, path: path)
            return try load(directory: path).train
        }
        let o = options ?? .init()
        try o.validate()
        let train = try DatasetFile.contains(path: path, name: o.trainImages)
        return try DatasetFile.loadSplit(path: path, images: train ? o.trainImages : o.testImages,
                                         labels: train ? o.trainLabels : o.testLabels, options: o)
    }

    /// Throws if file options were given for an IDX directory, or if `path` is a file of
    /// another kind (it would be looked for IDX files in).
    static func checkIDXPath(_ options: DatasetFileOptions?, path: String) throws(CIMError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw CIMError.format(path: path, reason:
                "not a dataset: give a directory of IDX files or a .npz, .h5 or .hdf5 file (a single .npy cannot hold images and labels)")
        }
        if let options, options != DatasetFileOptions() {
            throw CIMError.invalidConfig(field: "--data", reason:
                "array names and --layout apply to .npz and .h5 files; \(path) is read as a directory of IDX files")
        }
    }

    /// The directory of a named dataset and the checksums its files must have.
    static func locate(_ name: DatasetName) throws(CIMError) -> (String, [String: String]?) {
        switch name {
        case .mnist:
            return (try shippedMNISTDirectory(), mnistSHA256)
        case .fashionMnist:
            guard hasIDXFiles(fashionMNISTDirectory) else {
                throw CIMError.io(path: fashionMNISTDirectory, reason:
                    "Fashion-MNIST not installed; run 'apt-get install dataset-fashion-mnist' or use --data DIR")
            }
            return (fashionMNISTDirectory, nil)
        }
    }

    /// Loads the four IDX files of `directory` (plain or `.gz`).
    ///
    /// - Parameter expectedSHA256: if given, the SHA-256 of each uncompressed file must match.
    public static func load(directory: String, name: String = "custom",
                            expectedSHA256: [String: String]? = nil) throws(CIMError) -> DatasetSplits {
        var sums: [String: String] = [:]
        let train = try readSplit(directory: directory, prefix: "train", expectedSHA256: expectedSHA256, checksums: &sums)
        let test = try readSplit(directory: directory, prefix: "t10k", expectedSHA256: expectedSHA256, checksums: &sums)
        guard train.height == test.height, train.width == test.width else {
            throw CIMError.format(path: directory, reason:
                "train images are \(train.height)×\(train.width) but test images are \(test.height)×\(test.width)")
        }
        return DatasetSplits(name: name, directory: directory, train: train, test: test, checksums: sums)
    }

    /// Reads `PREFIX-images-idx3-ubyte` and `PREFIX-labels-idx1-ubyte` (plain or `.gz`),
    /// checking each uncompressed file's SHA-256 against `expectedSHA256` when given, and
    /// recording it in `checksums`.
    static func readSplit(directory: String, prefix: String, expectedSHA256: [String: String]?,
                          checksums: inout [String: String]) throws(CIMError) -> ImageDataset {
        var files: [IDXFile] = []
        for base in [prefix + "-images-idx3-ubyte", prefix + "-labels-idx1-ubyte"] {
            let path = try resolve(directory: directory, base: base)
            let raw = try IDXFile.readBytes(path: path, expectedRank: base.contains("images") ? 3 : 1)
            let sum = SHA256.hex(of: raw)
            if let expected = expectedSHA256?[base], expected != sum {
                throw CIMError.format(path: path, reason: "SHA-256 of the uncompressed content is \(sum), expected \(expected)")
            }
            checksums[base] = sum
            files.append(try IDXFile(parsing: raw, path: path, expectedRank: base.contains("images") ? 3 : 1))
        }
        return try ImageDataset(images: files[0], labels: files[1], name: directory + "/\(prefix)-*")
    }
}
