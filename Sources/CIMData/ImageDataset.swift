import CIMCore

/// A labelled set of images of `height × width × channels` samples, converted to `Float` one
/// batch at a time in NHWC order.
///
/// Samples are kept in one of two forms, never both: 8-bit (`UInt8`, converted as value / 255,
/// so inputs lie in [0, 1], as a DAC would see them) or `Float` (used as they are). Labels are
/// class indices stored as `UInt8`, so a dataset has at most ``maxClasses`` classes.
public struct ImageDataset: Sendable {
    /// The most classes a dataset can have (labels are stored as `UInt8`).
    public static let maxClasses = 256

    /// How the samples are stored.
    public enum Samples: Sendable, Equatable {
        /// 8-bit grey levels; a batch holds value / 255.
        case uint8([UInt8])
        /// Floating-point values; a batch holds them unchanged.
        case float32([Float])

        /// The number of values stored.
        public var count: Int {
            switch self {
            case .uint8(let p): p.count
            case .float32(let p): p.count
            }
        }
    }

    /// Number of images.
    public let count: Int
    /// Image height in pixels.
    public let height: Int
    /// Image width in pixels.
    public let width: Int
    /// Values per pixel (1 for grey-level images, 3 for RGB).
    public let channels: Int
    /// `count · height · width · channels` values, image by image, each in HWC order
    /// (row-major, channels fastest).
    public let samples: Samples
    /// `count` class labels.
    public let labels: [UInt8]
    /// Number of classes (labels lie in `0..<classes`; at most ``maxClasses``).
    public let classes: Int

    /// The 8-bit samples (`count · height · width · channels` values); empty for a float32
    /// dataset (see ``samples``).
    public var pixels: [UInt8] {
        if case .uint8(let p) = samples { return p }
        return []
    }

    /// Values per image: `height · width · channels`.
    public var sampleSize: Int { height * width * channels }

    /// The shape of one image, `[height, width, channels]` (a model's `inputShape`).
    public var inputShape: [Int] { [height, width, channels] }

    /// `H×W×C`, for messages.
    public var shapeDescription: String { "\(height)×\(width)×\(channels)" }

    /// The largest label present (`nil` for an empty dataset).
    public var maxLabel: Int? { labels.max().map(Int.init) }

    /// Pairs images with labels and checks that they agree.
    ///
    /// - Parameters:
    ///   - images: an IDX file of rank 3 (`[N, H, W]`).
    ///   - labels: an IDX file of rank 1 (`[N]`).
    ///   - classes: the number of classes; every label must be below it.
    ///   - name: used in error messages.
    public init(images: IDXFile, labels: IDXFile, classes: Int = 10, name: String) throws(CIMError) {
        guard images.dimensions.count == 3 else {
            throw CIMError.format(path: name, reason: "images must have 3 dimensions, found \(images.dimensions)")
        }
        guard labels.dimensions.count == 1 else {
            throw CIMError.format(path: name, reason: "labels must have 1 dimension, found \(labels.dimensions)")
        }
        guard images.dimensions[0] == labels.dimensions[0] else {
            throw CIMError.format(path: name, reason:
                "\(images.dimensions[0]) images but \(labels.dimensions[0]) labels")
        }
        if let bad = labels.bytes.firstIndex(where: { Int($0) >= classes }) {
            throw CIMError.format(path: name, reason:
                "label \(labels.bytes[bad]) at index \(bad) is not below \(classes) classes")
        }
        self.init(pixels: images.bytes, labels: labels.bytes, height: images.dimensions[1],
                  width: images.dimensions[2], classes: classes)
    }

    /// A dataset of 8-bit images (`pixels.count == labels.count · height · width · channels`).
    public init(pixels: [UInt8], labels: [UInt8], height: Int, width: Int, channels: Int = 1, classes: Int = 10) {
        self.init(samples: .uint8(pixels), labels: labels, height: height, width: width, channels: channels, classes: classes)
    }

    /// A dataset of float32 images (`values.count == labels.count · height · width · channels`),
    /// fed to the model unchanged.
    public init(floats values: [Float], labels: [UInt8], height: Int, width: Int, channels: Int = 1, classes: Int = 10) {
        self.init(samples: .float32(values), labels: labels, height: height, width: width, channels: channels, classes: classes)
    }

    /// A dataset from stored samples; the counts must agree.
    public init(samples: Samples, labels: [UInt8], height: Int, width: Int, channels: Int = 1, classes: Int = 10) {
        precondition(height >= 0 && width >= 0 && channels >= 1, "ImageDataset: bad image shape")
        precondition((1...Self.maxClasses).contains(classes), "ImageDataset: classes must be in 1…\(Self.maxClasses)")
        precondition(samples.count == labels.count * height * width * channels, "ImageDataset: sample count mismatch")
        self.count = labels.count
        self.height = height
        self.width = width
        self.channels = channels
        self.samples = samples
        self.labels = labels
        self.classes = classes
    }

    /// The same images and labels with another class count (at least `maxLabel + 1`).
    public func withClasses(_ classes: Int) -> ImageDataset {
        precondition(classes > (maxLabel ?? -1), "ImageDataset: \(classes) classes do not cover label \(maxLabel ?? 0)")
        return ImageDataset(samples: samples, labels: labels, height: height, width: width, channels: channels, classes: classes)
    }

    /// The first `n` examples (all of them if `n >= count`).
    public func prefix(_ n: Int) -> ImageDataset {
        let m = max(0, min(n, count))
        if m == count { return self }
        let values = m * sampleSize
        let cut: Samples
        switch samples {
        case .uint8(let p): cut = .uint8(Array(p[0..<values]))
        case .float32(let p): cut = .float32(Array(p[0..<values]))
        }
        return ImageDataset(samples: cut, labels: Array(labels[0..<m]), height: height, width: width,
                            channels: channels, classes: classes)
    }

    /// Number of examples of each class.
    public var labelCounts: [Int] {
        var counts = [Int](repeating: 0, count: classes)
        for l in labels { counts[Int(l)] += 1 }
        return counts
    }

    /// Writes the images at `indices` as `Float` into `x` (`[B, H, W, C]`, NHWC; 8-bit values
    /// as value / 255, float32 values unchanged) and their labels into `y`.
    public func fillBatch(indices: ArraySlice<Int>, x: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Int32>) {
        let size = sampleSize
        switch samples {
        case .uint8(let pixels):
            pixels.withUnsafeBufferPointer { p in
                for (b, index) in indices.enumerated() {
                    let src = p.baseAddress! + index * size
                    let dst = x + b * size
                    for i in 0..<size { dst[i] = Float(src[i]) / 255 }
                    y[b] = Int32(labels[index])
                }
            }
        case .float32(let values):
            values.withUnsafeBufferPointer { p in
                for (b, index) in indices.enumerated() {
                    (x + b * size).update(from: p.baseAddress! + index * size, count: size)
                    y[b] = Int32(labels[index])
                }
            }
        }
    }

    /// A batch as a tensor `[B, H, W, C]` plus labels.
    public func batch(indices: ArraySlice<Int>) -> (x: Tensor, y: [Int32]) {
        var x = Tensor(zeros: [indices.count, height, width, channels])
        var y = [Int32](repeating: 0, count: indices.count)
        x.data.withUnsafeMutableBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                fillBatch(indices: indices, x: xp.baseAddress!, y: yp.baseAddress!)
            }
        }
        return (x, y)
    }
}
