/// A dense row-major matrix of `Float`: the one shape of data the numeric core passes around.
///
/// Rows are samples and columns are features, as in Keras and scikit-learn.
public struct Matrix: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    /// The elements, row after row (`values[r * columns + c]`).
    public var values: [Float]

    /// A matrix of `rows × columns` zeros (or `value`).
    public init(rows: Int, columns: Int, repeating value: Float = 0) {
        precondition(rows >= 0 && columns >= 0, "matrix dimensions must not be negative")
        self.rows = rows
        self.columns = columns
        self.values = [Float](repeating: value, count: rows * columns)
    }

    /// A matrix over `values`, which must hold exactly `rows × columns` elements in row-major order.
    public init(rows: Int, columns: Int, values: [Float]) {
        precondition(values.count == rows * columns, "expected \(rows * columns) values, got \(values.count)")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// A matrix from equally long rows.
    public init(_ rows: [[Float]]) {
        let columns = rows.first?.count ?? 0
        precondition(rows.allSatisfy { $0.count == columns }, "all rows must have the same length")
        self.init(rows: rows.count, columns: columns, values: rows.flatMap { $0 })
    }

    public subscript(row: Int, column: Int) -> Float {
        get { values[row * columns + column] }
        set { values[row * columns + column] = newValue }
    }

    /// A copy of one row.
    public func row(_ index: Int) -> [Float] {
        Array(values[index * columns..<(index + 1) * columns])
    }

    /// The rows at `indices`, in that order.
    public func gatheringRows(_ indices: some Collection<Int>) -> Matrix {
        var result = [Float]()
        result.reserveCapacity(indices.count * columns)
        for index in indices {
            result.append(contentsOf: values[index * columns..<(index + 1) * columns])
        }
        return Matrix(rows: indices.count, columns: columns, values: result)
    }

    /// The columns in `range`, every row.
    public func columns(_ range: Range<Int>) -> Matrix {
        precondition(range.lowerBound >= 0 && range.upperBound <= columns, "columns \(range) of \(columns)")
        if range == 0..<columns { return self }
        var result = [Float]()
        result.reserveCapacity(rows * range.count)
        for row in 0..<rows {
            result.append(contentsOf: values[row * columns + range.lowerBound..<row * columns + range.upperBound])
        }
        return Matrix(rows: rows, columns: range.count, values: result)
    }

    /// `self`'s rows, then `other`'s (as many columns each).
    public func appendingRows(_ other: Matrix) -> Matrix {
        precondition(columns == other.columns, "cannot stack \(other.columns) columns under \(columns)")
        return Matrix(rows: rows + other.rows, columns: columns, values: values + other.values)
    }

    /// The product `self · other`, through Vigil's GEMM entry.
    public func multiplied(by other: Matrix) -> Matrix {
        precondition(columns == other.rows, "cannot multiply \(rows)×\(columns) by \(other.rows)×\(other.columns)")
        var result = Matrix(rows: rows, columns: other.columns)
        guard rows > 0, other.columns > 0, columns > 0 else { return result }
        values.withUnsafeBufferPointer { a in
            other.values.withUnsafeBufferPointer { b in
                result.values.withUnsafeMutableBufferPointer { c in
                    gemm(
                        m: rows, n: other.columns, k: columns,
                        a: a.baseAddress!, lda: columns,
                        b: b.baseAddress!, ldb: other.columns,
                        c: c.baseAddress!, ldc: other.columns)
                }
            }
        }
        return result
    }
}
