import ArgumentParser
import Foundation
import VigilDetect
import VigilML

/// `vigil train`: fits the seed's autoencoder to data, calibrates it and saves a model bundle.
struct TrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train and calibrate an autoencoder; save it as a model bundle.",
        discussion: """
            Examples:
              vigil train --synthetic 50000 --out model
              vigil train --data history.csv --features cpu,mem,latency --out model

            Features default to every numeric column except timestamp, time, t, label and
            service. A 0/1 'label' column, when present, is used only to choose the
            threshold.

            Recipes: settings chosen once per family of data (options override them).
              servers    server metrics, the default for --data: deviations from a
                         baseline (half-life 12 rows), a window of 5 rows, no
                         dropout, a threshold flagging 1 % of the latest rows;
                         and each row's change from the same time on the days
                         before (--season), when the rows per day are known
              sensors    the distance to the 5 nearest training windows (the
                         last 5 raw rows and their 10-row means), a threshold
                         flagging 0.1 % of the training windows (equipment
                         learnt from a short clean run, faults that last)
              synthetic  the seed's generator, the default for --synthetic:
                         contamination 0.2, trim 0.2, per-feature evidence
            """
    )

    @OptionGroup var data: DataOptions

    @Option(help: "The recipe: servers, sensors or synthetic (default: servers for --data, synthetic for --synthetic).")
    var recipe: String?

    @Option(help: "Comma-separated feature columns (default: every numeric column but timestamp/time/t/label/service).")
    var features: String?

    @Option(help: "The bundle directory to write.")
    var out = "model"

    @Option(help: "The most epochs to run.")
    var epochs = 100

    @Option(help: "Rows per gradient step.")
    var batchSize = 32

    @Option(help: "Adam's learning rate.")
    var learningRate: Float = 1e-3

    @Option(help: "Stop after this many epochs without improvement of the validation loss.")
    var patience = 10

    @Option(help: "Halve the learning rate after this many epochs without improvement.")
    var lrPatience = 5

    @Option(help: "The share of rows held out for validation and calibration.")
    var validationSplit = 0.2

    @Option(help: "Which rows are held out: random (the seed's split) or latest (the end of the series) (default: the recipe's, latest for servers).")
    var holdOut: String?

    @Option(help: "The anomalous share assumed when choosing the threshold without labels (default: the recipe's, 0.01 but 0.2 for synthetic).")
    var contamination: Double?

    @Flag(help: "Ignore a label column: choose the threshold from --contamination, and fit the rows it marks anomalous too.")
    var ignoreLabels = false

    @Option(
        help:
            "Refit once without this share of the training rows, those the first model finds worst (default: the recipe's, 0 but 0.2 for synthetic).")
    var trim: Double?

    @Flag(
        inversion: .prefixedNo,
        help:
            "Add each feature's robust z-score (median/MAD of the training rows) to the reconstruction error (default: the recipe's, on for synthetic)."
    )
    var perFeatureEvidence: Bool?

    @Option(
        help:
            "How many of a series' latest rows the model sees (1: each row alone; default: the recipe's: 5 for servers, 14 for sensors, 1 for synthetic). The rows must be in time order (a service column makes each service's rows its own series)."
    )
    var window: Int?

    @Flag(help: "With --window, feed the model the latest row and the first differences before it, not the raw rows.")
    var differences = false

    @Option(
        help:
            "Judge each row by its deviation from the series' slow baseline, an exponentially weighted mean of the rows before it with this half-life in rows (default: the recipe's)."
    )
    var baselineHalfLife: Double?

    @Flag(help: "Feed each row as it is, without a baseline (overrides the recipe).")
    var noBaseline = false

    @Option(
        help: ArgumentHelp(
            "Also judge each row by its change from the same time in the last seasons of this many rows: one day at your sampling interval, 288 at 5 minutes (0: none; default for the servers recipe: one day when the timestamp column shows a regular interval and spans 5 days).",
            valueName: "rows"))
    var season: Int?

    @Option(help: "The autoencoder's dropout rate (default: the recipe's, 0 but 0.2 for synthetic, as the seed).")
    var dropout: Float?

    @Option(help: "The seed for weights, shuffling and dropout: the same seed gives the same model.")
    var seed: UInt64 = 42

    func validate() throws {
        if epochs < 1 { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        if !(learningRate > 0 && learningRate.isFinite) { throw ValidationError("--learning-rate must be positive, got \(learningRate)") }
        if patience < 1 || lrPatience < 1 { throw ValidationError("--patience and --lr-patience must be at least 1") }
        if !(validationSplit > 0 && validationSplit < 1) { throw ValidationError("--validation-split must be in (0, 1), got \(validationSplit)") }
        if let holdOut, DetectorTrainer.HoldOut(rawValue: holdOut) == nil {
            throw ValidationError("--hold-out must be random or latest, got '\(holdOut)'")
        }
        if let recipe, Recipe(rawValue: recipe) == nil {
            throw ValidationError("--recipe must be one of \(Recipe.allCases.map(\.rawValue).joined(separator: ", ")), got '\(recipe)'")
        }
        try RecipeOverrides.validate(window: window, trim: trim, contamination: contamination, dropout: dropout)
        if let baselineHalfLife, !(baselineHalfLife > 0 && baselineHalfLife <= TemporalWindow.maximumBaselineHalfLife) {
            throw ValidationError(
                "--baseline-half-life must be a positive number of rows up to \(Int(TemporalWindow.maximumBaselineHalfLife)), got \(baselineHalfLife)"
            )
        }
        if baselineHalfLife != nil, noBaseline { throw ValidationError("--baseline-half-life and --no-baseline contradict each other") }
        if let season, season != 0, !(2...TemporalWindow.maximumSeasonLength).contains(season) {
            throw ValidationError("--season must be 0 (none) or in 2...\(TemporalWindow.maximumSeasonLength) rows, got \(season)")
        }
        if let names = selectedFeatures {
            if names.contains(where: \.isEmpty) { throw ValidationError("--features has an empty name in '\(features ?? "")'") }
            if let twice = names.first(where: { name in names.filter { $0 == name }.count > 1 }) {
                throw ValidationError("--features names '\(twice)' twice")
            }
        }
    }

    /// The names `--features` gives, trimmed.
    private var selectedFeatures: [String]? {
        features.map { $0.split(separator: ",", omittingEmptySubsequences: false).map { String($0.trimmingCharacters(in: .whitespaces)) } }
    }

    func run() async throws {
        // Before the training, not after it: a bundle that cannot be saved wastes the run.
        try ModelBundle.checkSaving(to: out)
        let chosen = recipe.flatMap(Recipe.init(rawValue:)) ?? (data.isSynthetic ? .synthetic : .servers)
        var trainer = chosen.trainer
        trainer.configuration.epochs = epochs
        trainer.configuration.batchSize = batchSize
        trainer.configuration.learningRate = learningRate
        trainer.configuration.earlyStopping = .init(patience: patience)
        trainer.configuration.reduceLearningRate = .init(patience: lrPatience)
        trainer.validationFraction = validationSplit
        if let holdOut { trainer.holdOut = DetectorTrainer.HoldOut(rawValue: holdOut)! }
        if let contamination { trainer.contamination = contamination }
        trainer.useLabels = !ignoreLabels
        if let perFeatureEvidence { trainer.perFeatureEvidence = perFeatureEvidence }
        if let trim { trainer.trimFraction = trim }
        if let window { trainer.window.length = window }
        if differences {
            guard trainer.window.length >= 2 else { throw ValidationError("--differences needs --window 2 or more") }
            trainer.window.differences = true
        }
        if let baselineHalfLife { trainer.window.baselineHalfLife = baselineHalfLife }
        if noBaseline { trainer.window.baselineHalfLife = nil }
        if let dropout { trainer.dropout = dropout }
        trainer.seed = seed
        try RecipeOverrides.check(trainer, season: season, recipe: chosen.rawValue)

        let (loaded, interval) = try data.loadWithInterval(
            features: selectedFeatures, asSeries: trainer.window.isTemporal || (season ?? 0) > 0, training: true)
        var dataset = loaded
        if let season {
            trainer.window.seasonLength = season > 0 ? season : nil
        } else if chosen == .servers {
            trainer.window.seasonLength = inferredSeason(interval: interval, dataset: dataset, isSeries: trainer.window.isTemporal)
        }
        // With the rows' interval known, the service places each step of a season by its time.
        if trainer.window.seasonLength != nil { trainer.window.stepSeconds = interval }
        if data.isSynthetic { dataset.labels = nil }  // the synthetic profile trains unlabeled, as the seed does
        Console.note("Training on \(dataset.rowCount) rows of \(dataset.source) with features \(dataset.features.joined(separator: ", "))")
        if trainer.window.isTemporal, let services = dataset.services.map(Set.init), services.count > 1 {
            Console.note("Series: \(services.count) services, each its own (the service column)")
        }
        Console.note("Recipe: \(chosen.rawValue)")
        for warning in TrainingDataCheck.warnings(for: dataset) { Console.note(warning) }
        if trainer.window.length > 1, dataset.longestSeries < 10 * trainer.window.length {
            Console.note(
                "warning: \(dataset.longestSeries) rows for a window of \(trainer.window.length): the first \(trainer.window.length - 1) windows "
                    + "are padded with the first row, and the model sees few whole ones; give at least \(10 * trainer.window.length) rows of history")
        }
        if trainer.window.isTemporal {
            let count = dataset.features.count
            let seasonal = trainer.window.inputWidth(features: count) - trainer.window.networkWidth(features: count)
            let extra = seasonal > 0 ? " (and \(seasonal) seasonal changes scored beside it)" : ""
            Console.note("Window: \(trainer.window), \(trainer.window.networkWidth(features: count)) network inputs\(extra)")
        }
        let network = trainer.network(inputs: trainer.window.networkWidth(features: dataset.features.count))
        let units = network.layers.dropLast().compactMap { layer in
            if case .dense(let units, _) = layer { "\(units)" } else { nil }
        }
        Console.note("Network: \(units.joined(separator: "-")) (dropout \(String(format: "%g", trainer.dropout)))")
        if let neighbors = trainer.neighborEvidence, dataset.rowCount >= DetectorTrainer.minimumRows {
            let robust = trainer.perFeatureEvidence ? ", plus each input's robust z-score" : ""
            let weight = trainer.reconstructionWeight == 0 ? "; the network's reconstruction weighs nothing" : ", added to the reconstruction error"
            Console.note(
                "Evidence: the distance to the \(neighbors.neighbors) nearest of \(min(dataset.rowCount, NeighborProfile.maximumReferences)) training windows "
                    + "(the last \(neighbors.steps) rows and their \(neighbors.meanLength)-row means)\(robust)\(weight)")
        }
        var progress = TrainingProgress()
        let started = Date()
        var (bundle, history) = try trainer.train(dataset) { progress.handle($0) }
        if let path = data.path { bundle.training.source = "csv:" + URL(fileURLWithPath: path).lastPathComponent }
        try bundle.save(to: out)
        if dataset.labels != nil, !ignoreLabels, bundle.calibration?.method == .contamination {
            let rows = trainer.calibratesOnEveryRow ? "rows" : "held-out rows"
            Console.note("note: the \(rows) hold no labeled anomaly, so the threshold comes from --contamination \(trainer.contamination)")
        }
        if let warning = bundle.calibration?.fewRowsWarning { Console.note(warning) }
        Console.note(summary(bundle, history, seconds: Date().timeIntervalSince(started)))
    }

    /// The servers recipe's season when no `--season` is given: one day of rows, when the time
    /// column shows a regular interval that divides a day and the history spans enough days;
    /// without times, a daily rhythm found in the rows themselves (``SeasonSearch``).
    private func inferredSeason(interval: Double?, dataset: Dataset, isSeries: Bool) -> Int? {
        guard isSeries else { return nil }
        let (rows, ofService) = (dataset.longestSeries, dataset.services != nil)
        guard let interval else {
            guard let found = SeasonSearch.find(in: dataset.longestSeriesValues, seasonsNeeded: DetectorTrainer.minimumSeasons) else {
                Console.note(
                    "note: no regular timestamp column, and no daily rhythm found in the rows, so no season: if they have one, --season <rows per day> compares each row with the days before"
                )
                return nil
            }
            let correlations =
                "\(String(format: "%.2f", found.correlation)) at \(found.rows) rows, \(String(format: "%.2f", found.halfCorrelation)) at \(found.rows / 2)"
            Console.note(
                "Season: \(found.rows) rows, found in the rows (no regular timestamp column): they repeat every \(found.rows) rows (autocorrelation \(correlations)), a day if a row comes every \(Self.interval(seconds: 86_400 / found.rows)); --season sets another, --season 0 turns it off"
            )
            return found.rows
        }
        let perDay = 86_400 / interval
        guard perDay == perDay.rounded(), (2...Double(TemporalWindow.maximumSeasonLength)).contains(perDay) else {
            Console.note("note: rows \(String(format: "%g", interval)) s apart make no season of one day; --season <rows> sets one")
            return nil
        }
        let season = Int(perDay)
        guard rows >= DetectorTrainer.minimumSeasons * season else {
            Console.note(
                "note: \(ofService ? "the longest service's " : "")\(rows) rows span less than \(DetectorTrainer.minimumSeasons) days of \(season) rows, so no season; a longer history gets one"
            )
            return nil
        }
        Console.note("Season: one day, \(season) rows \(String(format: "%g", interval)) s apart (the timestamp column); --season 0 turns it off")
        return season
    }

    /// "5 minutes", "30 seconds", "1 hour".
    private static func interval(seconds: Int) -> String {
        func counted(_ count: Int, _ unit: String) -> String { "\(count) \(unit)\(count == 1 ? "" : "s")" }
        if seconds % 3600 == 0 { return counted(seconds / 3600, "hour") }
        if seconds % 60 == 0 { return counted(seconds / 60, "minute") }
        return counted(seconds, "second")
    }

    /// A share as a percentage a reader takes in at once: 0.4%, 12%.
    private static func percent(_ share: Double) -> String {
        share < 0.1 ? String(format: "%.1f%%", share * 100) : String(format: "%.0f%%", share * 100)
    }

    private func summary(_ bundle: ModelBundle, _ history: TrainingHistory, seconds: Double) -> String {
        var lines = [
            "Trained in \(String(format: "%.1f", seconds)) s: \(history.epochs.count) epochs, best val_loss \(Double(history.bestLoss).fixed4) at epoch \(history.bestEpoch)"
        ]
        if !history.stoppedEarly, history.bestEpoch == epochs, epochs > 1 {
            lines.append("note: the validation loss was still falling at the last epoch; more --epochs may fit better")
        }
        if let calibration = bundle.calibration {
            let rows = bundle.isJudgedByNeighborsAlone ? "rows, each measured from the others" : "held-out rows"
            switch calibration.method {
            case .labels:
                let figures = calibration.validation!
                let flagged = 1 - calibration.scoreThreshold
                lines.append(
                    "Threshold \(calibration.threshold.fixed4) (F1-optimal on \(calibration.samples) labeled \(rows): "
                        + "precision \(figures.precision.fixed4), recall \(figures.recall.fixed4), F1 \(figures.f1.fixed4); "
                        + "flags about \(Self.percent(flagged)) of them)")
                // Flagging rows at random finds anomalies at their share of the rows.
                let share = figures.recall > 0 ? figures.precision * flagged / figures.recall : 0
                if figures.precision < 2 * share {
                    lines.append(
                        "warning: the model hardly tells the labeled anomalies from the other rows: its precision \(figures.precision.fixed4) is "
                            + "near the \(share.fixed4) that flagging rows at random gives, and the best threshold flags \(Self.percent(flagged)) "
                            + "of them. Check that the labels mark the rows that differ, or choose the threshold without them "
                            + "(--ignore-labels, --contamination)")
                }
            case .contamination:
                lines.append(
                    "Threshold \(calibration.threshold.fixed4) (flags \(calibration.contamination! * 100)% of \(calibration.samples) \(rows))")
            }
        }
        lines.append("Saved the model bundle to \(out)")
        return lines.joined(separator: "\n")
    }
}
