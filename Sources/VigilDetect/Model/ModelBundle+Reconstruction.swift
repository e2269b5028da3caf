public import VigilML

extension ModelBundle {
    /// The anomaly evidence (the "reconstruction error") of every row of a series (raw values in
    /// ``features`` order, rows in time order, windowed as the model was trained): the cheapest
    /// full pass, for calibration and evaluation. `times` (seconds) place the rows in their
    /// seasons (see ``SeriesWindow/inputs(_:times:)``); `services`, when the rows name them,
    /// make each service's rows its own series (see ``ServiceSeriesWindows``).
    public func reconstructionErrors(series rows: Matrix, times: [Double]? = nil, services: [String]? = nil) -> [Float] {
        var series = ServiceSeriesWindows(window, features: features.count)
        return reconstructionErrors(inputs: series.inputs(rows, times: times, services: services))
    }

    /// The anomaly evidence of every row of `inputs`, the model's raw inputs (``inputWidth``
    /// columns, see ``TemporalWindow``). `references`, in calibration: for each row, the
    /// ``NeighborProfile`` reference it is (`nil` for none), which its neighbours leave out.
    public func reconstructionErrors(inputs: Matrix, references: [Int?]? = nil) -> [Float] {
        precondition(references == nil || references!.count == inputs.rows, "one reference index (or nil) per row")
        var errors: [Float] = []
        errors.reserveCapacity(inputs.rows)
        let width = networkWidth
        forEachChunk(of: inputs) { count, input, output, changes in
            let start = errors.count
            let candidates = neighborCandidates(input, count: count) { references?[start + $0] }
            candidates.withUnsafeBufferPointer { all in
                for r in 0..<count {
                    let error = evidence(
                        input: input + r * width, output: output + r * width, changes: changes?(r), perFeature: nil,
                        excluding: references?[start + r], candidates: slice(all, row: r))
                    errors.append(Float(error))
                }
            }
        }
        return errors
    }

    /// For each row of `inputs` (model inputs, as ``reconstructionErrors(inputs:references:)``
    /// takes them), the ``NeighborProfile`` reference its window equals, if any: the rows a model
    /// was trained on, found again in data it is calibrated on. All `nil` without neighbours.
    public func identicalReferences(inputs: Matrix) -> [Int?] {
        guard let neighbors else { return [Int?](repeating: nil, count: inputs.rows) }
        var found: [Int?] = []
        found.reserveCapacity(inputs.rows)
        forEachChunk(of: inputs) { count, input, _, _ in
            for r in 0..<count { found.append(neighbors.identicalReference(input + r * networkWidth, features: features.count)) }
        }
        return found
    }

    /// One row's evidence from its scaled network input, its reconstruction and its seasonal
    /// `changes` (when the window has a season): the mean over inputs of the squared
    /// reconstruction error (times ``reconstructionWeight``), plus the squared robust z-score
    /// when the bundle has a ``RobustProfile``, plus the ``SeasonalProfile``'s evidence, plus the
    /// ``NeighborProfile``'s. `perFeature`, when given (zeroed, one slot per feature), receives
    /// each feature's part of it, over all steps of the window. `excluding`: the row is that neighbour
    /// reference, measured from the others. The one definition of the error,
    /// used by scoring, calibration and evaluation alike.
    @inline(__always)
    func evidence(
        input: UnsafePointer<Float>, output: UnsafePointer<Float>, changes: UnsafePointer<Float>?, perFeature: UnsafeMutablePointer<Double>?,
        excluding: Int? = nil, candidates: UnsafeBufferPointer<Int32>? = nil
    ) -> Double {
        let featureCount = features.count
        let share = 1 / Double(networkWidth)
        let reconstructionWeight = self.reconstructionWeight
        var sum: Double = 0
        for step in 0..<window.length where reconstructionWeight > 0 || robust != nil {
            let offset = step * featureCount
            for feature in 0..<featureCount {
                let i = offset + feature
                let d = Double(output[i] - input[i])
                var part = reconstructionWeight * d * d
                if let robust { part += robust.squaredDeviation(input[i], feature: i) }
                perFeature?[feature] += share * part
                sum += part
            }
        }
        var evidence = sum * share
        if let seasonal, let changes { evidence += seasonal.evidence(changes, perFeature: perFeature) }
        if let neighbors {
            evidence += neighbors.evidence(input, features: featureCount, perFeature: perFeature, excluding: excluding, candidates: candidates)
        }
        return evidence
    }

    /// The ``NeighborProfile``'s candidates for the `count` scaled network inputs of a chunk
    /// (see ``NeighborProfile/candidates(_:count:stride:features:excluding:)``), row after row;
    /// empty without neighbours or for a single row, which a scan serves as fast.
    func neighborCandidates(_ input: UnsafePointer<Float>, count: Int, excluding: (Int) -> Int?) -> [Int32] {
        guard let neighbors, count > 1 else { return [] }
        return neighbors.candidates(input, count: count, stride: networkWidth, features: features.count, excluding: excluding)
    }

    /// Row `row`'s part of `candidates` (see ``neighborCandidates(_:count:excluding:)``), or `nil`
    /// when there are none.
    func slice(_ candidates: UnsafeBufferPointer<Int32>, row: Int) -> UnsafeBufferPointer<Int32>? {
        guard !candidates.isEmpty, let perRow = neighbors?.candidateCount else { return nil }
        return UnsafeBufferPointer(rebasing: candidates[row * perRow..<(row + 1) * perRow])
    }

    /// Scales and reconstructs `rows` (model inputs, ``inputWidth`` wide) chunk by chunk, handing
    /// each chunk's scaled network inputs, their reconstructions (``networkWidth`` apart) and,
    /// with a season, a function from a row's index in the chunk to its seasonal changes to `body`.
    func forEachChunk(
        of rows: Matrix, chunk: Int = 1024,
        _ body: (Int, UnsafePointer<Float>, UnsafePointer<Float>, ((Int) -> UnsafePointer<Float>)?) -> Void
    ) {
        precondition(rows.columns == inputWidth, "expected \(inputWidth) columns, got \(rows.columns)")
        guard rows.rows > 0 else { return }
        let chunk = min(chunk, rows.rows)
        let scaler = self.scaler
        let width = inputWidth
        let networkWidth = self.networkWidth
        let scratchSize = 2 * network.maximumWidth
        withUnsafeTemporaryAllocation(of: Float.self, capacity: chunk * (2 * networkWidth + scratchSize)) { buffer in
            let input = buffer.baseAddress!
            let output = input + chunk * networkWidth
            let scratch = output + chunk * networkWidth
            rows.values.withUnsafeBufferPointer { values in
                for start in stride(from: 0, to: rows.rows, by: chunk) {
                    let count = min(chunk, rows.rows - start)
                    let first = values.baseAddress! + start * width
                    if width == networkWidth {
                        input.update(from: first, count: count * width)
                    } else {
                        for r in 0..<count { (input + r * networkWidth).update(from: first + r * width, count: networkWidth) }
                    }
                    scaler.transform(rows: count, input)
                    network.forward(rows: count, input: input, output: output, scratch: scratch)
                    let changes: ((Int) -> UnsafePointer<Float>)? =
                        width == networkWidth ? nil : { r in UnsafePointer(first + r * width + networkWidth) }
                    body(count, input, output, changes)
                }
            }
        }
    }
}
