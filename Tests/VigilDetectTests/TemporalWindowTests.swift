import Foundation
import Testing
import VigilDetect
import VigilML

@Suite struct TemporalWindowTests {
    /// Three rows of two features: (1, 10), (2, 20), (4, 40).
    let series = Matrix([[1, 10], [2, 20], [4, 40]])

    @Test func aSeriesIsStackedNewestFirstWithASteadyPast() {
        let inputs = TemporalWindow(length: 3).inputs(series: series)
        #expect(inputs.columns == 6)
        #expect(inputs.row(0) == [1, 10, 1, 10, 1, 10])
        #expect(inputs.row(1) == [2, 20, 1, 10, 1, 10])
        #expect(inputs.row(2) == [4, 40, 2, 20, 1, 10])
    }

    @Test func differencesKeepTheLevelAndCarryTheMotion() {
        let inputs = TemporalWindow(length: 3, differences: true).inputs(series: series)
        #expect(inputs.row(0) == [1, 10, 0, 0, 0, 0])
        #expect(inputs.row(1) == [2, 20, 1, 10, 0, 0])
        #expect(inputs.row(2) == [4, 40, 2, 20, 1, 10])
        #expect(TemporalWindow(length: 2, differences: true).inputNames(["cpu"]) == ["cpu", "Δcpu[t-1]"])
        #expect(TemporalWindow(length: 2).inputNames(["cpu", "mem"]) == ["cpu", "mem", "cpu[t-1]", "mem[t-1]"])
    }

    @Test func aSeriesReadInPiecesGetsTheSameInputsAsReadWhole() {
        let window = TemporalWindow(length: 3, differences: true)
        let long = Matrix(rows: 7, columns: 2, values: (0..<14).map { Float($0 * $0 % 11) })
        var pieces = SeriesWindow(window, features: 2)
        let first = pieces.inputs(long.gatheringRows(0..<2))
        let rest = pieces.inputs(long.gatheringRows(2..<7))
        #expect(first.values + rest.values == window.inputs(series: long).values)
    }

