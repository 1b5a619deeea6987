import CIMCore
import CIMData
import CIMTrain
import Foundation
import Testing

/// On chip with 2+ threads, each epoch's evaluation runs on its own thread while the next epoch
/// trains; the weights, the chip and every epoch record must be the bits the sequential run gives,
/// and a checkpoint taken while an evaluation is still running must resume to the same end.
@Suite("On-chip training: evaluation overlapped with the next epoch", .serialized)
struct OverlappedEvaluationTests {
    func config() -> TrainingConfig {
        var c = TrainingConfig()
        c.trainLimit = 1024
        c.testLimit = 300
        c.batchesPerEpoch = 3
        c.epochs = 3
        c.onChip = OnChipConfig(rule: .mixedPrecision)
        return c
    }

    /// The records without their wall-time fields.
    func figures(_ records: [EpochRecord]) -> [[Double]] {
        records.map { [Double($0.epoch), $0.trainLoss, $0.trainAccuracy, $0.testLoss, $0.testAccuracy,
                       $0.digitalTestAccuracy ?? -1, Double($0.totalWrites ?? -1)] }
    }

    @Test("overlapped epochs give the sequential run's bits, records and events in epoch order")
    func sameBits() throws {
        let c = config()
        var straight = try Trainer(config: c, data: limitedData(c))
        straight.run()
        var overlapped = try Trainer(config: c, data: limitedData(c))
        overlapped.overlapEvaluation = true
        var events: [Int] = []
        let collect: (TrainingEvent) -> Void = { if case .epoch(let r) = $0 { events.append(r.epoch) } }
        for epoch in 1...c.epochs {
            let trained = overlapped.runEpochOverlapped(epoch, progress: collect)
            #expect(trained.epoch == epoch && trained.testLoss.isNaN)
            #expect(overlapped.pendingEpoch?.epoch == epoch)
            #expect(overlapped.epochs.count == epoch - 1)  // the previous epoch's evaluation has been collected
        }
        overlapped.finishEvaluation(progress: collect)
        #expect(overlapped.pendingEpoch == nil)
        #expect(events == [1, 2, 3])
        #expect(figures(overlapped.epochs) == figures(straight.epochs))
        #expect(overlapped.network.parameters.map(\.bitPattern) == straight.network.parameters.map(\.bitPattern))
        #expect(overlapped.chip!.engine.noise == straight.chip!.engine.noise)
    }

    @Test("a checkpoint with an evaluation still running resumes to the uninterrupted run's end")
    func resumePending() throws {
        let c = config()
        var straight = try Trainer(config: c, data: limitedData(c))
        straight.run()
        var first = try Trainer(config: c, data: limitedData(c))
        first.overlapEvaluation = true
        _ = first.runEpochOverlapped(1)
        _ = first.runEpochOverlapped(2)
        let archive = try TensorArchive.decode(try first.checkpoint().encode(), path: "checkpoint")
        #expect(archive.metadata["checkpoint"] == "2")
        var resumed = try Trainer(resuming: archive, data: limitedData(c), path: "checkpoint")
        #expect(resumed.epochs.count == 2)  // the pending epoch 2 was evaluated from the saved state
        resumed.run()
        first.finishEvaluation()
        #expect(figures(resumed.epochs) == figures(straight.epochs))
        #expect(figures(Array(first.epochs.prefix(2))) == figures(Array(straight.epochs.prefix(2))))
        #expect(resumed.network.parameters.map(\.bitPattern) == straight.network.parameters.map(\.bitPattern))

        // a version 2 checkpoint whose pending record is missing is refused by name
        var broken = archive
        broken.metadata["pending_epoch"] = nil
        #expect(throws: CIMError.self) { _ = try Trainer(resuming: broken, data: try limitedData(c), path: "broken") }
    }
}
