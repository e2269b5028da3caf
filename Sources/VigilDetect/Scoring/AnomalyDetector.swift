public import VigilML

/// Scores feature vectors with a calibrated model bundle: scale, reconstruct, measure the
/// error, calibrate. The one scoring path behind the CLI (and, later, HTTP and Kafka).
///
/// A value type holding immutable weights: share it freely across tasks.
public struct AnomalyDetector: Sendable {
    public let bundle: ModelBundle
    private let calibration: Calibration
    private let featureCount: Int
    private let inputWidth: Int
    private let networkWidth: Int
    private let scratchSize: Int

    /// - Throws: ``BundleError/notCalibrated(path:)`` when the bundle has no calibration.
    public init(bundle: ModelBundle, path: String = "the model") throws(BundleError) {
        guard let calibration = bundle.calibration else { throw .notCalibrated(path: path) }
        self.bundle = bundle
        self.calibration = calibration
        self.featureCount = bundle.features.count
        self.inputWidth = bundle.inputWidth
        self.networkWidth = bundle.networkWidth
        self.scratchSize = 2 * bundle.network.maximumWidth
    }

    public var features: [String] { bundle.features }
    public var window: TemporalWindow { bundle.window }
    public var threshold: Double { calibration.threshold }

    /// Scores one vector of raw feature values, in ``features`` order; a model with a window sees
    /// it with a steady past, measured from the training means when the window has a baseline (a
    /// lone vector has no level of its own), and no season.
    ///
    /// - Important: allocation-free apart from the result's feature scores: the single-vector hot path.
    public func score(_ vector: [Double]) -> Score {
        precondition(vector.count == featureCount, "expected \(featureCount) values, got \(vector.count)")
        let means = bundle.featureMeans
        let relative = window.baselineHalfLife != nil
        return scoreOne { input in
            for i in 0..<featureCount { input[i] = Float(relative ? vector[i] - means[i] : vector[i]) }
            for step in 1..<max(1, window.length) {
                for i in 0..<featureCount { input[step * featureCount + i] = input[i] }
            }
            for i in networkWidth..<inputWidth { input[i] = .nan }
        }
    }

    /// Scores one stacked window: ``TemporalWindow/length`` vectors, newest first, relative to
    /// the series' baseline when the window has one (what ``FeatureAssembler`` returns).
    public func score(window stacked: [Double]) -> Score {
        precondition(stacked.count == inputWidth, "expected \(inputWidth) values, got \(stacked.count)")
        return scoreOne { input in
            for i in 0..<inputWidth { input[i] = Float(stacked[i]) }
        }
    }

    /// Scores `vectors` taken one by one (raw values in ``features`` order), each as
    /// ``score(_:)-(Double)`` would: one through the single-vector path, several through the
    /// batched matrix products, whichever is faster.
    public func score(_ vectors: [[Double]]) -> [Score] {
        if vectors.count == 1 { return [score(vectors[0])] }
        return score(inputs: window.inputs(separately: vectors, means: bundle.featureMeans))
    }

    /// Scores stacked windows (see ``score(window:)``), batched when there are several.
    public func score(windows: [[Double]]) -> [Score] {
        if windows.count == 1 { return [score(window: windows[0])] }
        return score(inputs: window.inputs(stacked: windows, features: featureCount))
    }

    /// Scores every row of a series: raw values in ``features`` order, rows in time order, each
    /// seen with the rows before it as the model's window asks (its baseline starting at its
    /// first row). `times` (seconds) place the rows
    /// in their seasons when the model knows its step (see ``SeriesWindow/inputs(_:times:)``).
    public func score(series rows: Matrix, times: [Double]? = nil) -> [Score] {
        score(inputs: window.inputs(series: rows, times: times))
    }

    /// Scores every row of `inputs`, the network's raw inputs (``ModelBundle/inputWidth``
    /// columns; see ``TemporalWindow``), in chunks.
    public func score(inputs rows: Matrix) -> [Score] {
        var scores: [Score] = []
        scores.reserveCapacity(rows.rows)
        bundle.forEachChunk(of: rows) { count, input, output, changes in
            let candidates = bundle.neighborCandidates(input, count: count) { _ in nil }
            candidates.withUnsafeBufferPointer { all in
                for r in 0..<count {
                    scores.append(
                        makeScore(
                            input: input + r * networkWidth, output: output + r * networkWidth, changes: changes?(r),
                            candidates: bundle.slice(all, row: r)))
                }
            }
        }
        return scores
    }

    /// The reconstruction error of every row of a series (see ``score(series:times:)``): the cheapest
    /// full pass, for evaluation.
    public func reconstructionErrors(series rows: Matrix, times: [Double]? = nil, services: [String]? = nil) -> [Float] {
        bundle.reconstructionErrors(series: rows, times: times, services: services)
    }

    /// Fills the model input through `fill`, then encodes, scales, reconstructs and judges it.
    @inline(__always)
    private func scoreOne(_ fill: (UnsafeMutablePointer<Float>) -> Void) -> Score {
        let network = bundle.network
        return withUnsafeTemporaryAllocation(of: Float.self, capacity: inputWidth + networkWidth + scratchSize) { buffer in
            let input = buffer.baseAddress!
            let output = input + inputWidth
            fill(input)
            window.encode(input, features: featureCount)
            bundle.scaler.transform(rows: 1, input)
            network.forward(rows: 1, input: input, output: output, scratch: output + networkWidth)
            return makeScore(input: input, output: output, changes: inputWidth > networkWidth ? UnsafePointer(input + networkWidth) : nil)
        }
    }

    private func makeScore(
        input: UnsafePointer<Float>, output: UnsafePointer<Float>, changes: UnsafePointer<Float>?, candidates: UnsafeBufferPointer<Int32>? = nil
    ) -> Score {
        var shares = [Double](repeating: 0, count: featureCount)
        let error = shares.withUnsafeMutableBufferPointer {
            bundle.evidence(input: input, output: output, changes: changes, perFeature: $0.baseAddress, candidates: candidates)
        }
        if error > 0 {
            for i in 0..<featureCount { shares[i] /= error }
        }
        let verdict = calibration.judge(error)
        return Score(
            anomalyScore: verdict.score, isAnomaly: verdict.isAnomaly, confidence: verdict.confidence, reconstructionError: error,
            threshold: calibration.threshold, featureScores: shares)
    }
}