    @Test func steadyAndStackedInputsMatchTheSeriesForm() {
        let window = TemporalWindow(length: 2, differences: true)
        #expect(window.inputs(separately: [[3, 30]], means: [0, 0]).row(0) == [3, 30, 0, 0])
        #expect(
            window.inputs(stacked: [[4, 40, 2, 20]], features: 2).row(0) == window.inputs(series: series).row(2).prefix(4).map { $0 })
    }

    /// The assembler's windows span time steps: events sharing a timestamp fill one vector.
    @Test func theAssemblerKeepsEachServicesLastTimeSteps() {
        let assembler = FeatureAssembler(features: ["cpu", "mem"], defaults: [50, 60], window: TemporalWindow(length: 3))
        let events = [
            MetricEvent(timestamp: 0, service: "a", metric: "cpu", value: 1),
            MetricEvent(timestamp: 0, service: "a", metric: "mem", value: 10),
            MetricEvent(timestamp: 1, service: "b", metric: "cpu", value: 99),
            MetricEvent(timestamp: 60, service: "a", metric: "cpu", value: 2),
            MetricEvent(timestamp: 60, service: "a", metric: "mem", value: 20),
            MetricEvent(timestamp: 120, service: "a", metric: "cpu", value: 4, tags: ["mem": 40]),
        ]
        let assembled = assembler.update(with: events)
        #expect(assembled[0].window == [1, 60, 1, 60, 1, 60])
        #expect(assembled[1].window == [1, 10, 1, 10, 1, 10])
        #expect(assembled[2].window == [99, 60, 99, 60, 99, 60])
        #expect(assembled[3].window == [2, 10, 1, 10, 1, 10])
        #expect(assembled[4].window == [2, 20, 1, 10, 1, 10])
        #expect(assembled[5].window == [4, 40, 2, 20, 1, 10])
        #expect(assembled[5].values == [4, 40])
        // Warming up until the window holds three time steps of the service's own.
        #expect(assembled.map(\.warmingUp) == [true, true, true, true, true, false])
    }

    /// A baseline with no earlier step is the vector itself: that first step is warming up, the
    /// next is judged against it. Without a window or baseline, nothing warms up.
    @Test func aBaselineWarmsUpForItsFirstStepOnly() {
        let assembler = FeatureAssembler(features: ["x"], defaults: [0], window: TemporalWindow(length: 1, baselineHalfLife: 4))
        let steps = (0..<3).map { MetricEvent(timestamp: Double($0) * 60_000, service: "a", metric: "x", value: 5) }
        #expect(assembler.update(with: steps).map(\.warmingUp) == [true, false, false])
        let plain = FeatureAssembler(features: ["x"], defaults: [0])
        #expect(plain.update(with: steps).map(\.warmingUp) == [false, false, false])
    }

    /// A series alternating between two states: one vector alone cannot tell a repeated state
    /// from a normal one; a window of two can.
    @Test func aWindowSeesWhatASingleVectorCannot() throws {
        var generator = SeededGenerator(seed: 11)
        var rows: [Float] = []
        for step in 0..<3000 {
            let state: Double = step % 2 == 0 ? 10 : 20
            rows += [state, 2 * state].map { Float($0 + generator.nextNormal(standardDeviation: 0.3)) }
        }
        let dataset = Dataset(features: ["a", "b"], values: Matrix(rows: 3000, columns: 2, values: rows), source: "alternating")
        // Normal: 10, 20, 10, 20. Anomalous: the third step repeats the state before it.
        let probe = Matrix([[10, 20], [20, 40], [20, 40], [10, 20]])

        var trainer = DetectorTrainer()
        trainer.configuration.epochs = 20
        // A one-unit bottleneck: room for the two normal pairs, none for an identity map.
        trainer.architecture = Architecture(
            inputDimension: 4,
            layers: [
                .dense(units: 8, activation: .relu), .dense(units: 1, activation: .linear), .dense(units: 8, activation: .relu),
                .dense(units: 4, activation: .linear),
            ])
        trainer.window = TemporalWindow(length: 2)
        let windowed = try AnomalyDetector(bundle: trainer.train(dataset).bundle)
        let scores = windowed.score(series: probe)
        #expect(!scores[1].isAnomaly, "normal step scored \(scores[1].reconstructionError), threshold \(windowed.threshold)")
        #expect(scores[2].isAnomaly, "repeat scored \(scores[2].reconstructionError), threshold \(windowed.threshold)")

        trainer.window = .none
        trainer.architecture = Architecture(
            inputDimension: 2,
            layers: [
                .dense(units: 8, activation: .relu), .dense(units: 1, activation: .linear), .dense(units: 8, activation: .relu),
                .dense(units: 2, activation: .linear),
            ])
        let single = try AnomalyDetector(bundle: trainer.train(dataset).bundle)
        #expect(!single.score(series: probe)[2].isAnomaly)
    }

    /// A windowed model with a baseline round-trips through its bundle, and its three scoring
    /// paths agree: a series, the assembler's stacked windows, and a lone vector seen as a series
    /// of its own.
    @Test func aWindowedBundleRoundTripsAndScoresAlikeOnEveryPath() throws {
        var generator = SeededGenerator(seed: 5)
        let data = SeedProfile.generate(samples: 400, generator: &generator)
        var trainer = DetectorTrainer()
        trainer.configuration.epochs = 2
        trainer.contamination = 0.2
        trainer.perFeatureEvidence = true
        trainer.window = TemporalWindow(length: 3, baselineHalfLife: 2)
        let bundle = try trainer.train(Dataset(features: data.features, values: data.values, source: data.source)).bundle
        #expect(bundle.inputWidth == 15)
        #expect(bundle.features == SeedProfile.features)

        let path = Fixtures.temporaryDirectory() + "/model"
        try bundle.save(to: path)
        #expect(try ModelBundle.load(from: path) == bundle)
        // A baseline needs format 4: a version-1 reader would ignore it and misjudge every vector,
        // versions 2 and 3 would run their plain baseline from the training means.
        let manifest = try String(contentsOfFile: path + "/model.json", encoding: .utf8)
        #expect(manifest.contains("\"format_version\" : 4"))
        // A bundle written before the robust baseline (version 2) is still read.
        try manifest.replacingOccurrences(of: "\"format_version\" : 4", with: "\"format_version\" : 2").write(
            toFile: path + "/model.json", atomically: true, encoding: .utf8)
        #expect(try ModelBundle.load(from: path).window == bundle.window)
        let detector = try AnomalyDetector(bundle: bundle)

        let series = data.values.gatheringRows(0..<6)
        let assembler = FeatureAssembler(features: bundle.features, defaults: bundle.featureMeans, window: bundle.window)
        let windows = (0..<6).map { row in
            let vector = series.row(row)
            let tags = Dictionary(uniqueKeysWithValues: zip(bundle.features, vector.map(Double.init)))
            return assembler.update(
                with: MetricEvent(timestamp: Double(row), service: "s", metric: bundle.features[0], value: Double(vector[0]), tags: tags)
            ).window
        }
        // The single-vector and batched products sum in different orders: equal to float precision.
        func close(_ a: Score, _ b: Score) -> Bool { abs(a.reconstructionError - b.reconstructionError) <= 1e-6 * max(1, a.reconstructionError) }
        let fromSeries = detector.score(series: series)
        let fromAssembler = detector.score(windows: windows)
        for (a, b) in zip(fromSeries, fromAssembler) {
            #expect(close(a, b))
            #expect(a.featureScores.count == 5)
        }
        #expect(close(fromAssembler[5], detector.score(window: windows[5])))

        // A lone vector, with no series behind it, is measured from the training means on either path.
        let lone = series.row(0).map(Double.init)
        let input = bundle.window.inputs(separately: [lone], means: bundle.featureMeans)
        #expect(zip(input.row(0).prefix(lone.count), zip(lone, bundle.featureMeans)).allSatisfy { abs(Double($0) - ($1.0 - $1.1)) < 1e-4 })
        let alone = detector.score(inputs: input)[0]
        #expect(close(detector.score(lone), alone))
        #expect(detector.score([lone, lone]).allSatisfy { close($0, alone) })
    }

    @Test func aBundleWhoseWindowDoesNotFitItsNetworkIsRefused() throws {
        var generator = SeededGenerator(seed: 6)
        let data = SeedProfile.generate(samples: 200, generator: &generator)
        var trainer = DetectorTrainer()
        trainer.configuration.epochs = 1
        trainer.window = TemporalWindow(length: 2)
        let path = Fixtures.temporaryDirectory() + "/model"
        try trainer.train(Dataset(features: data.features, values: data.values, source: data.source)).bundle.save(to: path)
        let file = URL(fileURLWithPath: path + "/model.json")
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as! [String: Any]
        #expect(json["window"] as? [String: Any] != nil)

        json["window"] = ["length": 3]
        try JSONSerialization.data(withJSONObject: json).write(to: file)
        #expect {
            try ModelBundle.load(from: path)
        } throws: { error in
            "\(error)".contains("5 features over a window of 3, but the architecture's input_dim is 10")
        }

        json["window"] = ["length": 2, "baseline_half_life": 12]
        json["feature_means"] = nil
        try JSONSerialization.data(withJSONObject: json).write(to: file)
        #expect {
            try ModelBundle.load(from: path)
        } throws: { error in
            "\(error)".contains("field 'feature_means' is missing")
        }

        json["window"] = ["length": 0]
        try JSONSerialization.data(withJSONObject: json).write(to: file)
        #expect {
            try ModelBundle.load(from: path)
        } throws: { error in
            "\(error)".contains("field 'window': length must be in 1...1000, found 0")
        }
    }

    /// Half-life 1: a settled baseline moves halfway to each vector; a series' own starts at its
    /// first vector and weighs its short past as all there is.
    @Test func theBaselineIsAnExponentialMeanOfTheSeriesOwnPast() {
        var settled = Baseline(level: [0], halfLife: 1)
        #expect(settled.deviation(of: [10]) == [10])
        #expect(settled.level == [5])

        let window = TemporalWindow(length: 2, baselineHalfLife: 1)
        let inputs = window.inputs(series: Matrix([[2], [6], [10], [4]]))
        // Levels 2, (2·½ + 6)/1.5, (2·¼ + 6·½ + 10)/1.75: deviations 0, 4, 10 − 14/3 and 4 − 54/7;
        // each row then holds the one before it.
        let expected: [Float] = [0, 0, 4, 0, 10 - 14 / 3, 4, 4 - 54 / 7, 10 - 14 / 3]
        #expect(zip(inputs.values, expected).allSatisfy { abs($0 - $1) < 1e-5 }, "\(inputs.values)")

        let assembler = FeatureAssembler(features: ["x"], defaults: [0], window: window)
        let windows = [2.0, 6, 10, 4].enumerated().map { step, value in
            assembler.update(with: MetricEvent(timestamp: Double(step), service: "s", metric: "x", value: value)).window
        }
        // The series form reads its rows as Float.
        #expect(zip(windows.flatMap { $0 }, inputs.values).allSatisfy { abs($0 - Double($1)) < 1e-6 })
        // A lone vector has no past of its own: it is measured from the training means.
        #expect(window.inputs(separately: [[7]], means: [5]).row(0) == [2, 2])
    }

    /// One model for a fleet: a new service far from the fleet's mean is judged by what it does,
    /// not flagged for where it is until its baseline has travelled there.
    @Test func aNewServiceIsJudgedFromItsOwnFirstValues() {
        let assembler = FeatureAssembler(features: ["cpu"], defaults: [20], window: TemporalWindow(length: 2, baselineHalfLife: 12))
        let windows = (0..<5).map { step in
            assembler.update(with: MetricEvent(timestamp: Double(step) * 60_000, service: "batch", metric: "cpu", value: 90)).window
        }
        #expect(windows.allSatisfy { $0 == [0, 0] }, "\(windows)")
    }

    /// A metric that stops arriving is reported missing and says nothing: it is not a jump to the
    /// training mean, and it does not pull the service's baseline there.
    @Test func aFeatureThatStopsArrivingLeavesTheBaselineAlone() {
        let assembler = FeatureAssembler(
            features: ["cpu", "mem"], defaults: [50, 50], staleness: 90_000, window: TemporalWindow(length: 1, baselineHalfLife: 2))
        func step(_ minute: Int, mem: Double?) -> FeatureAssembler.Assembled {
            assembler.update(
                with: MetricEvent(timestamp: Double(minute) * 60_000, service: "api", metric: "cpu", value: 80, tags: mem.map { ["mem": $0] } ?? [:]))
        }
        for minute in 0..<5 { _ = step(minute, mem: 30) }
        let stale = (5..<15).map { step($0, mem: nil) }
        #expect(stale[1...].allSatisfy { $0.missing == ["mem"] && $0.window == [0, 0] }, "\(stale.map(\.window))")
        #expect(step(15, mem: 30).window == [0, 0])
    }

    /// A server that moves to a new level and stays there: without a baseline every point after
    /// the move is anomalous; with one, the move is flagged and then the new level is normal.
    @Test func aBaselineFollowsALevelShiftThatWouldOtherwiseBeFlaggedForever() throws {
        var generator = SeededGenerator(seed: 12)
        // b follows a (b ≈ 2a) around a level; after the move, a sits 6 higher and b does not follow.
        func noisy(_ a: Double, _ b: Double) -> [Float] {
            let shared = generator.nextNormal(standardDeviation: 1)
            return [a + shared + generator.nextNormal(standardDeviation: 0.2), b + 2 * shared + generator.nextNormal(standardDeviation: 0.2)]
                .map(Float.init)
        }
        let history = Dataset(features: ["a", "b"], values: Matrix((0..<2000).map { _ in noisy(10, 20) }), source: "history")
        let moved = Matrix((0..<100).map { _ in noisy(10, 20) } + (0..<200).map { _ in noisy(16, 20) })

        var trainer = DetectorTrainer()
        trainer.configuration.epochs = 10
        trainer.dropout = 0
        let fixed = try AnomalyDetector(bundle: trainer.train(history).bundle).score(series: moved).map(\.isAnomaly)
        trainer.window = TemporalWindow(length: 1, baselineHalfLife: 5)
        let following = try AnomalyDetector(bundle: trainer.train(history).bundle).score(series: moved).map(\.isAnomaly)

        #expect(fixed[150...].allSatisfy { $0 })
        #expect(following[100])
        #expect(following[200...].count { $0 } <= 10, "\(following[200...].count { $0 }) of 100 flagged long after the move")
    }
}

