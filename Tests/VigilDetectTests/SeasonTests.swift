import Foundation
import Testing
import VigilDetect
import VigilML

/// Seasons: each row compared with the same phase in the last three seasons
/// (``SeasonalReference``), judged by a ``SeasonalProfile`` beside the reconstruction error.
@Suite struct SeasonTests {
    /// NaN as a number that compares equal to itself, to compare inputs holding unknown changes.
    private func comparable(_ values: [Float]) -> [Float] { values.map { $0.isNaN ? -999 : $0 } }

    @Test func aChangeIsUnknownForThreeSeasonsThenTheDifferenceFromTheirMedian() {
        var season = SeasonalReference(length: 2, features: 1)
        // Phases: (1, 10), (2, 40), (9, 20), then (5, 25), (4, 30), (6, 0).
        let changes = [1.0, 10, 2, 40, 9, 20, 5, 25, 4, 30, 6, 0].map { season.changes(joining: [$0]) }
        #expect(changes.prefix(6).allSatisfy { $0 == nil })
        // Medians: of 1, 2, 9 → 2; of 10, 40, 20 → 20; then of 2, 9, 5 → 5; of 40, 20, 25 → 25.
        #expect(changes.suffix(6).map { $0?[0] } == [3, 5, -1, 5, 1, -25])
        // The 9 was outvoted at step 10 (median of 9, 5, 4). Peeking (phase 0's last three: 5, 4,
        // 6) compares without joining.
        #expect(season.changes(peeking: [7]) == [2])
        #expect(season.changes(peeking: [7]) == [2])
    }

    @Test func unknownValuesAreLeftOutOfTheMedian() {
        var season = SeasonalReference(length: 1, features: 1)
        for value in [1.0, .nan, 5] { _ = season.changes(joining: [value]) }
        // Of 1 and 5 (the NaN left out), the mean: 3.
        #expect(season.changes(peeking: [10]) == [7])
        var unknown = SeasonalReference(length: 1, features: 1)
        for _ in 0..<3 { _ = unknown.changes(joining: [.nan]) }
        #expect(unknown.changes(peeking: [10])?[0].isNaN == true)
    }

    /// A feature the service has not heard from is imputed for the model, but says nothing about
    /// the day: its change is unknown, and so is its place in the season.
    @Test func anImputedFeatureHasNoSeasonalChange() {
        let window = TemporalWindow(length: 1, seasonLength: 2)
        let assembler = FeatureAssembler(features: ["cpu", "mem"], defaults: [50, 60], window: window)
        var last: [Double] = []
        for step in 0..<7 {
            last = assembler.update(with: MetricEvent(timestamp: Double(step), service: "s", metric: "cpu", value: Double(10 * step))).window
        }
        // cpu at 60 against the median of 0, 20, 40 (steps 0, 2, 4); mem never seen.
        #expect(last[2] == 40)
        #expect(last[3].isNaN)
    }

    /// A retrained model (other training means) keeps each service's past when it assembles the
    /// same features with the same window.
    @Test func aRetrainedModelTakesOverTheServicesSeasons() {
        let window = TemporalWindow(length: 1, seasonLength: 2)
        let old = FeatureAssembler(features: ["cpu"], defaults: [50], window: window)
        for step in 0..<6 { _ = old.update(with: MetricEvent(timestamp: Double(step), service: "s", metric: "cpu", value: Double(step))) }
        let retrained = FeatureAssembler(features: ["cpu"], defaults: [55], window: window, carryingStateOf: old)
        let next = retrained.update(with: MetricEvent(timestamp: 6, service: "s", metric: "cpu", value: 9))
        #expect(next.window == [9, 7])  // against the median of 0, 2, 4 (steps 0, 2, 4)
        let other = FeatureAssembler(features: ["cpu"], defaults: [55], window: TemporalWindow(length: 2), carryingStateOf: old)
        #expect(other.serviceCount == 0)
    }

