import ArgumentParser
import CIMMap

/// `cim export`: maps a trained model onto a chip and writes the HDF5 chip image.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Map a trained model onto a chip and write its HDF5 chip image (schemas/chip-image-v4.md).",
        discussion: """
            MODEL is a model.safetensors from `cim train` (digital or on chip) or `cim import`, or an .onnx file. Weights are quantised to
            the chip's device levels (one scale per layer), cut into tile blocks, packed onto tiles, and
            checked: capacity, programming error (Monte Carlo), ADC clipping on calibration images, and
            stuck devices (--defects). --calibrate calibrates on the same images: a weight scale per column
            (--weight-clip), static input ranges (--input-range) and each tile's ADC full scale (--adc-range).
            The image is written to a temporary file and renamed into place.
            Example: cim export runs/lenet-wu2023-mp-seed1/model.safetensors --chip wu2023-inference --out exported/lenet.h5
            """)

    @Argument(help: "The trained model (model.safetensors, or an .onnx file).")
    var model: String

    @OptionGroup var options: MappingOptions

    func run() throws {
        try options.run(model: try Import.trainedModel(model))
    }
}
