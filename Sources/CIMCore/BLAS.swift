import CCIMBLAS

/// Single-precision GEMM through OpenBLAS, loaded at run time with the right kernel.
///
/// OpenBLAS is not linked: `CCIMBLAS` sets `OPENBLAS_CORETYPE` from the CPU's features
/// (AVX-512 → `SkylakeX`, AVX2+FMA → `Haswell`) unless the user has set it, and only then
/// loads `libopenblas.so.0`. This avoids the 5× slowdown of Debian 12's OpenBLAS 0.3.21,
/// which detects some current CPUs as "Prescott".
public enum BLAS {
    /// Row-major `C = alpha · op(A) · op(B) + beta · C`.
    ///
    /// - Parameters:
    ///   - transA: use Aᵀ (A is stored k×m) instead of A (m×k).
    ///   - transB: use Bᵀ (B is stored n×k) instead of B (k×n).
    ///   - m, n, k: the shape of the product, op(A) is m×k and op(B) is k×n.
    ///   - lda, ldb, ldc: row strides in elements.
    @inlinable
    public static func sgemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "sgemm: negative dimension")
        if m == 0 || n == 0 { return }
        cim_sgemm(transA ? 1 : 0, transB ? 1 : 0, Int32(m), Int32(n), Int32(k), alpha,
                  a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// Loads the library (if not loaded yet); throws if it cannot be found.
    public static func load() throws(CIMError) {
        if cim_blas_load() != 0 {
            throw CIMError.blasUnavailable(String(cString: cim_blas_error()))
        }
    }

    /// What is in use: library, kernel, how the core type was chosen, threads.
    public static var info: Info {
        get throws(CIMError) {
            try load()
            let source: String
            switch cim_blas_coretype_from_user() {
            case 1: source = "user (OPENBLAS_CORETYPE)"
            case 0: source = "auto (CPU features)"
            default: source = "OpenBLAS detection"
            }
            return Info(
                library: String(cString: cim_blas_library()),
                coreName: String(cString: cim_blas_corename()),
                coreType: String(cString: cim_blas_coretype()),
                coreTypeSource: source,
                config: String(cString: cim_blas_config()),
                threads: Int(cim_blas_threads()))
        }
    }

    /// The number of OpenBLAS threads (1 when the library cannot be loaded); oneDNN's
    /// convolutions use the same number.
    public static var threads: Int { Int(cim_blas_threads()) }

    /// Sets the number of OpenBLAS threads.
    public static func setThreads(_ n: Int) {
        precondition(n >= 1, "BLAS threads must be ≥ 1")
        cim_blas_set_threads(Int32(n))
    }

    /// A description of the BLAS library in use.
    public struct Info: Codable, Sendable, Equatable {
        /// The soname or path that was loaded.
        public var library: String
        /// OpenBLAS's name for the kernel it runs (e.g. `SkylakeX`).
        public var coreName: String
        /// The `OPENBLAS_CORETYPE` value in force at load time ("" if none).
        public var coreType: String
        /// Who chose the core type.
        public var coreTypeSource: String
        /// OpenBLAS's build configuration.
        public var config: String
        /// Worker threads.
        public var threads: Int
    }
}

/// Reference GEMM (triple loop, Double accumulation): the oracle for tests.
///
/// Same argument convention as ``BLAS/sgemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``.
public func referenceGEMM(
    transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
    alpha: Float = 1, a: [Float], lda: Int, b: [Float], ldb: Int,
    beta: Float = 0, c: inout [Float], ldc: Int
) {
    for i in 0..<m {
        for j in 0..<n {
            var s = 0.0
            for p in 0..<k {
                let av = transA ? a[p * lda + i] : a[i * lda + p]
                let bv = transB ? b[j * ldb + p] : b[p * ldb + j]
                s += Double(av) * Double(bv)
            }
            let old = beta == 0 ? 0 : Double(beta) * Double(c[i * ldc + j])
            c[i * ldc + j] = Float(Double(alpha) * s + old)
        }
    }
}