    /// With the step's length known, a step that never came leaves a gap in the season rather
    /// than shifting the comparisons of the next three seasons by one step.
    @Test func aMissedStepLeavesAGapInsteadOfShiftingTheSeason() {
        // A season of two one-minute steps: even minutes read 0, odd minutes 100.
        func reading(_ minute: Int) -> Double { minute % 2 == 0 ? 0 : 100 }
        func last(_ window: TemporalWindow, minutes: [Int]) -> [Double] {
            let assembler = FeatureAssembler(features: ["x"], defaults: [50], window: window)
            var assembled: [Double] = []
            for minute in minutes {
                assembled =
                    assembler.update(with: MetricEvent(timestamp: Double(minute) * 60_000, service: "s", metric: "x", value: reading(minute))).window
            }
            return assembled
        }
        let minutes = Array(0..<8) + [9]  // minute 8 never arrives
        // By time: minute 9 (odd) against minutes 7, 5, 3: no change.
        #expect(last(TemporalWindow(length: 1, seasonLength: 2, stepSeconds: 60), minutes: minutes) == [100, 0])
        // By count: minute 9 takes minute 8's place and is compared with the even minutes.
        #expect(last(TemporalWindow(length: 1, seasonLength: 2), minutes: minutes) == [100, 100])
        // A long outage leaves nothing to compare with until three seasons have passed again.
        #expect(last(TemporalWindow(length: 1, seasonLength: 2, stepSeconds: 60), minutes: Array(0..<8) + [99])[1].isNaN)
    }