/// A file's interleaved services, each read as its own series.
@Suite struct ServiceSeriesWindowsTests {
    let window = TemporalWindow(length: 3, baselineHalfLife: 2)
    let api: [Float] = [1, 4, 9, 16, 25]
    let db: [Float] = [100, 90, 70, 40, 0]

    private func alone(_ values: [Float]) -> Matrix { window.inputs(series: Matrix(values.map { [$0] })) }

    @Test func eachServiceIsItsOwnSeriesAndAnUnnamedHistoryIsTheFirstOnesPast() {
        var windows = ServiceSeriesWindows(window, features: 1)
        // The api's first two rows come as a history without a `service` column.
        windows.readHistory(Matrix(api.prefix(2).map { [$0] }))
        let rows = zip(api.dropFirst(2), db.prefix(3)).flatMap { [[$0], [$1]] } + db.dropFirst(3).map { [$0] }
        let services = ["api", "db", "api", "db", "api", "db", "db", "db"]
        let mixed = windows.inputs(Matrix(rows), services: services)
        #expect(windows.count == 2)
        #expect(windows.unusedHistory.isEmpty)
        let (apiAlone, dbAlone) = (alone(api), alone(db))
        for (row, service) in services.enumerated() {
            let earlier = services.prefix(row).count { $0 == service }
            let expected = service == "api" ? apiAlone.row(2 + earlier) : dbAlone.row(earlier)
            #expect(mixed.row(row) == expected, "row \(row) (\(service))")
        }
    }

