import Foundation
import Testing

/// Mistakes a user makes on the command line, each named in one line before any long work: a
/// file where a directory belongs and the reverse, a duplicated feature, a label column that is
/// not there, too few rows, an empty data directory.
@Suite struct CommandMistakesTests {
    let directory = VigilRunner.temporaryDirectory()
    static let header = "cpu_usage,memory_usage,disk_io,network_io,response_time"

    /// `rows` rows of the model's five features, with a `label` column when `labels`.
    func csv(_ name: String, rows: Int, labels: Bool = false) throws -> String {
        var text = Self.header + (labels ? ",label\n" : "\n")
        for i in 0..<rows { text += "\(40 + i % 20),\(50 + i % 7),\(45 + i % 11),\(50 + i % 5),\(48 + i % 9)" + (labels ? ",0\n" : "\n") }
        let path = "\(directory)/\(name)"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func expectFailure(_ arguments: [String], mentions text: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let result = try VigilRunner.run(arguments, timeout: 120)
        #expect(result.status == 1 || result.status == 64, "\(arguments): status \(result.status)", sourceLocation: sourceLocation)
        #expect(result.error.contains(text), "\(arguments): \(result.error)", sourceLocation: sourceLocation)
        #expect(!result.error.contains("Epoch 1/"), "\(arguments): trained before failing", sourceLocation: sourceLocation)
    }

    @Test func trainRefusesWhatItCouldNotUseBeforeTraining() throws {
        let data = try csv("history.csv", rows: 200)
        try expectFailure(
            ["train", "--data", data, "--features", "cpu_usage,cpu_usage", "--out", directory + "/m"], mentions: "names 'cpu_usage' twice")
        try expectFailure(
            ["train", "--data", data, "--label-column", "anomaly", "--out", directory + "/m"], mentions: "has no column named 'anomaly'")
        try expectFailure(["train", "--data", directory, "--out", directory + "/m"], mentions: "it is a directory, not a file")
        try expectFailure(["train", "--data", data, "--out", data], mentions: "exists and is not a directory")
        // Saving replaces the whole directory: never the one the command runs in, even empty.
        let empty = VigilRunner.temporaryDirectory()
        let here = try VigilRunner.run(["train", "--data", data, "--out", "."], directory: empty)
        #expect(here.status == 1)
        #expect(here.error.contains("cannot write the model bundle to .: it is the current directory"), "\(here.error)")
        #expect(FileManager.default.fileExists(atPath: empty))
    }

    @Test func aBundleIsADirectoryAndItsSourceIsAFileName() throws {
        let data = try csv("history.csv", rows: 200)
        let model = directory + "/m"
        let trained = try VigilRunner.run(["train", "--data", data, "--epochs", "2", "--out", model])
        #expect(trained.status == 0, "\(trained.error)")
        // 40 held-out rows at 1 %: the threshold rests on less than one row above it.
        #expect(trained.error.contains("the threshold comes from 40 rows at --contamination 0.01, so fewer than 10 of them lie above it"))
        // No internal path in the bundle (model-info shows it).
        #expect(try String(contentsOfFile: model + "/model.json", encoding: .utf8).contains("\"source\" : \"csv:history.csv\""))
        try expectFailure(["score", "--model", model + "/model.json", data], mentions: "is a file: a model bundle is the directory")
        try expectFailure(["score", "--model", model, directory], mentions: "it is a directory, not a file")
        try expectFailure(["calibrate", "--model", model, "--data", try csv("one.csv", rows: 1)], mentions: "1 usable rows; at least 20 are needed")
    }

    /// A figure that has no meaning on the data (recall without anomalies) is said to have none.
    @Test func evaluateWithoutAnomaliesHasNoRecall() throws {
        let model = directory + "/m"
        #expect(try VigilRunner.run(["train", "--data", try csv("history.csv", rows: 200), "--epochs", "2", "--out", model]).status == 0)
        let data = try csv("normal.csv", rows: 100, labels: true)
        let text = try VigilRunner.run(["evaluate", "--model", model, "--data", data])
        #expect(text.output.contains("Recall:    n/a (no anomalies)"), "\(text.output)")
        let json = try VigilRunner.run(["evaluate", "--model", model, "--data", data, "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any]
        #expect(object?["recall"] is NSNull)
        #expect(object?["roc_auc"] is NSNull)
    }

    @Test func qualityAndKafkaMockNameWhatIsWrong() throws {
        try expectFailure(["quality", directory + "/nonexistent"], mentions: "is not a directory: give the benchmark data directory")
        try expectFailure(["quality", directory, "--out", directory + "/Q.md"], mentions: "holds none of asd/, smd/, skab/, nab/")
        #expect(!FileManager.default.fileExists(atPath: directory + "/Q.md"))
        // A report that cannot be written is refused before the suite runs, not after.
        try expectFailure(
            ["quality", directory, "--out", directory + "/no/such/Q.md"],
            mentions: "cannot write the report to \(directory)/no/such/Q.md: the directory \(directory)/no/such does not exist (--out)")
        try expectFailure(["quality", directory, "--out", directory], mentions: "cannot write the report to \(directory): it is a directory (--out)")
        try expectFailure(["kafka-mock", "--topic", "metrics:0"], mentions: "1 to 10000 partitions")
    }

    /// A bundle whose manifest names an activation Vigil does not have says which it has.
    /// A negative number after a numeric option is its value, judged as one, not taken for an
    /// unknown option ("Missing value for '--staleness'").
    @Test func serveJudgesNegativeNumbersAsValues() throws {
        try expectFailure(["serve", "--staleness", "-1"], mentions: "--staleness must be a positive number of seconds, got -1.0")
        try expectFailure(["serve", "--port", "-80"], mentions: "--port must be 0–65535, got -80")
        try expectFailure(["serve", "--alert-cooldown", "-5"], mentions: "--alert-cooldown must be a number of seconds")
        try expectFailure(["serve", "--state-save-interval", "-1"], mentions: "--state-save-interval must be at least 10 seconds")
        try expectFailure(["serve", "--alert-retention", "-1"], mentions: "--alert-retention must be a number of days")
        try expectFailure(["serve", "--staleness", "--port"], mentions: "'--port' is invalid for '--staleness")
    }

    @Test func anUnknownActivationListsTheKnownOnes() throws {
        let model = directory + "/m"
        #expect(try VigilRunner.run(["train", "--synthetic", "300", "--epochs", "1", "--out", model]).status == 0)
        let manifest = model + "/model.json"
        let text = try String(contentsOfFile: manifest, encoding: .utf8)
        try text.replacingOccurrences(of: "\"relu\"", with: "\"gelu\"").write(toFile: manifest, atomically: true, encoding: .utf8)
        try expectFailure(
            ["score", "--model", model, try csv("x.csv", rows: 3)],
            mentions: "field 'architecture.layers[0].activation' must be one of relu, linear, tanh, sigmoid, found 'gelu'")
    }
}
