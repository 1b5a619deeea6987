import Foundation

/// Runs independent work items on up to `threads` threads, with a fixed assignment of items
/// to workers (worker w runs items w, w + T, w + 2T, … in order), so that results written to
/// per-item slots never depend on scheduling. With one worker the items run in order on the
/// calling thread.
///
/// Every item must touch only its own slot of any shared storage; the caller reduces the slots
/// afterwards in a fixed order. OpenBLAS and oneDNN should run single-threaded inside the items
/// (`BLAS.setThreads(1)`), or the two levels of threads fight over the cores.
public enum ParallelFor {
    /// Calls `body(i)` for every `i` in `0..<count` on `min(threads, count)` workers.
    public static func run(_ count: Int, threads: Int, _ body: (Int) -> Void) {
        let workers = Swift.max(1, Swift.min(threads, count))
        if workers == 1 {
            for i in 0..<count { body(i) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let work = UncheckedBox(body)
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                for i in stride(from: w, to: count, by: workers) { work.value(i) }
            }
        }
    }

    /// Calls `body(worker, i)` for every `i` in `0..<count` on `min(threads, count)` workers that
    /// take the next item as they become free (a busy core delays only its current item), so
    /// which worker runs an item varies from run to run: `body` must compute the same result
    /// for an item whichever worker (and that worker's scratch, indexed by `worker`) runs it.
    public static func runClaiming(_ count: Int, threads: Int, _ body: (_ worker: Int, _ item: Int) -> Void) {
        let workers = Swift.max(1, Swift.min(threads, count))
        if workers == 1 {
            for i in 0..<count { body(0, i) }
            return
        }
        let next = ItemCounter()
        withoutActuallyEscaping(body) { body in
            let work = UncheckedBox(body)
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                while true {
                    let i = next.claim()
                    guard i < count else { break }
                    work.value(w, i)
                }
            }
        }
    }
}

/// The next unclaimed item of ``ParallelFor/runClaiming(_:threads:_:)``.
final class ItemCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    func claim() -> Int {
        lock.lock()
        defer { lock.unlock() }
        next += 1
        return next - 1
    }
}

/// A value handed to worker threads whose items only touch disjoint state (see ``ParallelFor``).
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
