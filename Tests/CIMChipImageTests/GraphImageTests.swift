import CIMChipImage
import CIMCore
import CIMCrossbar
import CIMHDF5
import CIMMap
import CIMNetwork
import CIMTrain
import Foundation
import Testing

extension ChipImageTests {
    /// Chip image v2: a layer graph with strided, padded, grouped and depthwise convolutions,
    /// pooling, a residual add and parametric activations goes onto tiles and back.
    @Suite("layer graph (v2)")
    struct GraphImage {
        static func logits(_ network: Network, _ x: Tensor) -> [Float] {
            var n = network
            return n.forward(x, training: false).data
        }

        static func logits(_ network: Network, _ x: Tensor, engine: inout ChipEngine) -> [Float] {
            var n = network
            return n.forward(x, training: false, engine: &engine).data
        }

        static func maxRelative(_ a: [Float], _ b: [Float]) -> Float {
            let scale = max(b.map(abs).max() ?? 0, 1e-6)
            return zip(a, b).map { abs($0 - $1) }.max()! / scale
        }

        @Test("ideal device, ideal periphery: the chip (grouped layers group by group on their own crossbars) equals the FP32 network")
        func idealChipEqualsFloat() throws {
            let image = try Fixtures.graphImage(ChipPreset.ideal.spec.withIdealPeriphery)
            let network = try Network(architecture: GraphModel.architecture, seed: 3)
            let x = GraphModel.inputs(12, seed: 9)
            let fp32 = Self.logits(network, x)
            let quantised = try image.quantizedNetwork()
            // a continuous noiseless device holds every weight to float32 rounding
            let weights = zip(quantised.parameters, network.parameters).map { abs($0 - $1) }.max()!
            #expect(weights < 1e-6, "largest weight difference \(weights)")
            var engine = try image.engine(noise: nil)
            #expect(engine.grouped[2]?.count == 8 && engine.grouped[7]?.count == 2, "grouped layers: \(engine.grouped.mapValues(\.count))")
            #expect(engine.layers[2] == nil && engine.layers[0] != nil && engine.layers[11] != nil)
            let chip = Self.logits(quantised, x, engine: &engine)
            let e = Self.maxRelative(chip, fp32)
            #expect(e < 1e-5, "chip vs FP32: max relative difference \(e)")
        }

        @Test("wu2023-inference: blocks never span groups, every weight sits once, and the noiseless chip is close to the quantised model")
        func inferenceChip() throws {
            let image = Fixtures.graph
            for l in image.layers {
                let w = l.groupColumns
                for b in l.blocks { #expect(b.columnStart / w == (b.columnStart + b.columns - 1) / w, "layer \(l.index) block \(b)") }
            }
            #expect(image.layers.map(\.groups) == [1, 8, 1, 2, 1])
            let x = GraphModel.inputs(12, seed: 9)
            let quantised = try image.quantizedNetwork()
            let reference = Self.logits(quantised, x)
            var engine = try image.engine(noise: nil)
            let chip = Self.logits(quantised, x, engine: &engine)
            let e = Self.maxRelative(chip, reference)
            // 8-bit DAC and ADC: a few per cent, not nothing
            #expect(e > 1e-5 && e < 0.1, "8-bit periphery vs quantised model: \(e)")
            // the checks ran on the grouped layers too
            #expect(image.report.layers.allSatisfy { $0.adcClippingRate != nil && $0.programmingRelativeErrorMean != nil })
        }

        @Test("a v2 file holds the graph, the new layer kinds, groups and the preprocessing; verify is clean")
        func fileContents() throws {
            let dir = TempDir("graph")
            defer { dir.remove() }
            let path = dir.file("graph.h5")
            try ChipImageFile.write(Fixtures.graph, to: path)
            #expect(ChipImageFile.verify(path: path).isEmpty)
            let walk = try FileWalk.contents(of: path)
            #expect(walk["/@format_version"] == "int64 \(ChipImageFile.version)")
            #expect(walk["/network/layer_005@kind"] == "string add")
            #expect(walk["/network/layer_005@inputs"] == "int64 3,4")
            #expect(walk["/network/layer_002@groups"] == "int64 8")
            #expect(walk["/network/layer_002@padding"] == "int64 1,1,0,0")
            let back = try ChipImageFile.read(path: path)
            #expect(back.preprocessing.foldedNormalization?.shift == [-2, -2.1, -2.2])
            #expect(back.architecture.inputs == GraphModel.architecture.inputs)
        }

        @Test("a grouped layer whose block spans two groups, or inputs that disagree with the graph, are problems")
        func badGraphFiles() throws {
            let dir = TempDir("graph-bad")
            defer { dir.remove() }
            let good = dir.file("good.h5")
            try ChipImageFile.write(Fixtures.graph, to: good)
            // widen the depthwise layer's first block over the next group's column
            let spans = dir.file("spans.h5")
            try FileManager.default.copyItem(atPath: good, toPath: spans)
            try Edit.modify(spans, "/network/layer_002/blocks", as: Int32.self) { $0[4] = 2 }
            try ChipImageFile.seal(path: spans)
            let p1 = ChipImageFile.verify(path: spans)
            #expect(p1.contains { $0.contains("/network/layer_002/blocks") && $0.contains("spans two groups") }, "\(p1)")
            let inputs = dir.file("inputs.h5")
            try FileManager.default.copyItem(atPath: good, toPath: inputs)
            let f = try HDF5File.open(path: inputs, writable: true)
            try f.root.openGroup("network/layer_005").setAttribute("inputs", [3, 3])
            try f.close()
            try ChipImageFile.seal(path: inputs)
            let p2 = ChipImageFile.verify(path: inputs)
            #expect(p2 == ["/network/layer_005/inputs: [3, 3], the architecture has [3, 4]"], "\(p2)")
        }
    }
}
