import Foundation
public import VigilML

/// Trains a calibrated detector from data: the seed's `train_model.py` pipeline, plus calibration.
///
/// 1. window the rows (``window``: each row then carries the ones before it) and hold out
///    ``validationFraction`` of them (``holdOut``: a seeded random share, or the latest rows);
/// 2. fit the ``StandardScaler`` on the training part;
/// 3. fit the autoencoder (``Trainer``: Adam, early stopping, LR-on-plateau);
/// 4. optionally, fit each feature's robust profile (``perFeatureEvidence``), and refit without
///    the worst ``trimFraction`` of the training rows;
/// 5. with a season (``TemporalWindow/seasonLength``), fit the ``SeasonalProfile`` on the
///    training part and weigh it against the reconstruction error on the held-out part;
/// 6. with ``neighborEvidence``, fit the ``NeighborProfile`` on every normal row, the held-out
///    ones too, each of which is then measured from the others; when the reconstruction weighs
///    nothing (``reconstructionWeight`` 0), every row so measured calibrates in step 7;
/// 7. calibrate on the held-out part: the F1-optimal threshold when the rows have labels,
///    else the `1 − contamination` quantile of held-out errors.
///
/// With ``useLabels``, the training rows labeled anomalous are also left out of steps 2–5: a
/// model that learns them as normal cannot flag them. The held-out rows keep theirs, for step 7.
public struct DetectorTrainer: Sendable {
    /// The network; `nil` for the seed's 64-32-16-32-64 autoencoder sized to the model's inputs
    /// (see ``codeWidth(inputs:dropout:)``).
    public var architecture: Architecture?
    /// The dropout rate of the seed's autoencoder when ``architecture`` is `nil`.
    public var dropout: Float = 0.2
    /// The temporal context: how many of an entity's latest vectors the model sees. The rows of
    /// the data are one entity's series in time order, or one per service when they name
    /// services (``Dataset/services``).
    public var window = TemporalWindow.none
    public var configuration = TrainingConfiguration.seed
    /// The share of rows held out for validation and calibration (the seed's 80/20 split).
    public var validationFraction = 0.2
    /// Which rows are held out.
    public var holdOut = HoldOut.random

    /// Which rows validate the fit and set the threshold.
    public enum HoldOut: String, Sendable, CaseIterable {
        /// A seeded random share, as the seed does: right for rows that do not depend on each other.
        case random
        /// The latest rows of the series: for a series, random rows sit between training rows
        /// that nearly repeat them, so their errors understate those of the days that follow.
        case latest
    }
    /// The anomalous share assumed in unlabeled data.
    public var contamination = 0.01
    /// Add each feature's robust z-score (``RobustProfile``) to the reconstruction error.
    public var perFeatureEvidence = false
    /// Add the distance to the nearest training windows (``NeighborProfile``) to the
    /// reconstruction error; the ``window`` must be at least its ``NeighborProfile/Settings/windowLength``.
    /// Every normal row, held-out ones too, is then a reference (see ``train(_:progress:)``).
    public var neighborEvidence: NeighborProfile.Settings?
    /// How much the reconstruction error weighs in the evidence (see
    /// ``ModelBundle/reconstructionWeight``): 0 judges by the other evidence alone.
    public var reconstructionWeight = 1.0

    /// Whether the model is judged by its nearest neighbours alone, and so calibrates on every
    /// row, each measured from the other references (see ``train(_:progress:)``).
    public var calibratesOnEveryRow: Bool { neighborEvidence != nil && reconstructionWeight == 0 }
    /// Refit once without this share of the training rows, those the first model finds worst:
    /// robustness to anomalies in the history. `nil` or 0: one fit.
    public var trimFraction: Double?
    /// When the data has labels: calibrate on them, and leave the training rows they mark
    /// anomalous out of the fit.
    public var useLabels = true
    public var seed: UInt64 = 42

    public init() {}

    /// Rows needed: enough for a validation split with a few rows in it.
    public static let minimumRows = 20
    /// Seasons of history needed with a season: the first three only fill the reference
    /// (``SeasonalReference``), the fourth teaches the profile, the fifth is held out.
    public static let minimumSeasons = SeasonalReference.seasons + 2

