import ArgumentParser
import Foundation
import VigilDetect
import VigilML

/// `vigil bench`: the numeric core's figures for BENCHMARKS.md, on the seed's setup.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure training speed, single-vector latency and batch throughput (release builds only).",
        discussion: """
            (a) trains the seed's autoencoder on --samples synthetic rows, batch 32, for
                --epochs epochs without early stopping, and reports seconds per epoch and
                the final val_loss; --full runs the seed's whole schedule instead (up to
                100 epochs, early stopping);
            (b) scores one vector at a time in process: median and p99 per call;
            (c) scores --vectors rows in batches on this one thread: vectors per second.
            """
    )

    @Option(help: "Synthetic training rows (the seed uses 50,000).")
    var samples = SeedProfile.defaultSamples

    @Option(help: "Epochs to time (ignored with --full).")
    var epochs = 5

    @Flag(help: "Run the seed's whole schedule: up to 100 epochs with early stopping.")
    var full = false

    @Option(help: "Single-vector calls to time.")
    var calls = 200_000

    @Option(help: "Rows for the batch-scoring figure.")
    var vectors = 1_000_000

    func validate() throws {
        // The single-vector figures draw their vectors from the first 1,024 training rows.
        if samples < 1024 { throw ValidationError("--samples must be at least 1024, got \(samples)") }
        if epochs < 1 { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        if calls < 100 { throw ValidationError("--calls must be at least 100 (for a p99), got \(calls)") }
        if vectors < 1 { throw ValidationError("--vectors must be at least 1, got \(vectors)") }
    }

    func run() async throws {
        #if DEBUG
            Console.note("warning: this is a debug build; figures are meaningless. Build with `swift build -c release`.")
        #endif
        // Figures depend on the kernels the BLAS runs: say which.
        print("BLAS: \(BLAS.coreName.map { "OpenBLAS, \($0) kernels" } ?? "Accelerate")")
        var generator = SeededGenerator(seed: 42)
        let dataset = SeedProfile.generate(samples: samples, generator: &generator)
        var trainer = DetectorTrainer()
        trainer.contamination = SeedProfile.contamination
        if !full {
            trainer.configuration.epochs = epochs
            trainer.configuration.earlyStopping = nil
            trainer.configuration.reduceLearningRate = nil
        }
        var progress = TrainingProgress()
        let started = Date()
        let (bundle, history) = try trainer.train(Dataset(features: dataset.features, values: dataset.values, source: dataset.source)) {
            progress.handle($0)
        }
        let total = Date().timeIntervalSince(started)
        let perEpoch = history.epochs.map(\.seconds).sorted()
        print("(a) training, \(samples) samples, batch 32, \(bundle.network.parameterCount) parameters:")
        print("    seconds per epoch: median \(format(perEpoch[perEpoch.count / 2], 3)), min \(format(perEpoch[0], 3))")
        print(
            "    \(history.epochs.count) epochs in \(format(total, 2)) s; best val_loss \(format(Double(history.bestLoss), 4)) (epoch \(history.bestEpoch)), final val_loss \(format(Double(history.epochs.last!.validationLoss ?? .nan), 4))"
        )

        let detector = try AnomalyDetector(bundle: bundle)
        let probes = (0..<1024).map { dataset.values.row($0).map(Double.init) }
        var sink = 0.0
        for probe in probes { sink += detector.score(probe).anomalyScore }  // warm-up
        let group = 100
        var perCall: [Double] = []
        perCall.reserveCapacity(calls / group)
        for round in 0..<(calls / group) {
            let begin = DispatchTime.now().uptimeNanoseconds
            for i in 0..<group { sink += detector.score(probes[(round * group + i) & 1023]).anomalyScore }
            perCall.append(Double(DispatchTime.now().uptimeNanoseconds - begin) / Double(group))
        }
        perCall.sort()
        print("(b) single-vector scoring (score(_:) with feature_scores), \(calls) calls in groups of \(group):")
        print("    median \(format(perCall[perCall.count / 2] / 1000, 3)) µs, p99 \(format(perCall[perCall.count * 99 / 100] / 1000, 3)) µs per call")

        var rows = [Float]()
        rows.reserveCapacity(vectors * 5)
        while rows.count < vectors * 5 { rows.append(contentsOf: dataset.values.values.prefix(vectors * 5 - rows.count)) }
        let batch = Matrix(rows: vectors, columns: 5, values: rows)
        _ = detector.reconstructionErrors(series: Matrix(rows: min(vectors, 1024), columns: 5, values: Array(rows.prefix(5 * min(vectors, 1024)))))
        var begin = DispatchTime.now().uptimeNanoseconds
        let scores = detector.score(series: batch)
        let scoreSeconds = Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9
        begin = DispatchTime.now().uptimeNanoseconds
        let errors = detector.reconstructionErrors(series: batch)
        let errorSeconds = Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9
        sink += scores[0].anomalyScore + Double(errors[0])
        print("(c) batch scoring on one thread, \(vectors) vectors:")
        print("    full scores (score(series:)): \(Int(Double(vectors) / scoreSeconds)) vectors/s")
        print("    reconstruction errors only:     \(Int(Double(vectors) / errorSeconds)) vectors/s")
        if sink.isNaN { print("") }
    }

    private func format(_ value: Double, _ digits: Int) -> String {
        String(format: "%.\(digits)f", value)
    }
}
