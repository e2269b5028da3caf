import ArgumentParser
import Foundation
import VigilDetect
import VigilML

/// `vigil quality`: the detection-quality suite on the benchmark data, written as QUALITY.md.
struct QualityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quality",
        abstract: "Run the detection-quality suite and write QUALITY.md.",
        discussion: """
            DIR holds the benchmark data as in ../shared/data: asd/ and smd/ with
            <machine>_train.csv and <machine>_test.csv, skab/ (every CSV under it but
            anomaly-free/), and nab/ (realAWSCloudwatch_windows.json and the series it
            names). The seed generator needs no data. Missing families are reported as not
            run. Every run with the same options gives the same figures (training is
            seeded).

            Example:
              vigil quality ../shared/data --out QUALITY.md
            """
    )

    @Argument(help: "The benchmark data directory.")
    var directory: String

    @Option(help: "Where to write the report.")
    var out = "QUALITY.md"

    @Option(help: "The most epochs per model (fewer for a quick run).")
    var epochs = 100

    @Option(help: "Rows drawn from the seed's generator for training (its recipe uses 50,000).")
    var syntheticSamples = SeedProfile.defaultSamples

    @Option(help: "Comma-separated families to run: seed, asd, smd, skab, nab (default: all).")
    var only: String?

    @Option(help: "Override the window length of every data family's recipe (experiments; the report says so).")
    var window: Int?

    @Flag(inversion: .prefixedNo, help: "Override whether windows hold first differences.")
    var differences: Bool?

    @Option(help: "Override the data families' trim fraction.")
    var trim: Double?

    @Flag(inversion: .prefixedNo, help: "Override whether per-feature evidence is added.")
    var perFeatureEvidence: Bool?

    @Option(help: "Override the data families' contamination (the threshold's quantile).")
    var contamination: Double?

    @Option(help: "Override the data families' dropout rate.")
    var dropout: Float?

    @Option(help: "Override the data families' baseline half-life, in rows (0: no baseline).")
    var baselineHalfLife: Double?

    @Flag(help: "Leave out the season the servers recipe has for ASD and SMD (each row compared with the days before).")
    var noSeason = false

    @Option(help: "Override the data families' training seed (weights, shuffling), to see how much the figures move with it.")
    var seed: UInt64?

    func validate() throws {
        if epochs < 1 { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        if syntheticSamples < DetectorTrainer.minimumRows {
            throw ValidationError("--synthetic-samples must be at least \(DetectorTrainer.minimumRows)")
        }
        let unknown = selected.subtracting(Self.families)
        if !unknown.isEmpty {
            throw ValidationError(
                "--only: unknown \(unknown.sorted().joined(separator: ", ")); the families are \(Self.families.sorted().joined(separator: ", "))")
        }
        try RecipeOverrides.validate(window: window, trim: trim, contamination: contamination, dropout: dropout)
        if differences == true, let window, window < 2 { throw ValidationError("--differences needs --window 2 or more") }
        if let baselineHalfLife, !(baselineHalfLife >= 0 && baselineHalfLife.isFinite) {
            throw ValidationError("--baseline-half-life must be a number of rows (0: none), got \(baselineHalfLife)")
        }
    }

    /// Every family the suite knows.
    static let families: Set<String> = ["seed", "asd", "smd", "skab", "nab"]

    /// SKAB's labelled experiments: every CSV below `root` except those in `anomaly-free/`, in
    /// path order.
    static func skabFiles(in root: String) -> [String] {
        let paths = FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String } ?? []
        return paths.filter { $0.hasSuffix(".csv") && !$0.hasPrefix("anomaly-free/") }.sorted().map { "\(root)/\($0)" }
    }

    /// The families asked for with `--only`, all of them without it.
    private var selected: Set<String> {
        guard let only else { return Self.families }
        return Set(only.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() })
    }

    /// The command line that reproduces the report.
    private var commandLine: String {
        var words = ["vigil quality", directory, "--epochs \(epochs)", "--synthetic-samples \(syntheticSamples)"]
        if let only { words.append("--only \(only)") }
        if let window { words.append("--window \(window)") }
        if let differences { words.append(differences ? "--differences" : "--no-differences") }
        if let trim { words.append("--trim \(trim)") }
        if let perFeatureEvidence { words.append(perFeatureEvidence ? "--per-feature-evidence" : "--no-per-feature-evidence") }
        if let contamination { words.append("--contamination \(contamination)") }
        if let dropout { words.append("--dropout \(dropout)") }
        if let baselineHalfLife { words.append("--baseline-half-life \(String(format: "%g", baselineHalfLife))") }
        if noSeason { words.append("--no-season") }
        if let seed { words.append("--seed \(seed)") }
        return words.joined(separator: " ")
    }

    /// `base` (a family's recipe) with the command line's overrides.
    private func recipe(_ base: DetectorTrainer) -> DetectorTrainer {
        var trainer = base
        trainer.configuration.epochs = epochs
        if let window { trainer.window.length = window }
        if let differences { trainer.window.differences = differences }
        if let trim { trainer.trimFraction = trim }
        if let perFeatureEvidence { trainer.perFeatureEvidence = perFeatureEvidence }
        if let contamination { trainer.contamination = contamination }
        if let dropout { trainer.dropout = dropout }
        if let baselineHalfLife { trainer.window.baselineHalfLife = baselineHalfLife > 0 ? baselineHalfLife : nil }
        if noSeason { trainer.window.seasonLength = nil }
        if let seed { trainer.seed = seed }
        return trainer
    }

    func run() async throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CommandFailure("\(directory) is not a directory: give the benchmark data directory (as ../shared/data: asd/, smd/, skab/, nab/)")
        }
        // Before the suite's minutes, not after them.
        if let problem = Self.writeProblem(out) { throw CommandFailure("cannot write the report to \(out): \(problem) (--out)") }
        let present = ["asd", "smd", "skab", "nab"].filter { selected.contains($0) && FileManager.default.fileExists(atPath: "\(directory)/\($0)") }
        if present.isEmpty, selected != ["seed"] {
            throw CommandFailure("\(directory) holds none of asd/, smd/, skab/, nab/: give the benchmark data directory (or --only seed)")
        }
        // One recipe per family, with the command line's overrides.
        let servers = Dictionary(
            uniqueKeysWithValues: QualityReport.Family.allCases.map { ($0, recipe(Recipe.servers.trainer(rowsPerDay: $0.rowsPerDay))) })
        // NAB's learning stretch (15 % of a series) is shorter than the five days a season needs.
        let nabServers = recipe(Recipe.servers.trainer)
        let sensors = recipe(Recipe.sensors.trainer)
        if present.contains("skab") { try RecipeOverrides.check(sensors, recipe: "sensors (SKAB; leave it out with --only)") }
        var recipes = ["skab": sensors.recipeDescription("sensors"), "nab-autoencoder": nabServers.recipeDescription("servers")]
        for (family, trainer) in servers { recipes[family.rawValue] = trainer.recipeDescription("servers") }
        var report = QualityReport(command: commandLine, recipes: recipes)
        let families = selected

        if families.contains("seed") {
            Console.note("seed generator: training on \(syntheticSamples) unlabeled rows, testing on a fresh draw of 20,000")
            var seedTrainer = Recipe.synthetic.trainer
            seedTrainer.configuration.epochs = epochs
            var generator = SeededGenerator(seed: 42)
            let training = SeedProfile.generate(samples: syntheticSamples, generator: &generator)
            let bundle = try seedTrainer.train(Dataset(features: training.features, values: training.values, source: training.source)).bundle
            var testGenerator = SeededGenerator(seed: 7)
            let test = SeedProfile.generate(samples: 20_000, generator: &testGenerator)
            report.seed = try AnomalyDetector(bundle: bundle).evaluate(series: test.values, labels: test.labels!)
        } else {
            report.skipped.insert("seed")
        }

        for family in QualityReport.Family.allCases {
            guard families.contains(family.rawValue) else {
                report.skipped.insert(family.rawValue)
                continue
            }
            let path = "\(directory)/\(family.directory)"
            guard FileManager.default.fileExists(atPath: path) else {
                Console.note("\(family.title): no \(path); not run")
                continue
            }
            report.families[family] = try TrainTestBenchmark(trainer: servers[family]!).run(directory: path) { machine in
                Console.note("\(family.title): \(machine)")
            }
        }
        let skab = "\(directory)/skab"
        if !families.contains("skab") {
            report.skipped.insert("skab")
        } else if FileManager.default.fileExists(atPath: skab) {
            let benchmark = LeadingRowsBenchmark(trainer: sensors, learning: .rows(400), labelColumn: "anomaly", excludedColumns: ["changepoint"])
            report.skab = try benchmark.run(Self.skabFiles(in: skab), root: skab) { Console.note("SKAB: \($0)") }
        } else {
            Console.note("SKAB: no \(skab); not run")
        }
        let nab = "\(directory)/nab"
        let nabWindows = "\(nab)/realAWSCloudwatch_windows.json"
        if !families.contains("nab") {
            report.skipped.insert("nab")
        } else if FileManager.default.fileExists(atPath: nabWindows) {
            // The streaming detector is the family's; the autoencoder runs beside it for comparison.
            report.nab = try LabeledWindowsBenchmark(detector: .rangeExcess(.init())).run(windowsFile: nabWindows, root: nab) {
                Console.note("NAB (range excess): \($0)")
            }
            report.nabAutoencoder = try LabeledWindowsBenchmark(detector: .autoencoder(nabServers)).run(windowsFile: nabWindows, root: nab) {
                Console.note("NAB (autoencoder): \($0)")
            }
        } else {
            Console.note("NAB: no \(nabWindows); not run")
        }
        do {
            try Data(report.markdown.utf8).write(to: URL(fileURLWithPath: out))
        } catch {
            throw CommandFailure("cannot write the report to \(out): \(error.localizedDescription)")
        }
        Console.note("Wrote \(out)")
    }

    /// Why a report could not be written at `path` (a directory there, no such parent
    /// directory, no permission), or `nil`.
    static func writeProblem(_ path: String) -> String? {
        let fileManager = FileManager.default
        var isDirectory: ObjCBool = false
        if fileManager.fileExists(atPath: path, isDirectory: &isDirectory) {
            if isDirectory.boolValue { return "it is a directory" }
            return fileManager.isWritableFile(atPath: path) ? nil : "permission denied"
        }
        let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
        guard fileManager.fileExists(atPath: parent, isDirectory: &isDirectory), isDirectory.boolValue else {
            return "the directory \(parent) does not exist"
        }
        return fileManager.isWritableFile(atPath: parent) ? nil : "permission denied in \(parent)"
    }
}