    /// A file's rows with times are placed in their seasons as the service places its steps: a
    /// row that never came leaves the same gap in training, `vigil score` and the service.
    @Test func aFilesMissingRowLeavesTheGapTheServiceLeaves() {
        let window = TemporalWindow(length: 2, baselineHalfLife: 3, seasonLength: 3, stepSeconds: 60)
        let minutes = Array(0..<10) + Array(11..<16)  // minute 10 never came
        let values: [Float] = minutes.map { [10, 20, 30][$0 % 3] + ($0 == 4 ? 5 : 0) }
        let assembler = FeatureAssembler(features: ["x"], defaults: [2], window: window)
        var windows: [Double] = []
        for (minute, value) in zip(minutes, values) {
            windows += assembler.update(with: MetricEvent(timestamp: Double(minute) * 60_000, service: "s", metric: "x", value: Double(value))).window
        }
        let times = minutes.map { Double($0) * 60 }
        let series = window.inputs(series: Matrix(values.map { [$0] }), times: times)
        #expect(comparable(windows.map(Float.init)) == comparable(series.values))
        // Read in two pieces, the second piece's first row knows how long ago the first's last was.
        var pieces = SeriesWindow(window, features: 1)
        let first = pieces.inputs(Matrix(values.prefix(10).map { [$0] }), times: Array(times.prefix(10)))
        let second = pieces.inputs(Matrix(values.suffix(5).map { [$0] }), times: Array(times.suffix(5)))
        #expect(comparable(first.values + second.values) == comparable(series.values))
        // Minute 11 (30) against minutes 8, 5 and 2 (30 each); by count, the row after the gap
        // would be compared with minutes 7, 4 and 1 (20, 25 and 20).
        let change = { (inputs: Matrix) in inputs[10, 2] }
        #expect(change(series) == 0)
        #expect(change(window.inputs(series: Matrix(values.map { [$0] }))) == 10)
        // A row without a time counts as the next step; without a step length, times are not used.
        var unknown = times
        unknown[3] = .nan
        #expect(comparable(window.inputs(series: Matrix(values.map { [$0] }), times: unknown).values) == comparable(series.values))
        // A time earlier than the one before is the next step, and does not move the series back.
        var backwards = times
        backwards[3] = 0
        #expect(comparable(window.inputs(series: Matrix(values.map { [$0] }), times: backwards).values) == comparable(series.values))
        var counted = window
        counted.stepSeconds = nil
        #expect(
            comparable(counted.inputs(series: Matrix(values.map { [$0] }), times: times).values)
                == comparable(counted.inputs(series: Matrix(values.map { [$0] })).values))
    }

    /// However far a skip goes, only the phase moves on: the count cannot overflow.
    @Test func aSkipOfAnyLengthKeepsThePhase() {
        var near = SeasonalReference(length: 2, features: 1)
        var far = SeasonalReference(length: 2, features: 1)
        for value in [1.0, 2, 3, 4, 5, 6] {
            _ = near.changes(joining: [value])
            _ = far.changes(joining: [value])
        }
        near.skip(7)
        // Int.max − 6 ≡ 1 and Int.max − 1 ≡ 0 (mod 6, the ring's span): 7 steps on, like near.
        far.skip(Int.max - 6)
        far.skip(Int.max - 1)
        let known = { (changes: [Double]?) in changes.map { $0.map { $0.isNaN ? -999 : $0 } } }
        for value in [10.0, 20, 30, 40, 50, 60, 70] {
            #expect(known(near.changes(joining: [value])) == known(far.changes(joining: [value])))
        }
        #expect(near.changes(peeking: [0]) == [-40])  // against the median of 20, 40, 60
        #expect(far.changes(peeking: [0]) == [-40])
    }

    @Test func aSeasonNeedsTrainingRowsWithThreeSeasonsBehindThem() {
        var trainer = DetectorTrainer()
        trainer.window = TemporalWindow(length: 1, seasonLength: 10)
        trainer.holdOut = .latest
        trainer.validationFraction = 0.5
        let dataset = Dataset(features: ["x"], values: Matrix((0..<60).map { [Float($0 % 10)] }), source: "six.csv")
        #expect {
            try trainer.train(dataset)
        } throws: { error in
            "\(error)".hasPrefix("six.csv: once the validation rows are held out, 0 training rows have three seasons of 10 rows before them")
        }
    }

    @Test func theInputCarriesTheSeasonalChangesAfterTheNetworksPart() {
        let window = TemporalWindow(length: 2, seasonLength: 2)
        #expect(window.inputWidth(features: 1) == 3)
        #expect(window.networkWidth(features: 1) == 2)
        #expect(window.inputNames(["cpu"]) == ["cpu", "cpu[t-1]", "cpu[t]-median(cpu[t-2k])"])
        // From the seventh row on, each row against the median of the same phase in the three
        // seasons before: 7 against 1, 4, 3; then 6 against 2, 8, 5.
        let inputs = window.inputs(series: Matrix([[1], [2], [4], [8], [3], [5], [7], [6]]))
        let unknown = Float.nan
        #expect(
            comparable(inputs.values)
                == comparable([1, 1, unknown, 2, 1, unknown, 4, 2, unknown, 8, 4, unknown, 3, 8, unknown, 5, 3, unknown, 7, 5, 4, 6, 7, 1]))
        // A lone vector has no season behind it.
        #expect(window.inputs(separately: [[5]], means: [0]).values[2].isNaN)
    }

    /// The service builds the same inputs per service as training and `vigil score` per series,
    /// baseline and season together.
    @Test func theAssemblerKeepsEachServicesSeasonAsTheSeriesFormDoes() {
        let window = TemporalWindow(length: 2, baselineHalfLife: 1, seasonLength: 3)
        let values: [Float] = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9]
        let series = window.inputs(series: Matrix(values.map { [$0] }))
        let assembler = FeatureAssembler(features: ["x"], defaults: [2], window: window)
        var windows: [Double] = []
        for (step, value) in values.enumerated() {
            // Another service in between must not disturb this one's season.
            _ = assembler.update(with: MetricEvent(timestamp: Double(step), service: "other", metric: "x", value: 100))
            windows += assembler.update(with: MetricEvent(timestamp: Double(step), service: "s", metric: "x", value: Double(value))).window
        }
        #expect(comparable(windows.map(Float.init)) == comparable(series.values))
    }

    /// Two correlated metrics with a daily rhythm; one day, the busy half stays as quiet as the
    /// night. Each such row on its own is a normal row (the metrics agree, the values occur every
    /// day), so a model of rows misses it; compared with the day before, it stands out.
    @Test func aSeasonCatchesADayThatLosesItsRhythm() throws {
        let day = 24
        var generator = SeededGenerator(seed: 5)
        func row(_ step: Int, flipped: Bool) -> [Float] {
            let phase = sin(2 * Double.pi * Double(step % day) / Double(day))
            let a = 10 + 5 * (flipped ? -phase : phase) + generator.nextNormal(standardDeviation: 0.3)
            return [Float(a), Float(2 * a + generator.nextNormal(standardDeviation: 0.3))]
        }
        let historyDays = 30
        let history = (0..<historyDays * day).map { row($0, flipped: false) }
        // Four more days; on the third, the busy hours (phase above 0.5) look like the quiet ones.
        var labels: [Bool] = []
        let following = (0..<4 * day).map { offset in
            let step = historyDays * day + offset
            let anomalous = offset / day == 2 && sin(2 * Double.pi * Double(step % day) / Double(day)) > 0.5
            labels.append(anomalous)
            return row(step, flipped: anomalous)
        }
        let dataset = Dataset(features: ["a", "b"], values: Matrix(history), source: "rhythm")
        let series = Matrix(history + following)

        func flagged(_ window: TemporalWindow) throws -> [Bool] {
            var trainer = DetectorTrainer()
            trainer.configuration.epochs = 20
            trainer.dropout = 0
            trainer.holdOut = .latest
            trainer.window = window
            let detector = try AnomalyDetector(bundle: trainer.train(dataset).bundle)
            return Array(detector.score(series: series).map(\.isAnomaly).suffix(following.count))
        }
        let anomalous = labels.indices.filter { labels[$0] }
        let normal = labels.indices.filter { !labels[$0] }
        #expect(anomalous.count >= 6)

        let rows = try flagged(TemporalWindow(length: 1))
        let seasonal = try flagged(TemporalWindow(length: 1, seasonLength: day))
        let caughtByRows = anomalous.count { rows[$0] }
        let caughtBySeason = anomalous.count { seasonal[$0] }
        #expect(caughtByRows * 3 <= anomalous.count, "a model of rows caught \(caughtByRows) of \(anomalous.count)")
        #expect(caughtBySeason == anomalous.count, "the season caught \(caughtBySeason) of \(anomalous.count)")
        #expect(normal.count { seasonal[$0] } <= 4, "\(normal.count { seasonal[$0] }) of \(normal.count) normal rows flagged")
        // No echo: the day after, compared with the median of the three before it, is normal.
        let dayAfter = (3 * day..<4 * day).count { seasonal[$0] }
        #expect(dayAfter <= 1, "\(dayAfter) rows flagged the day after")
    }

    @Test func aHistoryShorterThanFiveSeasonsIsRefusedWithTheWayOut() {
        var trainer = DetectorTrainer()
        trainer.window = TemporalWindow(length: 1, seasonLength: 50)
        let dataset = Dataset(features: ["x"], values: Matrix((0..<60).map { [Float($0)] }), source: "short.csv")
        #expect {
            try trainer.train(dataset)
        } throws: { error in
            "\(error)" == "short.csv: 60 rows span less than 5 seasons of 50 rows; train on a longer history, or choose a shorter --season (or none)"
        }
    }

    @Test func theProfileLeavesOutFeaturesThatNeverChangedAndUnknownChanges() {
        let profile = SeasonalProfile(fitting: Matrix([[1, 5, .nan], [3, 5, .nan], [.nan, 5, .nan]]))
        #expect(profile.mean == [2, 5, 0])
        #expect(profile.scale == [1, 0, 0])
    }

    @Test func aSeasonalBundleRoundTripsAsFormatVersion3AndOlderVersionsAreRefused() throws {
        var trainer = DetectorTrainer()
        trainer.configuration.epochs = 2
        trainer.window = TemporalWindow(length: 2, seasonLength: 10)
        var generator = SeededGenerator(seed: 1)
        let rows = (0..<200).map { step in [Float(step % 10) + Float(generator.nextNormal(standardDeviation: 0.1)), 1] }
        let bundle = try trainer.train(Dataset(features: ["x", "flat"], values: Matrix(rows), source: "s")).bundle
        #expect(bundle.seasonal?.scale[1] == 0)
        #expect(bundle.seasonal!.weight > 0)
        #expect(bundle.requiredFormatVersion == 3)
        let path = Fixtures.temporaryDirectory() + "/model"
        try bundle.save(to: path)
        #expect(try ModelBundle.load(from: path) == bundle)

        let file = URL(fileURLWithPath: path + "/model.json")
        let original = try Data(contentsOf: file)
        func refusal(_ edit: (inout [String: Any]) -> Void) throws -> String {
            var json = try JSONSerialization.jsonObject(with: original) as! [String: Any]
            edit(&json)
            try JSONSerialization.data(withJSONObject: json).write(to: file)
            do {
                _ = try ModelBundle.load(from: path)
                return "loaded"
            } catch {
                return "\(error)"
            }
        }
        #expect(try refusal { $0["format_version"] = 2 }.contains("a window with a season needs format_version 3 or later, found 2"))
        #expect(try refusal { $0["seasonal_profile"] = nil }.contains("field 'seasonal_profile' is missing"))
        #expect(try refusal { $0["seasonal_profile"] = ["mean": [0], "scale": [1], "weight": 1] }.contains("1 means and 1 scales for 2 features"))
    }
}

