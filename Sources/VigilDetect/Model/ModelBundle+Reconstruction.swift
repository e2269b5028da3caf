public import VigilML

extension ModelBundle {
    /// The anomaly evidence (the "reconstruction error") of every row of a series (raw values in
    /// ``features`` order, rows in time order, windowed as the model was trained): the cheapest
    /// full pass, for calibration and evaluation.
    public func reconstructionErrors(series rows: Matrix) -> [Float] {
        reconstructionErrors(inputs: window.inputs(series: rows, start: featureMeans))
    }

    /// The anomaly evidence of every row of `inputs`, the network's raw inputs (``inputWidth``
    /// columns, see ``TemporalWindow``).
    public func reconstructionErrors(inputs: Matrix) -> [Float] {
        var errors: [Float] = []
        errors.reserveCapacity(inputs.rows)
        let width = inputWidth
        forEachChunk(of: inputs) { count, input, output in
            for r in 0..<count {
                errors.append(Float(evidence(input: input + r * width, output: output + r * width, perFeature: nil)))
            }
        }
        return errors
    }

    /// One row's evidence from its scaled input and its reconstruction: the mean over inputs of
    /// the squared reconstruction error, plus the squared robust z-score when the bundle has a
    /// ``RobustProfile``. `perFeature`, when given (zeroed, one slot per feature), receives each
    /// feature's part over all steps of the window (unnormalised).
    /// The one definition of the error, used by scoring, calibration and evaluation alike.
    @inline(__always)
    func evidence(input: UnsafePointer<Float>, output: UnsafePointer<Float>, perFeature: UnsafeMutablePointer<Double>?) -> Double {
        let featureCount = features.count
        var sum: Double = 0
        for step in 0..<window.length {
            let offset = step * featureCount
            for feature in 0..<featureCount {
                let i = offset + feature
                let d = Double(output[i] - input[i])
                var part = d * d
                if let robust { part += robust.squaredDeviation(input[i], feature: i) }
                perFeature?[feature] += part
                sum += part
            }
        }
        return sum / Double(inputWidth)
    }

    /// Scales and reconstructs `rows` (network inputs, ``inputWidth`` wide) chunk by chunk, handing
    /// each chunk's scaled inputs and reconstructions to `body`.
    func forEachChunk(
        of rows: Matrix, chunk: Int = 1024, _ body: (Int, UnsafePointer<Float>, UnsafePointer<Float>) -> Void
    ) {
        precondition(rows.columns == inputWidth, "expected \(inputWidth) columns, got \(rows.columns)")
        guard rows.rows > 0 else { return }
        let chunk = min(chunk, rows.rows)
        let scaler = self.scaler
        let width = inputWidth
        let scratchSize = 2 * network.maximumWidth
        withUnsafeTemporaryAllocation(of: Float.self, capacity: chunk * (2 * width + scratchSize)) { buffer in
            let input = buffer.baseAddress!
            let output = input + chunk * width
            let scratch = output + chunk * width
            rows.values.withUnsafeBufferPointer { values in
                for start in stride(from: 0, to: rows.rows, by: chunk) {
                    let count = min(chunk, rows.rows - start)
                    input.update(from: values.baseAddress! + start * width, count: count * width)
                    scaler.transform(rows: count, input)
                    network.forward(rows: count, input: input, output: output, scratch: scratch)
                    body(count, input, output)
                }
            }
        }
    }

}
