import ArgumentParser
import CIMCore
import CIMData

/// `--layout` and `--test-keys`: how a `--data FILE.npz|FILE.h5` becomes images and labels
/// (commands that train or calibrate also have `--train-keys`).
struct DatasetFileFlags: ParsableArguments {
    /// The `--data` help text shared by the commands.
    static let dataHelp = "A directory of MNIST-style IDX files (plain or .gz), or a .npz or .h5/.hdf5 file of arrays "
        + "(uint8 images are scaled by 1/255, float32 used as is; see --layout and the keys); overrides --dataset."

    @Option(help: "Axis order of 4-D image arrays in a --data file: nhwc (N×H×W×C, the default) or nchw (N×C×H×W, PyTorch). N×H×W arrays have one channel.")
    var layout: String?

    @Option(help: "Arrays of the test split in a --data file: IMAGES,LABELS (default x_test,y_test; HDF5 dataset paths may contain '/').")
    var testKeys: String?

    /// The file options, or nil when none was given; `trainKeys` is the command's `--train-keys`.
    /// Giving any of them without `--data` is an error.
    func options(data: String?, trainKeys: String? = nil) throws(CIMError) -> DatasetFileOptions? {
        try Self.options(data: data, layout: layout, testKeys: testKeys, trainKeys: trainKeys)
    }

    /// The same from the flags' texts (for a command that has only some of them).
    static func options(data: String?, layout: String?, testKeys: String?, trainKeys: String?) throws(CIMError) -> DatasetFileOptions? {
        guard layout != nil || testKeys != nil || trainKeys != nil else { return nil }
        guard data != nil else {
            let flag = layout != nil ? "--layout" : testKeys != nil ? "--test-keys" : "--train-keys"
            throw CIMError.invalidConfig(field: flag, reason: "applies only to a dataset file (.npz, .h5)")
        }
        var o = DatasetFileOptions()
        if let layout {
            guard let l = DatasetFileOptions.Layout(rawValue: layout.lowercased()) else {
                throw CIMError.invalidConfig(field: "--layout", reason: "unknown layout '\(layout)' (known: nhwc, nchw)")
            }
            o.layout = l
        }
        if let testKeys {
            (o.testImages, o.testLabels) = try DatasetFileOptions.parseKeys(testKeys, field: "--test-keys")
        }
        if let trainKeys {
            (o.trainImages, o.trainLabels) = try DatasetFileOptions.parseKeys(trainKeys, field: "--train-keys")
        }
        return o
    }

    /// The flags given (for `cim train --resume`, which refuses them).
    var given: [String] {
        [("--layout", layout != nil), ("--test-keys", testKeys != nil)].filter(\.1).map(\.0)
    }
}
