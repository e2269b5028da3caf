#if canImport(Accelerate)
    import Accelerate
#elseif canImport(CBLAS)
    import CBLAS
#endif

/// Whether an operand of ``gemm(transposeA:transposeB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)`` is
/// read as stored or transposed.
enum Transpose: Sendable {
    case none
    case transposed
}

/// The one matrix-product entry of Vigil: `C ← alpha · op(A) · op(B) + beta · C`, row-major, Float32.
///
/// `op(A)` is `m × k`, `op(B)` is `k × n`, `C` is `m × n`. Every product in training and inference
/// goes through here, so the platform's BLAS (Accelerate on Apple platforms, OpenBLAS' CBLAS
/// elsewhere) is chosen in this one place.
///
/// Single rows (`m == 1`, no transposes) take a hand-written loop: for one vector and layers of
/// 64 units, a BLAS call's set-up costs more than the arithmetic (see BENCHMARKS.md).
func gemm(
    transposeA: Transpose = .none,
    transposeB: Transpose = .none,
    m: Int, n: Int, k: Int,
    alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float = 0,
    c: UnsafeMutablePointer<Float>, ldc: Int
) {
    if m == 1, transposeA == .none, transposeB == .none, alpha == 1 {
        rowTimesMatrix(n: n, k: k, x: a, b: b, ldb: ldb, beta: beta, y: c)
        return
    }
    platformGEMM(
        transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
        a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
}

func platformGEMM(
    transposeA: Transpose, transposeB: Transpose,
    m: Int, n: Int, k: Int, alpha: Float,
    a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float,
    c: UnsafeMutablePointer<Float>, ldc: Int
) {
    let opA = transposeA == .none ? CblasNoTrans : CblasTrans
    let opB = transposeB == .none ? CblasNoTrans : CblasTrans
    #if canImport(Accelerate)
        cblas_sgemm(
            CblasRowMajor, opA, opB, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    #else
        cblas_sgemm(
            CblasRowMajor, opA, opB, blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c,
            blasint(ldc))
    #endif
}

/// `y ← x · B + beta · y` for one row `x` of length `k` and `B` of `k × n` (row stride `ldb`).
///
/// Walks `B` row by row so the inner loop runs over contiguous memory and vectorises.
func rowTimesMatrix(n: Int, k: Int, x: UnsafePointer<Float>, b: UnsafePointer<Float>, ldb: Int, beta: Float, y: UnsafeMutablePointer<Float>) {
    if beta == 0 {
        y.update(repeating: 0, count: n)
    } else if beta != 1 {
        for j in 0..<n { y[j] *= beta }
    }
    for i in 0..<k {
        let xi = x[i]
        let row = b + i &* ldb
        for j in 0..<n {
            y[j] += xi * row[j]
        }
    }
}

/// Process-wide BLAS settings.
public enum BLAS {
    /// Sets how many threads the platform BLAS may use (OpenBLAS only; Accelerate decides itself).
    ///
    /// Vigil's layers are small: one thread avoids OpenBLAS' threading collapse on a busy machine
    /// and keeps results bit-for-bit repeatable. Call before any work starts.
    public static func setThreadCount(_ count: Int) {
        #if !canImport(Accelerate) && canImport(CBLAS)
            openblas_set_num_threads(Int32(count))
        #endif
    }
}
