import Foundation
import VigilML

/// NAB's protocol for series with labelled anomaly windows (realAWSCloudwatch): each series on
/// its own, streaming and causal: a point is judged from the points before it alone, and the
/// series' first share (15 %) is for learning, not scored. Scored per series with
/// ``WindowScore``: windows caught, how early, false-alarm events per 1,000 points.
public struct LabeledWindowsBenchmark: Sendable {
    /// What judges the points.
    public enum Detector: Sendable {
        /// A model trained on the learning rows only (threshold included), then fixed; its window
        /// looks back only.
        case autoencoder(DetectorTrainer)
        /// ``RangeExcessDetector``, which learns as it goes: the learning rows only fill its history.
        case rangeExcess(RangeExcessDetector.Configuration)
    }

    /// One series' figures.
    public struct Series: Sendable {
        public var name: String
        public var score: WindowScore
    }

    public var detector: Detector
    public var learning: LearningPeriod

    public init(detector: Detector, learning: LearningPeriod = .fraction(0.15)) {
        if case .autoencoder(var trainer) = detector {
            trainer.useLabels = false
            self.detector = .autoencoder(trainer)
        } else {
            self.detector = detector
        }
        self.learning = learning
    }

    /// Runs every series named in `windowsFile` (NAB's `combined_windows.json` layout: a path
    /// relative to the data directory → `[[first, last]]` timestamps), reading each from
    /// `root`/path, in name order.
    public func run(windowsFile: String, root: String, progress: (String) -> Void = { _ in }) throws -> [Series] {
        let labels = try Self.readWindows(windowsFile)
        return try labels.keys.sorted().map { name in
            progress(name)
            let series = try TimestampedSeries.read(path: "\(root)/\(name)")
            // A window dropped would shrink the count of windows to find: it is an error instead.
            let ranges = try labels[name]!.map { window throws(DatasetError) in
                guard let range = series.indices(from: window.0, through: window.1) else {
                    throw .invalidJSON(
                        source: windowsFile, line: 1, reason: "the window [\(window.0), \(window.1)] of '\(name)' covers none of its timestamps")
                }
                return range
            }
            let start = learning.rows(of: series.values.count)
            let flags: [Bool]
            switch detector {
            case .autoencoder(let trainer):
                let dataset = Dataset(features: ["value"], values: series.matrix, source: name)
                let model = try AnomalyDetector(bundle: trainer.train(dataset.subset(0..<start)).bundle)
                flags = model.score(series: series.matrix).map(\.isAnomaly)
            case .rangeExcess(let configuration):
                flags = RangeExcessDetector.flags(series.values, configuration: configuration)
            }
            return Series(name: name, score: WindowScore(flags: flags, windows: ranges, scoredFrom: start))
        }
    }

    /// The windows file: series name → its windows' first and last timestamps.
    static func readWindows(_ path: String) throws(DatasetError) -> [String: [(String, String)]] {
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable(path: path, reason: "no such file") }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: [[String]]] else {
            throw .invalidJSON(source: path, line: 1, reason: "expected an object of series names to lists of [first, last] timestamps")
        }
        var windows: [String: [(String, String)]] = [:]
        for (name, pairs) in object {
            windows[name] = try pairs.map { pair throws(DatasetError) in
                guard pair.count == 2 else {
                    throw .invalidJSON(source: path, line: 1, reason: "a window of '\(name)' has \(pair.count) timestamps, expected 2")
                }
                return (pair[0], pair[1])
            }
        }
        return windows
    }
}

/// A `timestamp,value` CSV (NAB's layout), timestamps kept as written.
struct TimestampedSeries {
    var timestamps: [String]
    var values: [Double]

    var matrix: Matrix { Matrix(rows: values.count, columns: 1, values: values.map(Float.init)) }

    static func read(path: String) throws(DatasetError) -> TimestampedSeries {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw .unreadable(path: path)
        }
        var series = TimestampedSeries(timestamps: [], values: [])
        for (index, line) in LineEnding.lines(of: text).enumerated() {
            let number = index + 1
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty, number > 1 else { continue }  // the header
            let fields = trimmed.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == 2 else { throw .wrongFieldCount(source: path, line: number, expected: 2, found: fields.count) }
            guard let value = Double(fields[1]), value.isFinite else {
                throw .invalidValue(source: path, line: number, column: "value", value: String(fields[1]))
            }
            series.timestamps.append(Self.normalized(fields[0]))
            series.values.append(value)
        }
        guard !series.values.isEmpty else { throw .empty(source: path) }
        return series
    }

    /// `yyyy-MM-dd HH:mm:ss`: NAB writes window bounds with microseconds, series without; in this
    /// form they compare as text in time order.
    static func normalized(_ timestamp: some StringProtocol) -> String {
        String(timestamp.trimmingCharacters(in: .whitespaces).prefix(19))
    }

    /// The indices of the points from `first` through `last`, or `nil` when none lies there.
    func indices(from first: String, through last: String) -> ClosedRange<Int>? {
        let (first, last) = (Self.normalized(first), Self.normalized(last))
        guard let lower = timestamps.firstIndex(where: { $0 >= first }), let upper = timestamps.lastIndex(where: { $0 <= last }),
            lower <= upper
        else { return nil }
        return lower...upper
    }
}
