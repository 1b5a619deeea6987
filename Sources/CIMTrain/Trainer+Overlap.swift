import CIMCore
import CIMData
import CIMNetwork
import Foundation

/// One epoch's test evaluation running on its own thread, on copies of the network and chip.
final class BackgroundEvaluation: @unchecked Sendable {
    /// The epoch as trained (test fields NaN until the evaluation ends).
    let trained: EpochRecord
    private let lock = NSLock()
    private let done = DispatchSemaphore(value: 0)
    private var result: EpochRecord?

    init(_ trained: EpochRecord, network: Network, engine: ChipEngine?, test: ImageDataset, config: TrainingConfig) {
        self.trained = trained
        let thread = Thread { [self] in
            let record = Trainer.evaluated(trained, network: network, engine: engine, test: test, config: config, threads: 1)
            lock.lock()
            result = record
            lock.unlock()
            done.signal()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// The finished record, or `nil` while the evaluation runs.
    var finished: EpochRecord? {
        lock.lock()
        defer { lock.unlock() }
        return result
    }

    /// Waits for the evaluation and returns its record.
    func wait() -> EpochRecord {
        if let r = finished { return r }
        done.wait()
        done.signal()  // later calls return at once
        return finished!
    }
}

extension Trainer {
    /// Trains epoch `epoch` and starts its test evaluation on another thread, on copies of the
    /// network and the chip as they are at the end of the epoch, while the next epoch trains:
    /// the two cores share the work and the epochs' records are the same bits as
    /// ``runEpoch(_:progress:)`` gives (evaluation reads its own noise stream; the data order
    /// and the training noise do not depend on it). The previous epoch's evaluation is
    /// collected first (``epochs`` grows when it ends and `progress` gets its `.epoch` event);
    /// ``finishEvaluation(progress:)`` collects the last. Returns the epoch as trained (test
    /// fields NaN). OpenBLAS should run one thread.
    public mutating func runEpochOverlapped(_ epoch: Int, progress: (TrainingEvent) -> Void = { _ in }) -> EpochRecord {
        let trained = trainEpoch(epoch, progress: progress)
        collectEvaluation(wait: true, progress: progress)
        background = BackgroundEvaluation(trained, network: network, engine: chip?.engine, test: data.test, config: config)
        return trained
    }

    /// The epoch whose evaluation is still running, if any (its training part).
    public var pendingEpoch: EpochRecord? { background?.trained }

    /// Waits for the running evaluation, if any, and appends its record.
    public mutating func finishEvaluation(progress: (TrainingEvent) -> Void = { _ in }) {
        collectEvaluation(wait: true, progress: progress)
    }

    /// Appends the background evaluation's record when it has ended (or, with `wait`, once it ends).
    mutating func collectEvaluation(wait: Bool, progress: (TrainingEvent) -> Void) {
        guard let b = background else { return }
        let start = ProcessStats.now()
        guard let record = wait ? b.wait() : b.finished else { return }
        elapsedSeconds += ProcessStats.now() - start  // time spent waiting for it, s
        background = nil
        epochs.append(record)
        progress(.epoch(record))
    }
}