    public func train(_ dataset: Dataset, progress: (TrainingEvent) -> Void = { _ in }) throws(DatasetError) -> (
        bundle: ModelBundle, history: TrainingHistory
    ) {
        precondition(window.problem == nil, "unusable window: \(window.problem ?? "")")
        precondition(neighborEvidence.map { $0.windowLength <= window.length } ?? true, "the window is too short for the neighbour evidence")
        precondition(reconstructionWeight > 0 || perFeatureEvidence || neighborEvidence != nil, "no evidence without the reconstruction")
        // The season is weighed on held-out rows, which the neighbours hold among their references.
        precondition(neighborEvidence == nil || window.seasonLength == nil, "neighbour evidence does not go with a season")
        guard dataset.rowCount >= Self.minimumRows else {
            throw .tooFewRows(source: dataset.source, found: dataset.rowCount, needed: Self.minimumRows)
        }
        if let season = window.seasonLength, dataset.longestSeries < Self.minimumSeasons * season {
            let source = dataset.services == nil ? dataset.source : "\(dataset.source) (its longest service)"
            throw .tooShortForSeason(source: source, rows: dataset.longestSeries, season: season, seasonsNeeded: Self.minimumSeasons)
        }
        var generator = SeededGenerator(seed: seed)
        // Each series' baseline starts at its own first row (a new service's too). Rows that name
        // their services are each service's own series, in the file's order.
        let means = StandardScaler(fitting: dataset.values).mean
        var series = ServiceSeriesWindows(window, features: dataset.features.count)
        let inputs = Dataset(
            features: window.inputNames(dataset.features),
            values: series.inputs(dataset.values, times: dataset.times, services: dataset.services), labels: dataset.labels,
            source: dataset.source)
        var validationCount = max(1, Int((Double(inputs.rowCount) * validationFraction).rounded()))
        let order: [Int]
        switch holdOut {
        case .random:
            order = generator.permutation(inputs.rowCount)
        case .latest:
            // Each series' latest rows: a file grouped by service holds out every service's end,
            // not the last service's rows.
            let latest = Self.latestRows(of: dataset.services, count: inputs.rowCount, fraction: validationFraction)
            validationCount = latest.count
            let held = Set(latest)
            let rest = (0..<inputs.rowCount).filter { !held.contains($0) }
            order = latest + generator.permutation(rest.count).map { rest[$0] }
        }
        guard validationCount < inputs.rowCount else { throw .noTrainingRows(source: dataset.source, heldOut: validationCount) }
        let validation = inputs.subset(order[0..<validationCount])
        var training = inputs.subset(order[validationCount...])
        if useLabels, let labels = training.labels, labels.contains(1) {
            let normal = labels.indices.filter { labels[$0] == 0 }
            // All labeled anomalous: nothing normal to learn from, so the labels are no guide.
            if !normal.isEmpty {
                progress(.leftOutLabeled(rows: training.rowCount - normal.count, of: training.rowCount))
                training = training.subset(normal)
            }
        }
        let features = dataset.features
        if let season = window.seasonLength {
            // Rows of the first three seasons have nothing to compare with (NaN changes).
            let first = window.networkWidth(features: features.count)
            let learnable = (0..<training.rowCount).count { !training.values[$0, first].isNaN }
            if learnable < season { throw .noSeasonToLearnFrom(source: dataset.source, season: season, rowsLearnable: learnable) }
        }

        var (bundle, history) = fit(features, means: means, training, validation: validation, generator: &generator, progress: progress)
        guard !history.diverged else { throw .trainingDiverged(source: dataset.source) }
        if let trimFraction, trimFraction > 0 {
            // Dirty history: the rows the first model finds worst (by all its evidence, the
            // season weighed in) are likeliest anomalies. Drop them and fit again, so that they
            // stop shaping what "normal" means.
            if window.seasonLength != nil { bundle = weighSeason(in: bundle, training: training.values, validation: validation.values) }
            // Each training row is measured from the other references (with neighbours).
            let errors = bundle.reconstructionErrors(
                inputs: training.values, references: neighborEvidence.map { _ in Self.referenceIndices(rows: training.rowCount) })
            let cut = Calibration.quantile(errors.map(Double.init).sorted(), 1 - trimFraction)
            let kept = errors.indices.filter { Double(errors[$0]) <= cut }
            progress(.refitting(rows: kept.count, of: training.rowCount))
            // Left out of everything that follows too: the season's weight and the neighbours.
            training = training.subset(kept)
            (bundle, history) = fit(features, means: means, training, validation: validation, generator: &generator, progress: progress)
            guard !history.diverged else { throw .trainingDiverged(source: dataset.source) }
        }
        let last = history.epochs.last
        bundle.training = TrainingMetadata(
            source: dataset.source, samples: dataset.rowCount, epochsRun: history.epochs.count, bestEpoch: history.bestEpoch,
            bestValidationLoss: Double(history.bestLoss), finalLoss: last.map { Double($0.loss) },
            finalValidationLoss: last?.validationLoss.map(Double.init), seed: seed, createdAt: Self.timestamp(),
            dataFingerprint: dataset.fingerprint)
        if window.seasonLength != nil {
            bundle = weighSeason(in: bundle, training: training.values, validation: validation.values)
        }
        var calibrationRows = validation
        var calibrationReferences: [Int?]?
        if let settings = neighborEvidence {
            // Every normal row is a reference, the held-out ones too: with a short history the
            // nearest states matter more than a clean split. A held-out row is then measured from
            // the references but itself, and so, when the reconstruction weighs nothing, is every
            // training row, so all of them calibrate. (Its neighbours in time, which share most of
            // its window, stay: these distances run lower than those of a new day's rows.)
            let normal = useLabels ? validation.labels.map { labels in labels.indices.filter { labels[$0] == 0 } } : nil
            let heldOutNormal = normal.map { validation.values.gatheringRows($0) } ?? validation.values
            let references = training.values.appendingRows(heldOutNormal)
            let networkColumns = 0..<window.networkWidth(features: features.count)
            bundle.neighbors = NeighborProfile(
                fitting: bundle.scaler.transform(references.columns(networkColumns)), features: features.count, settings: settings)
            let indices = Self.referenceIndices(rows: references.rows)
            // Held-out row v is reference row training.rowCount + (its place among the normal ones).
            var heldOut = [Int?](repeating: nil, count: validation.rowCount)
            for (place, row) in (normal ?? Array(0..<validation.rowCount)).enumerated() { heldOut[row] = indices[training.rowCount + place] }
            calibrationReferences = heldOut
            if calibratesOnEveryRow {
                calibrationRows = Dataset(
                    features: validation.features, values: training.values.appendingRows(validation.values),
                    labels: validation.labels.map { [UInt8](repeating: 0, count: training.rowCount) + $0 }, source: validation.source)
                calibrationReferences = Array(indices.prefix(training.rowCount)) + heldOut
            }
        }
        bundle.calibration = try calibrate(
            errors: bundle.reconstructionErrors(inputs: calibrationRows.values, references: calibrationReferences),
            labels: useLabels ? calibrationRows.labels : nil, source: dataset.source)
        return (bundle, history)
    }