/// Which rows `--hold-out latest` keeps for validation when the rows name their services.
@Suite struct HoldOutTests {
    @Test func eachServiceHoldsOutItsOwnLatestRows() {
        // Grouped by service (one file after the other): each service's end, not the last's rows.
        let grouped = Array(repeating: "api", count: 10) + Array(repeating: "db", count: 5)
        #expect(DetectorTrainer.latestRows(of: grouped, count: 15, fraction: 0.2) == [8, 9, 14])
        // Without services, the file's end; at least one row.
        #expect(DetectorTrainer.latestRows(of: nil, count: 15, fraction: 0.2) == [12, 13, 14])
        #expect(DetectorTrainer.latestRows(of: nil, count: 2, fraction: 0.2) == [1])
    }
}

/// A daily season found in rows without times.
@Suite struct SeasonSearchTests {
    private func series(_ count: Int, _ value: (Int, inout SeededGenerator) -> Double) -> Matrix {
        var generator = SeededGenerator(seed: 3)
        return Matrix((0..<count).map { row in [Float(value(row, &generator)), Float(value(row + 7, &generator))] })
    }

    @Test func aDailyRhythmIsFoundAtItsLengthNotItsMultiples() throws {
        // Five-minute rows: a day is 288 of them; 26 days, with noise, so that five days (1440
        // rows), which repeat too, are also tried.
        let daily = series(26 * 288) { row, generator in sin(Double(row % 288) / 288 * 2 * .pi) + generator.nextNormal(standardDeviation: 0.3) }
        let found = try #require(SeasonSearch.find(in: daily, seasonsNeeded: 5))
        #expect(found.rows == 288)
        #expect(found.correlation > 0.5 && found.halfCorrelation < -0.5, "\(found)")
        // Fewer than five days: too short to tell.
        #expect(SeasonSearch.find(in: daily.gatheringRows(0..<(4 * 288)), seasonsNeeded: 5) == nil)
    }

    @Test func noiseAndSmoothWanderingAreNoSeason() {
        #expect(SeasonSearch.find(in: series(3000) { _, generator in generator.nextNormal(standardDeviation: 1) }, seasonsNeeded: 5) == nil)
        var level = 0.0
        let wandering = series(3000) { _, generator in
            level += generator.nextNormal(standardDeviation: 1)
            return level
        }
        #expect(SeasonSearch.find(in: wandering, seasonsNeeded: 5) == nil)
        #expect(SeasonSearch.find(in: series(3000) { _, _ in 4 }, seasonsNeeded: 5) == nil)
    }
}
