import CCIMKernels

/// The process's allocator setting for batch training and inference.
///
/// glibc hands every freed block above its mmap threshold (128 kB, raised on the fly to at most
/// 32 MB) back to the kernel, so each batch's large activations and im2col matrices (tens of
/// MB for cnn16 at batch 1000) were mapped, page-faulted and zeroed by the kernel anew every
/// batch: 17 % of the samples of `perf record` over digital training and inference of cnn16.
/// Keeping freed blocks in the process lets the next batch reuse them. It changes no result.
public enum ProcessMemory {
    /// Keeps freed blocks of up to `bytes` (default 1 GiB) in the process (glibc's
    /// `M_MMAP_THRESHOLD` and `M_TRIM_THRESHOLD`); returns false where that is not available.
    /// Call it once at start-up, before worker threads allocate.
    @discardableResult
    public static func keepFreedBlocks(upTo bytes: Int = 1 << 30) -> Bool {
        precondition(bytes > 0, "ProcessMemory: bytes must be > 0")
        return cim_keep_freed_memory(bytes) == 0
    }
}