    /// Fits the scaler, the network and (with ``perFeatureEvidence``) the robust profile on
    /// `training` (windowed rows of `features`, whose raw means are `means`); the bundle is not
    /// calibrated yet.
    private func fit(
        _ features: [String], means: [Double], _ training: Dataset, validation: Dataset, generator: inout SeededGenerator,
        progress: (TrainingEvent) -> Void
    ) -> (ModelBundle, TrainingHistory) {
        // The network sees the window; the seasonal changes after it are judged apart.
        let networkColumns = 0..<window.networkWidth(features: features.count)
        let scaler = StandardScaler(fitting: training.values.columns(networkColumns))
        let trainingInputs = scaler.transform(training.values.columns(networkColumns))
        let validationInputs = scaler.transform(validation.values.columns(networkColumns))
        var network = Sequential(architecture: network(inputs: networkColumns.count), generator: &generator)
        let history = Trainer(configuration: configuration).fit(
            &network, inputs: trainingInputs, validation: (validationInputs, validationInputs), generator: &generator, progress: progress)
        let bundle = ModelBundle(
            features: features, window: window, network: network, scaler: scaler, featureMeans: means,
            robust: perFeatureEvidence ? RobustProfile(fitting: trainingInputs) : nil,
            seasonal: window.seasonLength.map { _ in SeasonalProfile(fitting: training.values.columns(networkColumns.count..<training.values.columns))
            },
            // Only a refit needs neighbours now (to find the worst rows); the final ones are fitted
            // on every normal row in train(_:progress:).
            neighbors: (trimFraction ?? 0) > 0
                ? neighborEvidence.map { NeighborProfile(fitting: trainingInputs, features: features.count, settings: $0) } : nil,
            reconstructionWeight: reconstructionWeight, calibration: nil,
            training: TrainingMetadata(source: training.source, createdAt: ""))
        return (bundle, history)
    }

