public import VigilML

/// Scores feature vectors with a calibrated model bundle: scale, reconstruct, measure the
/// error, calibrate. The one scoring path behind the CLI (and, later, HTTP and Kafka).
///
/// A value type holding immutable weights: share it freely across tasks.
public struct AnomalyDetector: Sendable {
    public let bundle: ModelBundle
    private let calibration: Calibration
    private let featureCount: Int
    private let scratchSize: Int

    /// - Throws: ``BundleError/notCalibrated(path:)`` when the bundle has no calibration.
    public init(bundle: ModelBundle, path: String = "the model") throws(BundleError) {
        guard let calibration = bundle.calibration else { throw .notCalibrated(path: path) }
        self.bundle = bundle
        self.calibration = calibration
        self.featureCount = bundle.features.count
        self.scratchSize = 2 * bundle.network.maximumWidth
    }

    public var features: [String] { bundle.features }
    public var threshold: Double { calibration.threshold }

    /// Scores one vector of raw feature values, in ``features`` order.
    ///
    /// - Important: allocation-free apart from the result's feature scores: the single-vector hot path.
    public func score(_ vector: [Double]) -> Score {
        precondition(vector.count == featureCount, "expected \(featureCount) values, got \(vector.count)")
        let network = bundle.network
        return withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * featureCount + scratchSize) { buffer in
            let input = buffer.baseAddress!
            let output = input + featureCount
            for i in 0..<featureCount { input[i] = Float(vector[i]) }
            bundle.scaler.transform(rows: 1, input)
            network.forward(rows: 1, input: input, output: output, scratch: output + featureCount)
            return makeScore(input: input, output: output)
        }
    }

    /// Scores every row of `rows` (raw values, columns in ``features`` order), in chunks.
    public func score(_ rows: Matrix) -> [Score] {
        var scores: [Score] = []
        scores.reserveCapacity(rows.rows)
        bundle.forEachChunk(of: rows) { count, input, output in
            for r in 0..<count {
                scores.append(makeScore(input: input + r * featureCount, output: output + r * featureCount))
            }
        }
        return scores
    }

    /// Scores `vectors` (raw values in ``features`` order): one through the single-vector path,
    /// several through the batched matrix products, whichever is faster.
    public func score(_ vectors: [[Double]]) -> [Score] {
        if vectors.count == 1 { return [score(vectors[0])] }
        return score(Matrix(rows: vectors.count, columns: featureCount, values: vectors.flatMap { $0.map(Float.init) }))
    }

    /// The reconstruction error of every row of `rows`: the cheapest full pass, for evaluation.
    public func reconstructionErrors(_ rows: Matrix) -> [Float] {
        bundle.reconstructionErrors(rows)
    }

    private func makeScore(input: UnsafePointer<Float>, output: UnsafePointer<Float>) -> Score {
        var shares = [Double](repeating: 0, count: featureCount)
        let error = shares.withUnsafeMutableBufferPointer { bundle.evidence(input: input, output: output, perFeature: $0.baseAddress) }
        let sum = error * Double(featureCount)
        if sum > 0 {
            for i in 0..<featureCount { shares[i] /= sum }
        }
        let verdict = calibration.judge(error)
        return Score(
            anomalyScore: verdict.score, isAnomaly: verdict.isAnomaly, confidence: verdict.confidence, reconstructionError: error,
            threshold: calibration.threshold, featureScores: shares)
    }
}
