import CIMCore

/// A labelled set of single-channel 8-bit images, kept as bytes; converted to `Float`
/// one batch at a time (pixel / 255, so inputs lie in [0, 1], as a DAC would see them).
public struct ImageDataset: Sendable {
    /// Number of images.
    public let count: Int
    /// Image height in pixels.
    public let height: Int
    /// Image width in pixels.
    public let width: Int
    /// `count · height · width` grey levels, row-major.
    public let pixels: [UInt8]
    /// `count` class labels.
    public let labels: [UInt8]
    /// Number of classes (labels lie in `0..<classes`).
    public let classes: Int

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

    /// A dataset from raw arrays (`pixels.count == labels.count · height · width`).
    public init(pixels: [UInt8], labels: [UInt8], height: Int, width: Int, classes: Int = 10) {
        precondition(pixels.count == labels.count * height * width, "ImageDataset: pixel count mismatch")
        self.count = labels.count
        self.height = height
        self.width = width
        self.pixels = pixels
        self.labels = labels
        self.classes = classes
    }

    /// The first `n` examples (all of them if `n >= count`).
    public func prefix(_ n: Int) -> ImageDataset {
        let m = max(0, min(n, count))
        return ImageDataset(pixels: Array(pixels[0..<(m * height * width)]), labels: Array(labels[0..<m]),
                            height: height, width: width, classes: classes)
    }

    /// Number of examples of each class.
    public var labelCounts: [Int] {
        var counts = [Int](repeating: 0, count: classes)
        for l in labels { counts[Int(l)] += 1 }
        return counts
    }

    /// Writes the images at `indices` as `Float` (value / 255) into `x` (`[B, H, W, 1]`, NHWC)
    /// and their labels into `y`.
    public func fillBatch(indices: ArraySlice<Int>, x: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Int32>) {
        let size = height * width
        pixels.withUnsafeBufferPointer { p in
            for (b, index) in indices.enumerated() {
                let src = p.baseAddress! + index * size
                let dst = x + b * size
                for i in 0..<size { dst[i] = Float(src[i]) / 255 }
                y[b] = Int32(labels[index])
            }
        }
    }

    /// A batch as a tensor `[B, H, W, 1]` plus labels.
    public func batch(indices: ArraySlice<Int>) -> (x: Tensor, y: [Int32]) {
        var x = Tensor(zeros: [indices.count, height, width, 1])
        var y = [Int32](repeating: 0, count: indices.count)
        x.data.withUnsafeMutableBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                fillBatch(indices: indices, x: xp.baseAddress!, y: yp.baseAddress!)
            }
        }
        return (x, y)
    }
}