    /// `bundle` with its seasonal evidence weighed so that, on the held-out `validation` rows
    /// (model inputs), it alone would flag as many rows as the reconstruction error alone: two
    /// kinds of evidence on one scale. `training` rows are the fallback when no held-out row has
    /// a season behind it.
    private func weighSeason(in bundle: ModelBundle, training: Matrix, validation: Matrix) -> ModelBundle {
        var bundle = bundle
        let level = 1 - contamination
        var unweighted = bundle.seasonal!
        unweighted.weight = 1
        bundle.seasonal!.weight = 0
        let seasonalColumns = bundle.networkWidth..<bundle.inputWidth
        func quantiles(_ rows: Matrix) -> (reconstruction: Double, seasonal: Double) {
            let reconstruction = bundle.reconstructionErrors(inputs: rows).map(Double.init)
            let seasonal = unweighted.evidence(rows: rows.columns(seasonalColumns))
            return (Calibration.quantile(reconstruction.sorted(), level), Calibration.quantile(seasonal.sorted(), level))
        }
        var (reconstruction, seasonal) = quantiles(validation)
        if !(seasonal > 0) { (reconstruction, seasonal) = quantiles(training) }
        bundle.seasonal!.weight = seasonal > 0 ? reconstruction / seasonal : 0
        return bundle
    }

    /// The network trained for `inputs` network inputs: ``architecture``, or the seed's
    /// autoencoder with ``dropout`` and a code of ``codeWidth(inputs:dropout:)``.
    public func network(inputs: Int) -> Architecture {
        architecture ?? .seedAutoencoder(inputDimension: inputs, dropout: dropout, code: Self.codeWidth(inputs: inputs, dropout: dropout))
    }

    /// The width of the autoencoder's middle layer for `inputs` network inputs: the seed's 16 with
    /// its dropout, which keeps the network from copying its input; without dropout, at most half
    /// the input. A 16-unit code holds a window of 5 rows of 2 or 3 metrics whole: the network
    /// learns to copy it, reconstructs a jump as well as a normal row, and its error is noise.
    public static func codeWidth(inputs: Int, dropout: Float) -> Int {
        dropout > 0 ? 16 : max(1, min(16, inputs / 2))
    }

    /// For each of `rows` rows a ``NeighborProfile`` is fitted on, the reference it became
    /// (`nil` for a row thinned out).
    static func referenceIndices(rows: Int) -> [Int?] {
        var indices = [Int?](repeating: nil, count: rows)
        for (index, row) in NeighborProfile.referenceRows(of: rows).enumerated() { indices[row] = index }
        return indices
    }

    /// The last `fraction` of each series' rows (of all `count` rows when `services` is `nil`),
    /// at least one row in all.
    public static func latestRows(of services: [String]?, count: Int, fraction: Double) -> [Int] {
        var latest = ServiceRows.grouped(services, count: count).flatMap { group in
            group.rows.suffix(Int((Double(group.rows.count) * fraction).rounded()))
        }.sorted()
        if latest.isEmpty, count > 0 { latest = [count - 1] }
        return latest
    }

    /// The calibration for held-out `errors` of `source`: labels when they hold an anomaly, else
    /// contamination.
    public func calibrate(errors: [Float], labels: [UInt8]?, source: String) throws(DatasetError) -> Calibration {
        if let labels, labels.contains(1) {
            // Labels with an anomaly set the threshold, or say why they cannot: never a silent
            // fall back to contamination.
            guard let labeled = Calibration(errors: errors, labels: labels) else { throw .nonFiniteErrors(source: source) }
            return labeled
        }
        guard let calibration = Calibration(errors: errors, contamination: contamination) else { throw .nonFiniteErrors(source: source) }
        return calibration
    }

    static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date())
    }
}
