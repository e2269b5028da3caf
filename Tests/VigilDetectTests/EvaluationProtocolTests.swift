import Foundation
import Testing
import VigilDetect

/// The benchmark protocols' building blocks against cases worked out by hand.
@Suite struct EvaluationProtocolTests {
    static let labels: [UInt8] = [0, 1, 1, 0, 0, 1, 1, 1, 0, 0]
    static let predictions = [true, false, true, false, false, false, false, false, false, true]

    @Test func segmentsAreMaximalRuns() {
        #expect(Segments.of(Self.labels) == [1..<3, 5..<8])
        #expect(Segments.of([true, true, false, true]) == [0..<2, 3..<4])
        #expect(Segments.of([Bool]()) == [])
    }

    @Test func pointWiseCountsAndSKABRates() {
        let counts = ConfusionMatrix(predictions: Self.predictions, labels: Self.labels)
        #expect(counts == ConfusionMatrix(truePositives: 1, falsePositives: 2, trueNegatives: 3, falseNegatives: 4))
        #expect(counts.f1 == 0.25)
        #expect(counts.falseAlarmRate == 0.4)
        #expect(counts.missedAlarmRate == 0.8)
        // Summed over files, as the benchmark tables are.
        let twice = counts + counts
        #expect(twice.truePositives == 2 && twice.falseNegatives == 8 && twice.f1 == 0.25)
    }

    @Test func pointAdjustmentFlagsWholeSegmentsThatWereTouched() {
        let adjusted = PointAdjustment.adjust(Self.predictions, labels: Self.labels)
        #expect(adjusted == [true, true, true, false, false, false, false, false, false, true])
        let counts = ConfusionMatrix(predictions: adjusted, labels: Self.labels)
        #expect(counts == ConfusionMatrix(truePositives: 2, falsePositives: 2, trueNegatives: 3, falseNegatives: 3))
        #expect(abs(counts.f1 - 4.0 / 9.0) < 1e-12)
    }

    /// Two services interleaved in one file: a's incident is one segment though b's rows fall
    /// between its rows, and a flag on a does not spread to b's incident.
    @Test func pointAdjustmentTakesEachServicesRowsAsItsOwnSeries() {
        let services = ["a", "b", "a", "b", "a", "b", "a", "b"]
        let labels: [UInt8] = [0, 0, 1, 1, 1, 1, 1, 0]
        let predictions = [false, false, false, false, true, false, false, false]
        #expect(
            PointAdjustment.adjust(predictions, labels: labels, services: services)
                == [false, false, true, false, true, false, true, false])
        // Read as one series, the rows form one run of five, all of it adjusted.
        #expect(PointAdjustment.adjust(predictions, labels: labels) == [false, false, true, true, true, true, true, false])
    }

    @Test func windowsCountDetectionsEarlinessAndFalseAlarmEvents() {
        var flags = [Bool](repeating: false, count: 20)
        for index in [0, 3, 7, 8, 9, 10, 12, 13, 19] { flags[index] = true }
        let score = WindowScore(flags: flags, windows: [5...9, 14...17], scoredFrom: 2)
        #expect(score.points == 18)
        #expect(score.windows.map(\.firstFlag) == [7, nil])
        #expect(score.windows[0].earliness == 0.6)
        #expect(score.windows[1].earliness == nil)
        #expect(score.detectedWindows == 1)
        // 3 (alone), 10 (a flag held past the window's end), 12–13 (ends just before a window)
        // and 19; index 0 is in the learning period and 7–9 is inside a window.
        #expect(score.falseAlarmEvents == 4)
        #expect(abs(score.falseAlarmsPerThousand - 4000.0 / 18.0) < 1e-9)
    }

    /// A flag raised before a window and held into it detects the window at its first point,
    /// and its points before the window are a false alarm: an early flag is not free.
    @Test func aFlagRaisedBeforeAWindowIsAFalseAlarmToo() {
        var flags = [Bool](repeating: false, count: 10)
        for index in 1...3 { flags[index] = true }
        let score = WindowScore(flags: flags, windows: [2...3])
        #expect(score.windows.map(\.firstFlag) == [2])
        #expect(score.windows[0].earliness == 1)
        #expect(score.falseAlarmEvents == 1)
        // Held through a window and past it: one false alarm on each side.
        for index in 4...5 { flags[index] = true }
        #expect(WindowScore(flags: flags, windows: [2...3]).falseAlarmEvents == 2)
        // Inside the window only: none.
        #expect(WindowScore(flags: flags, windows: [0...7]).falseAlarmEvents == 0)
    }

    @Test func learningPeriods() {
        #expect(LearningPeriod.rows(400).rows(of: 1000) == 400)
        #expect(LearningPeriod.rows(400).rows(of: 300) == 300)
        #expect(LearningPeriod.fraction(0.15).rows(of: 1000) == 150)
        #expect(LearningPeriod.fraction(0.15).rows(of: 7) == 1)
    }

    @Test func aBadWindowsFileOrSeriesIsNamed() throws {
        let directory = Fixtures.temporaryDirectory()
        let windows = directory + "/windows.json"
        let benchmark = LabeledWindowsBenchmark(detector: .autoencoder(DetectorTrainer()))
        try #"{"s.csv": [["2014-02-14 00:00:00"]]}"#.write(toFile: windows, atomically: true, encoding: .utf8)
        #expect(throws: DatasetError.invalidJSON(source: windows, line: 1, reason: "a window of 's.csv' has 1 timestamps, expected 2")) {
            try benchmark.run(windowsFile: windows, root: directory)
        }
        try #"{"s.csv": [["2014-02-14 00:00:00", "2014-02-14 00:10:00"]]}"#.write(toFile: windows, atomically: true, encoding: .utf8)
        try "timestamp,value\n2014-02-14 00:00:00,1\n2014-02-14 00:05:00,high\n".write(
            toFile: directory + "/s.csv", atomically: true, encoding: .utf8)
        #expect(throws: DatasetError.invalidValue(source: directory + "/s.csv", line: 3, column: "value", value: "high")) {
            try benchmark.run(windowsFile: windows, root: directory)
        }
    }
}