    @Test func historiesMatchByNameOrAsTheOnlySeries() {
        // One service's history before rows that name none: its past.
        var unnamedInput = ServiceSeriesWindows(window, features: 1)
        unnamedInput.readHistory(Matrix(api.prefix(2).map { [$0] }), services: ["api", "api"])
        #expect(unnamedInput.inputs(Matrix(api.dropFirst(2).map { [$0] })).values == Array(alone(api).values.dropFirst(6)))
        // Named on both sides: by name; a service the input never names is reported.
        var byName = ServiceSeriesWindows(window, features: 1)
        byName.readHistory(Matrix((api.prefix(2) + db.prefix(2)).map { [$0] }), services: ["api", "api", "db", "db"])
        #expect(byName.inputs(Matrix(db.dropFirst(2).map { [$0] }), services: ["db", "db", "db"]).values == Array(alone(db).values.dropFirst(6)))
        #expect(byName.unusedHistory == ["api"])
        // Rows without a service later in a named file stay their own series.
        var later = ServiceSeriesWindows(window, features: 1)
        _ = later.inputs(Matrix([[1], [2]]), services: ["api", ""])
        #expect(later.inputs(Matrix([[100]]), services: ["db"]).values == Array(alone([100]).values))
        #expect(later.count == 3)
    }
}
