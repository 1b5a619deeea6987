import CIMTrain
import Foundation

/// Progress on stderr: a redrawn bar on a terminal, one line per epoch otherwise.
final class ProgressPrinter {
    let enabled: Bool
    let isTerminal: Bool
    let epochs: Int
    private var lastDraw = 0.0

    init(enabled: Bool, epochs: Int) {
        self.enabled = enabled
        self.isTerminal = isatty(STDERR_FILENO) != 0
        self.epochs = epochs
    }

    func header(_ text: String) {
        if enabled { writeStderr(text + "\n") }
    }

    func handle(_ event: TrainingEvent) {
        guard enabled else { return }
        switch event {
        case let .batch(epoch, batch, total, loss, rate):
            guard isTerminal else { return }
            let now = Date().timeIntervalSinceReferenceDate
            guard batch == total || now - lastDraw > 0.1 else { return }
            lastDraw = now
            let width = 30
            let filled = width * batch / max(total, 1)
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            writeStderr(String(format: "\r\u{1B}[Kepoch %d/%d %@ %d/%d loss %.4f %.0f img/s",
                               epoch, epochs, bar, batch, total, loss, rate))
        case let .epoch(r):
            if isTerminal { writeStderr("\r\u{1B}[K") }
            var chip = ""
            if let d = r.digitalTestAccuracy, let w = r.writesPerWeight {
                chip = String(format: "  W_FP %.2f %%  writes/weight %.2f (max %d)", 100 * d, w, r.maxWritesPerWeight ?? 0)
            }
            writeStderr(String(format: "epoch %2d/%d  loss %.4f  train %.2f %%  test %.2f %% (loss %.4f)%@  %.0f img/s  %.1f s\n",
                               r.epoch, epochs, r.trainLoss, 100 * r.trainAccuracy, 100 * r.testAccuracy, r.testLoss, chip,
                               r.imagesPerSecond, r.trainSeconds + r.evalSeconds))
        }
    }
}
