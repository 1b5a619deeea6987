import CIMCore
import Foundation

/// How the arrays of a dataset file (`.npz`, `.h5`) become images and labels: the names of the
/// arrays of each split and the axis order of the images.
///
/// The default names are Keras' (`keras.datasets.*.load_data()` saved with `np.savez`):
/// `x_train`, `y_train`, `x_test`, `y_test`.
public struct DatasetFileOptions: Codable, Equatable, Sendable {
    /// The axis order of rank-4 image arrays (rank-3 arrays `N×H×W` have one channel).
    public enum Layout: String, Codable, CaseIterable, Sendable {
        /// `N×H×W×C` (Keras, TensorFlow; CIMKit's own order).
        case nhwc
        /// `N×C×H×W` (PyTorch); transposed to `N×H×W×C` when read.
        case nchw
    }

    /// The axis order of the images.
    public var layout: Layout = .nhwc
    /// The training images' array (a `.npz` member without `.npy`, or an HDF5 dataset path).
    public var trainImages = "x_train"
    /// The training labels' array.
    public var trainLabels = "y_train"
    /// The test images' array.
    public var testImages = "x_test"
    /// The test labels' array.
    public var testLabels = "y_test"

    /// The defaults.
    public init() {}

    /// Checks that every name is non-empty and each split names two different arrays.
    public func validate() throws(CIMError) {
        for (field, value) in [("trainImages", trainImages), ("trainLabels", trainLabels),
                               ("testImages", testImages), ("testLabels", testLabels)] where value.isEmpty {
            throw CIMError.invalidConfig(field: field, reason: "the array name is empty")
        }
        guard trainImages != trainLabels, testImages != testLabels else {
            throw CIMError.invalidConfig(field: "keys", reason: "images and labels must be different arrays")
        }
    }

    /// Parses `IMAGES,LABELS` (e.g. `x_test,y_test`).
    ///
    /// - Parameter field: the option, for messages.
    public static func parseKeys(_ text: String, field: String) throws(CIMError) -> (images: String, labels: String) {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, parts[0] != parts[1] else {
            throw CIMError.invalidConfig(field: field, reason: "'\(text)' is not IMAGES,LABELS (two different array names, e.g. x_test,y_test)")
        }
        return (parts[0], parts[1])
    }
}
