import Testing

@testable import VigilML

@Suite struct LinearAlgebraTests {
    private func naive(_ a: Matrix, _ b: Matrix) -> Matrix {
        var c = Matrix(rows: a.rows, columns: b.columns)
        for i in 0..<a.rows {
            for j in 0..<b.columns {
                var sum: Float = 0
                for k in 0..<a.columns { sum += a[i, k] * b[k, j] }
                c[i, j] = sum
            }
        }
        return c
    }

    private func random(_ rows: Int, _ columns: Int, _ generator: inout SeededGenerator) -> Matrix {
        Matrix(rows: rows, columns: columns, values: (0..<(rows * columns)).map { _ in generator.nextUniform(-1, 1) })
    }

    private func close(_ x: Matrix, _ y: Matrix) -> Bool {
        zip(x.values, y.values).allSatisfy { abs($0 - $1) < 1e-4 }
    }

    @Test(arguments: [(1, 64, 32), (3, 5, 64), (33, 64, 5), (128, 16, 32)])
    func productMatchesTheNaiveLoop(shape: (Int, Int, Int)) {
        var generator = SeededGenerator(seed: UInt64(shape.0 * 1000 + shape.1))
        let a = random(shape.0, shape.1, &generator)
        let b = random(shape.1, shape.2, &generator)
        #expect(close(a.multiplied(by: b), naive(a, b)))
    }

    @Test func transposedOperands() {
        var generator = SeededGenerator(seed: 3)
        let a = random(4, 3, &generator)  // used as aᵀ: 3 × 4
        let b = random(5, 4, &generator)  // used as bᵀ: 4 × 5
        var c = Matrix(rows: 3, columns: 5)
        a.values.withUnsafeBufferPointer { a in
            b.values.withUnsafeBufferPointer { b in
                c.values.withUnsafeMutableBufferPointer { c in
                    gemm(
                        transposeA: .transposed, transposeB: .transposed, m: 3, n: 5, k: 4, a: a.baseAddress!, lda: 3, b: b.baseAddress!, ldb: 4,
                        c: c.baseAddress!, ldc: 5)
                }
            }
        }
        var at = Matrix(rows: 3, columns: 4)
        var bt = Matrix(rows: 4, columns: 5)
        for i in 0..<4 {
            for j in 0..<3 { at[j, i] = a[i, j] }
            for j in 0..<5 { bt[i, j] = b[j, i] }
        }
        #expect(close(c, naive(at, bt)))
    }

    @Test func columnsAreCutOutOfEveryRow() {
        let matrix = Matrix([[1, 2, 3], [4, 5, 6]])
        #expect(matrix.columns(1..<3) == Matrix([[2, 3], [5, 6]]))
        #expect(matrix.columns(0..<3) == matrix)
        #expect(matrix.columns(2..<2).values.isEmpty)
    }

    @Test func scalerRoundTripsAndMatchesScikitLearn() {
        let data = Matrix([[1, 10, 5], [3, 10, 7], [5, 10, 9]])
        let scaler = StandardScaler(fitting: data)
        #expect(scaler.mean == [3, 10, 7])
        // Population standard deviation; a constant column gets scale 1.
        #expect(abs(scaler.scale[0] - (8.0 / 3).squareRoot()) < 1e-12)
        #expect(scaler.scale[1] == 1)
        let scaled = scaler.transform(data)
        #expect(scaled[1, 0] == 0)
        #expect(scaled[0, 1] == 0)
        let back = scaler.inverseTransform(scaled)
        #expect(zip(back.values, data.values).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    @Test func generatorIsSeeded() {
        var a = SeededGenerator(seed: 1)
        var b = SeededGenerator(seed: 1)
        var c = SeededGenerator(seed: 2)
        let first = (0..<5).map { _ in a.next() }
        #expect(first == (0..<5).map { _ in b.next() })
        #expect(first != (0..<5).map { _ in c.next() })
        let normals = (0..<20_000).map { _ in a.nextNormal(mean: 50, standardDeviation: 15) }
        let mean = normals.reduce(0, +) / Double(normals.count)
        #expect(abs(mean - 50) < 0.5)
    }
}

/// Which OpenBLAS kernels Vigil asks for on a CPU OpenBLAS does not recognise.
@Suite struct BLASKernelTests {
    let vectorCPU: Set<String> = ["sse3", "avx", "avx2", "fma", "avx512f"]

    @Test func aGenericFallbackOnAnAVX2CPUGetsTheHaswellKernels() {
        #expect(BLAS.betterCoreType(than: "Prescott", cpuFlags: vectorCPU) == "Haswell")
        #expect(BLAS.betterCoreType(than: "Sandybridge", cpuFlags: vectorCPU) == "Haswell")
        // Kernels OpenBLAS chose for a CPU it knows are kept, and a CPU without AVX2 or FMA
        // keeps its fallback.
        for core in ["Haswell", "Zen", "SkylakeX", "COOPERLAKE"] { #expect(BLAS.betterCoreType(than: core, cpuFlags: vectorCPU) == nil, "\(core)") }
        #expect(BLAS.betterCoreType(than: "Prescott", cpuFlags: ["sse3", "avx", "fma"]) == nil)
        #expect(BLAS.betterCoreType(than: "Prescott", cpuFlags: ["sse3", "avx2"]) == nil)
    }

    @Test func cpuFlagsAreReadFromTheFirstProcessor() {
        let text = "processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Processor\nflags\t\t: fpu sse3 avx2 fma\n\nprocessor\t: 1\nflags\t\t: fpu\n"
        #expect(BLAS.cpuFlags(cpuInfo: text) == ["fpu", "sse3", "avx2", "fma"])
        #expect(BLAS.cpuFlags(cpuInfo: "").isEmpty)
    }
}
