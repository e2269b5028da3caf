import Foundation
import Testing

/// The `vigil` command line end to end: train, score (CSV, NDJSON, stdin), evaluate, calibrate,
/// and the messages a user gets for bad input.
@Suite(.serialized) struct CommandLineTests {
    /// One small model shared by the tests (trained once).
    static let model: String = {
        let directory = VigilRunner.temporaryDirectory()
        let path = directory + "/model"
        let result = try! VigilRunner.run(["train", "--synthetic", "3000", "--epochs", "8", "--out", path])
        precondition(result.status == 0, "training failed: \(result.error)")
        return path
    }()

    @Test func trainPrintsKerasStyleProgressAndWritesABundle() throws {
        let path = VigilRunner.temporaryDirectory() + "/model"
        let result = try VigilRunner.run(["train", "--synthetic", "500", "--epochs", "2", "--out", path])
        #expect(result.status == 0)
        #expect(result.error.contains("Epoch 1/2 - "))
        #expect(result.error.contains("val_loss: "))
        #expect(result.error.contains("Saved the model bundle to \(path)"))
        // Two epochs are too few, and the summary says so.
        #expect(result.error.contains("note: the validation loss was still falling at the last epoch; more --epochs may fit better"))
        #expect(FileManager.default.fileExists(atPath: path + "/model.json"))
        #expect(FileManager.default.fileExists(atPath: path + "/model.safetensors"))
    }

    @Test func scoreWritesOneJSONLinePerCSVRow() throws {
        let csv = "timestamp,cpu_usage,memory_usage,disk_io,network_io,response_time\n1,50,50,50,50,50\n2,500,50,50,50,50\n"
        let result = try VigilRunner.run(["score", "--model", Self.model, "-"], input: csv)
        #expect(result.status == 0, "\(result.error)")
        let lines = result.output.split(separator: "\n")
        #expect(lines.count == 2)
        let rows = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(rows[0]["row"] as? Int == 1)
        #expect(rows[1]["is_anomaly"] as? Bool == true)
        let shares = rows[1]["feature_scores"] as! [String: Double]
        #expect(shares.max { $0.value < $1.value }?.key == "cpu_usage")
    }

    /// A model trained with a window scores a file as one series, the same whether it is read in
    /// one batch or many, and says so in its bundle.
    @Test func aWindowedModelScoresAFileAsOneSeries() throws {
        let path = VigilRunner.temporaryDirectory() + "/windowed"
        let trained = try VigilRunner.run(["train", "--synthetic", "600", "--epochs", "2", "--window", "3", "--differences", "--out", path])
        #expect(trained.status == 0, "\(trained.error)")
        #expect(trained.error.contains("Window: 3 vectors (first differences), 15 network inputs"))
        let manifest = try String(contentsOfFile: path + "/model.json", encoding: .utf8)
        #expect(manifest.contains("\"differences\" : true"))

        var csv = "cpu_usage,memory_usage,disk_io,network_io,response_time\n"
        for row in 0..<10 { csv += "\(40 + row),50,\(60 - row),50,50\n" }
        let whole = try VigilRunner.run(["score", "--model", path, "-"], input: csv)
        let pieces = try VigilRunner.run(["score", "--model", path, "--batch-size", "3", "-"], input: csv)
        #expect(whole.status == 0, "\(whole.error)")
        #expect(whole.output.split(separator: "\n").count == 10)
        func errors(_ output: String) throws -> [Double] {
            try output.split(separator: "\n").map {
                (try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any])["reconstruction_error"] as! Double
            }
        }
        let (a, b) = (try errors(whole.output), try errors(pieces.output))
        #expect(a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, $0) }, "\(a) vs \(b)")

        // Several services in one file, interleaved: each is scored as its own series, as the
        // service keeps each one's window, and says whose each row is.
        let header = "service,cpu_usage,memory_usage,disk_io,network_io,response_time\n"
        let api = (0..<8).map { "api,\(40 + 3 * $0),50,\(60 - $0),50,50\n" }
        let db = (0..<8).map { "db,\(70 - 4 * $0),55,\(30 + 2 * $0),50,90\n" }
        let interleaved = header + zip(api, db).map { $0 + $1 }.joined()
        let both = try VigilRunner.run(["score", "--model", path, "--batch-size", "5", "-"], input: interleaved)
        #expect(both.status == 0, "\(both.error)")
        #expect(!both.error.contains("warning"), "\(both.error)")
        let alone = (
            api: try errors(try VigilRunner.run(["score", "--model", path, "-"], input: header + api.joined()).output),
            db: try errors(try VigilRunner.run(["score", "--model", path, "-"], input: header + db.joined()).output)
        )
        let mixed = try errors(both.output)
        let evens = stride(from: 0, to: 16, by: 2).map { mixed[$0] }
        let odds = stride(from: 1, to: 16, by: 2).map { mixed[$0] }
        #expect(zip(evens, alone.api).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, $1) }, "\(evens) vs \(alone.api)")
        #expect(zip(odds, alone.db).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, $1) }, "\(odds) vs \(alone.db)")
        #expect(both.output.split(separator: "\n").first?.contains("\"row\":1,\"service\":\"api\"") == true)
        // One service's history before rows that name none is their past.
        let history = VigilRunner.temporaryDirectory() + "/api-history.csv"
        try (header + api.prefix(4).joined()).write(toFile: history, atomically: true, encoding: .utf8)
        let unnamed = "cpu_usage,memory_usage,disk_io,network_io,response_time\n" + api.suffix(4).map { String($0.dropFirst(4)) }.joined()
        let continued = try VigilRunner.run(["score", "--model", path, "--history", history, "-"], input: unnamed)
        #expect(continued.status == 0, "\(continued.error)")
        let tail = try errors(continued.output)
        #expect(zip(tail, alone.api.suffix(4)).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, $1) }, "\(tail) vs \(alone.api.suffix(4))")
        // The history may be NDJSON, as the input may.
        let ndjsonHistory = VigilRunner.temporaryDirectory() + "/api-history.ndjson"
        let objects = api.prefix(4).map { line in
            let v = line.dropLast().split(separator: ",")
            return
                "{\"service\":\"api\",\"cpu_usage\":\(v[1]),\"memory_usage\":\(v[2]),\"disk_io\":\(v[3]),\"network_io\":\(v[4]),\"response_time\":\(v[5])}\n"
        }
        // With CRLF line ends, which Swift's Characters would take for one.
        try objects.joined().replacingOccurrences(of: "\n", with: "\r\n").write(toFile: ndjsonHistory, atomically: true, encoding: .utf8)
        let fromNDJSON = try VigilRunner.run(["score", "--model", path, "--history", ndjsonHistory, "-"], input: unnamed)
        #expect(fromNDJSON.status == 0, "\(fromNDJSON.error)")
        #expect(try errors(fromNDJSON.output) == tail)
        // A history of a service the input never names is reported, not silently dropped.
        let unmatched = try VigilRunner.run(["score", "--model", path, "--history", history, "-"], input: header + db.joined())
        #expect(unmatched.error.contains("note: --history rows of api were not used"), "\(unmatched.error)")

        let refused = try VigilRunner.run(["train", "--synthetic", "600", "--differences", "--out", path])
        #expect(refused.status != 0)
        #expect(refused.error.contains("--differences needs --window 2 or more"))
    }

    @Test func aRecipeSetsTheFamilysDefaultsAndABadNameIsExplained() throws {
        let path = VigilRunner.temporaryDirectory() + "/sensors"
        var csv = "pressure,current\n"
        for row in 0..<200 { csv += "\(1 + Double(row % 9) / 50),\(1.3 + Double(row % 4) / 40)\n" }
        let file = VigilRunner.temporaryDirectory() + "/run.csv"
        try csv.write(toFile: file, atomically: true, encoding: .utf8)
        let trained = try VigilRunner.run(["train", "--data", file, "--recipe", "sensors", "--epochs", "2", "--out", path])
        #expect(trained.status == 0, "\(trained.error)")
        #expect(trained.error.contains("Recipe: sensors"))
        #expect(trained.error.contains("Window: 14 vectors, 28 network inputs"))
        #expect(trained.error.contains("Evidence: the distance to the 5 nearest of 200 training windows"))
        let manifest = try String(contentsOfFile: path + "/model.json", encoding: .utf8)
        #expect(manifest.contains("neighbor_profile"))
        // Its evidence reads 14 rows: a shorter window, or changes instead of values, is refused.
        let short = try VigilRunner.run(["train", "--data", file, "--recipe", "sensors", "--window", "5", "--out", path])
        #expect(short.status != 0)
        #expect(short.error.contains("--window 5 is too short for recipe sensors"))
        // Its training rows are its references: calibrated on them again, each is measured from the
        // others, as training measured it, and the threshold comes out as training set it.
        func threshold() throws -> Double {
            let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path + "/model.json"))) as! [String: Any]
            return (manifest["calibration"] as! [String: Any])["threshold"] as! Double
        }
        let trainedThreshold = try threshold()
        let recalibrated = try VigilRunner.run(["calibrate", "--model", path, "--data", file])
        #expect(recalibrated.status == 0, "\(recalibrated.error)")
        #expect(recalibrated.error.contains("200 of 200 rows are windows \(path) was trained on"))
        #expect(abs(try threshold() - trainedThreshold) <= 1e-9 * trainedThreshold, "\(recalibrated.error)")
        let seasonal = try VigilRunner.run(["train", "--data", file, "--recipe", "sensors", "--season", "24", "--out", path])
        #expect(seasonal.status != 0)
        #expect(seasonal.error.contains("--season does not go with recipe sensors"))

        let refused = try VigilRunner.run(["train", "--data", file, "--recipe", "fast", "--out", path])
        #expect(refused.status != 0)
        #expect(refused.error.contains("--recipe must be one of servers, sensors, synthetic, got 'fast'"))
        // Rows of several services, interleaved: each service's rows are its own series, in
        // training as in scoring. Pump b runs at a steady level; pump a alternates, so read as one
        // series the two would look like a wild oscillation.
        var mixed = "service,pressure,current,label\n"
        for row in 0..<400 {
            let (pump, level) = row % 2 == 0 ? ("pump-a", row % 4 == 0 ? 1.0 : 1.2) : ("pump-b", 5.0)
            mixed += "\(pump),\(level + Double(row % 7) / 500),\(1.3 + Double(row % 5) / 400),0\n"
        }
        let mixedFile = VigilRunner.temporaryDirectory() + "/mixed.csv"
        try mixed.write(toFile: mixedFile, atomically: true, encoding: .utf8)
        let interleaved = try VigilRunner.run(["train", "--data", mixedFile, "--ignore-labels", "--epochs", "30", "--out", path])
        #expect(interleaved.status == 0, "\(interleaved.error)")
        #expect(interleaved.error.contains("Series: 2 services, each its own (the service column)"), "\(interleaved.error)")
        func flagged(_ file: String) throws -> Double {
            let evaluated = try VigilRunner.run(["evaluate", "--model", path, "--data", file, "--json"])
            #expect(evaluated.status == 0, "\(evaluated.error)")
            return (try JSONSerialization.jsonObject(with: Data(evaluated.output.utf8)) as! [String: Any])["false_alarm_rate"] as! Double
        }
        // The same rows without their services, read as one series, are all flagged; per service,
        // mostly each series' first rows (a window and a baseline with little past behind them).
        let oneSeries = VigilRunner.temporaryDirectory() + "/one-series.csv"
        try mixed.split(separator: "\n").map { $0.split(separator: ",", maxSplits: 1)[1] }.joined(separator: "\n").write(
            toFile: oneSeries, atomically: true, encoding: .utf8)
        let (perService, together) = (try flagged(mixedFile), try flagged(oneSeries))
        #expect(perService < 0.2 && together > 0.9, "\(perService) per service, \(together) as one series")

        var shuffled = "timestamp,pressure,current\n"
        for row in 0..<200 { shuffled += "2020-03-09T10:0\(row == 150 ? 0 : row / 60 + 1):\(row % 60 < 10 ? "0" : "")\(row % 60),1.0,1.3\n" }
        let shuffledFile = VigilRunner.temporaryDirectory() + "/shuffled.csv"
        try shuffled.write(toFile: shuffledFile, atomically: true, encoding: .utf8)
        let backwards = try VigilRunner.run(["train", "--data", shuffledFile, "--epochs", "1", "--out", path])
        #expect(backwards.status == 1)
        #expect(backwards.error.contains("line 152: the time goes backwards"), "\(backwards.error)")
        #expect(!backwards.error.contains("Usage:"))

        let sideways = try VigilRunner.run(["train", "--data", file, "--hold-out", "sideways", "--out", path])
        #expect(sideways.error.contains("--hold-out must be random or latest, got 'sideways'"))
    }

    /// The servers recipe takes a season of one day from a regular timestamp column, when the
    /// history spans enough days; `--season` sets or removes it.
    @Test func theServersRecipeFindsItsSeasonInTheTimestamps() throws {
        let path = VigilRunner.temporaryDirectory() + "/servers"
        // Hourly rows: a day is 24 of them; six days of history.
        func history(days: Int) throws -> String {
            var csv = "timestamp,cpu,mem\n"
            for row in 0..<days * 24 {
                let epoch = 1_764_028_800 + row * 3600
                csv += "\(epoch),\(40 + 20 * sin(Double(row % 24) / 24 * 2 * .pi) + Double(row % 5)),\(60 + Double(row % 3))\n"
            }
            let file = VigilRunner.temporaryDirectory() + "/hourly-\(days).csv"
            try csv.write(toFile: file, atomically: true, encoding: .utf8)
            return file
        }
        let sixDays = try history(days: 6)
        let found = try VigilRunner.run(["train", "--data", sixDays, "--epochs", "1", "--out", path])
        #expect(found.status == 0, "\(found.error)")
        #expect(found.error.contains("Season: one day, 24 rows 3600 s apart (the timestamp column)"), "\(found.error)")
        let manifest = try String(contentsOfFile: path + "/model.json", encoding: .utf8)
        #expect(manifest.contains("\"season_length\" : 24"))
        #expect(manifest.contains("\"format_version\" : 4"))
        // The service places each step of a season by its time.
        #expect(manifest.contains("\"step_seconds\" : 3600"))
        // The model scores a file as one series, its seasons included.
        let scored = try VigilRunner.run(["score", "--model", path, sixDays])
        #expect(scored.status == 0, "\(scored.error)")
        #expect(scored.output.split(separator: "\n").count == 6 * 24)
        #expect(
            scored.error.contains(
                "the first 72 rows of \(sixDays) (of each service's, when it names services; all of them in a shorter file) have no seasonal comparison"
            ),
            "\(scored.error)")
        // The last day scored after the five before it (--history) scores as it does in the whole file.
        let lines = try String(contentsOfFile: sixDays, encoding: .utf8).split(separator: "\n")
        let earlier = VigilRunner.temporaryDirectory() + "/earlier.csv"
        let lastDay = VigilRunner.temporaryDirectory() + "/last-day.csv"
        try (lines.prefix(1 + 5 * 24).joined(separator: "\n") + "\n").write(toFile: earlier, atomically: true, encoding: .utf8)
        try ([lines[0]] + lines.suffix(24)).joined(separator: "\n").write(toFile: lastDay, atomically: true, encoding: .utf8)
        let continued = try VigilRunner.run(["score", "--model", path, "--history", earlier, lastDay])
        #expect(continued.status == 0, "\(continued.error)")
        #expect(!continued.error.contains("have no seasonal comparison"))
        // calibrate reads a history as score does, and says what the threshold was.
        let recalibrated = try VigilRunner.run(["calibrate", "--model", path, "--data", lastDay, "--history", earlier])
        #expect(recalibrated.status == 0, "\(recalibrated.error)")
        #expect(!recalibrated.error.contains("have no seasonal comparison"))
        #expect(recalibrated.error.contains("(was "), "\(recalibrated.error)")
        #expect(!continued.error.contains("--history") && !recalibrated.error.contains("--history"))
        // A history that comes after the input (the files swapped) is the wrong past: score
        // warns, calibrate refuses rather than replace the threshold.
        let firstDay = VigilRunner.temporaryDirectory() + "/first-day.csv"
        try (lines.prefix(1 + 24).joined(separator: "\n") + "\n").write(toFile: firstDay, atomically: true, encoding: .utf8)
        let swapped = try VigilRunner.run(["score", "--model", path, "--history", lastDay, firstDay])
        #expect(swapped.status == 0)
        #expect(
            swapped.error.contains(
                "warning: --history \(lastDay) ends at 2025-11-30T23:00:00Z, after \(firstDay)'s line 2 at 2025-11-25T00:00:00Z: the history must be the rows before the input"
            ), "\(swapped.error)")
        let refused = try VigilRunner.run(["calibrate", "--model", path, "--data", firstDay, "--history", lastDay])
        #expect(refused.status == 1)
        #expect(
            refused.error.contains(
                "--history \(lastDay) ends at 2025-11-30T23:00:00Z, after \(firstDay)'s data row 1 at 2025-11-25T00:00:00Z: the history must be the rows before the input; nothing was changed"
            ), "\(refused.error)")
        // Without the history the last day has no seasonal evidence: another threshold.
        let alone = try VigilRunner.run(["calibrate", "--model", path, "--data", lastDay])
        func threshold(_ text: String) -> String? {
            text.split(separator: "threshold ").last.map { String($0.prefix { !$0.isWhitespace }) }
        }
        #expect(threshold(alone.error) != nil && threshold(alone.error) != threshold(recalibrated.error), "\(alone.error)")
        func errors(_ output: String) -> [String] {
            output.split(separator: "\n").map { $0.split(separator: ",").first { $0.contains("reconstruction_error") }.map(String.init) ?? "" }
        }
        #expect(errors(continued.output) == Array(errors(scored.output).suffix(24)))

        // The same rows with a row index for a time column: the season is found in the rows.
        let indexed = VigilRunner.temporaryDirectory() + "/indexed.csv"
        try (["t,cpu,mem"] + lines.dropFirst().enumerated().map { row, line in "\(row)," + line.split(separator: ",", maxSplits: 1)[1] })
            .joined(separator: "\n").write(toFile: indexed, atomically: true, encoding: .utf8)
        let fromRows = try VigilRunner.run(["train", "--data", indexed, "--epochs", "1", "--out", path])
        #expect(fromRows.status == 0, "\(fromRows.error)")
        #expect(fromRows.error.contains("Season: 24 rows, found in the rows (no regular timestamp column)"), "\(fromRows.error)")
        #expect(fromRows.error.contains("a day if a row comes every 1 hour"), "\(fromRows.error)")
        #expect(try String(contentsOfFile: path + "/model.json", encoding: .utf8).contains("\"season_length\" : 24"))

        let none = try VigilRunner.run(["train", "--data", sixDays, "--season", "0", "--epochs", "1", "--out", path])
        #expect(none.status == 0, "\(none.error)")
        #expect(!(try String(contentsOfFile: path + "/model.json", encoding: .utf8)).contains("season_length"))

        let short = try VigilRunner.run(["train", "--data", try history(days: 3), "--epochs", "1", "--out", path])
        #expect(short.status == 0, "\(short.error)")
        #expect(short.error.contains("72 rows span less than 5 days of 24 rows, so no season"), "\(short.error)")
        let tooShort = try VigilRunner.run(["train", "--data", try history(days: 3), "--season", "24", "--epochs", "1", "--out", path])
        #expect(tooShort.status != 0)
        #expect(tooShort.error.contains("72 rows span less than 5 seasons of 24 rows"), "\(tooShort.error)")
        let bad = try VigilRunner.run(["train", "--data", sixDays, "--season", "1", "--out", path])
        #expect(bad.error.contains("--season must be 0 (none) or in 2...10080 rows, got 1"), "\(bad.error)")
    }

    /// A timestamped file scored by a model that knows its step (`step_seconds`): a missing row
    /// leaves a gap in the season, so the rows of the next three days are compared with the same
    /// hours on the days before, as if it were there. By count, they would be compared with the
    /// hour after it (until three days have passed).
    @Test func aMissingRowInAScoredFileLeavesAGapInItsSeason() throws {
        let directory = VigilRunner.temporaryDirectory()
        func file(_ name: String, hours: [Int]) throws -> String {
            var csv = "timestamp,cpu,mem\n"
            for hour in hours {
                csv += "\(1_764_028_800 + hour * 3600),\(40 + 20 * sin(Double(hour % 24) / 24 * 2 * .pi) + Double(hour % 5)),\(60 + hour % 3)\n"
            }
            let path = directory + "/" + name
            try csv.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let history = try file("history.csv", hours: Array(0..<6 * 24))
        let model = directory + "/model"
        let trained = try VigilRunner.run(["train", "--data", history, "--no-baseline", "--epochs", "1", "--out", model])
        #expect(trained.status == 0, "\(trained.error)")
        #expect(try String(contentsOfFile: model + "/model.json", encoding: .utf8).contains("\"step_seconds\" : 3600"))
        let next = Array(6 * 24..<10 * 24)
        let gap = 5
        func errors(_ input: String) throws -> [Double] {
            let scored = try VigilRunner.run(["score", "--model", model, "--history", history, input])
            #expect(scored.status == 0, "\(scored.error)")
            return try scored.output.split(separator: "\n").map {
                (try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any])["reconstruction_error"] as! Double
            }
        }
        let whole = try errors(try file("whole.csv", hours: next))
        let holed = try errors(try file("holed.csv", hours: next.filter { $0 != next[gap] }))
        #expect(holed.count == whole.count - 1)
        // Once the window has passed the gap, each row scores as without it, but for the rows whose
        // same hour one, two or three days on is the missing one.
        let compared = (gap + 5..<whole.count).filter { ($0 - gap) % 24 != 0 }
        let differences = compared.map { abs(whole[$0] - holed[$0 - 1]) / max(whole[$0], 1e-9) }
        #expect(differences.max() ?? 1 < 1e-4, "\(differences)")
        // NDJSON rows give their time in a field, as ISO 8601 text or an epoch number.
        let lines = try String(contentsOfFile: directory + "/holed.csv", encoding: .utf8).split(separator: "\n").dropFirst()
        let iso = ISO8601DateFormatter()
        let ndjson = lines.enumerated().map { index, line in
            let fields = line.split(separator: ",")
            let epoch = Double(fields[0])!
            let time = index % 2 == 0 ? "\"\(iso.string(from: Date(timeIntervalSince1970: epoch)))\"" : "\(Int(epoch) * 1000)"
            return "{\"timestamp\": \(time), \"cpu\": \(fields[1]), \"mem\": \(fields[2])}"
        }
        let records = directory + "/holed.ndjson"
        try ndjson.joined(separator: "\n").write(toFile: records, atomically: true, encoding: .utf8)
        let fromRecords = try errors(records)
        #expect(zip(fromRecords, holed).allSatisfy { abs($0 - $1) <= 1e-9 * max(abs($1), 1) })
    }

    /// Windows line endings, blank lines, quoted fields and a last line without its newline read
    /// as the plain file does, through standard input and from a file.
    @Test func scoreReadsCRLFQuotesAndAnUnterminatedLastLine() throws {
        let rows = ["1,50,50,50,50,50", "2,500,50,50,50,50", "3,\"60\",50,50,50,50"]
        let header = "timestamp,cpu_usage,memory_usage,disk_io,network_io,response_time"
        let plain = try VigilRunner.run(["score", "--model", Self.model, "-"], input: ([header] + rows).joined(separator: "\n") + "\n")
        #expect(plain.status == 0, "\(plain.error)")
        #expect(plain.output.split(separator: "\n").count == 3)
        let windows = ([header] + rows.prefix(2) + [" ", rows[2]]).joined(separator: "\r\n")
        let piped = try VigilRunner.run(["score", "--model", Self.model, "-"], input: windows)
        #expect(piped.status == 0, "\(piped.error)")
        #expect(piped.output == plain.output)  // a blank line is no data row
        let file = VigilRunner.temporaryDirectory() + "/windows.csv"
        try windows.write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try VigilRunner.run(["score", "--model", Self.model, file]).output == piped.output)
        // Old Mac line ends, and mixed ones.
        let mac = try VigilRunner.run(["score", "--model", Self.model, "-"], input: windows.replacingOccurrences(of: "\r\n", with: "\r"))
        #expect(mac.output == piped.output, "\(mac.error)")
        // Many lines through a pipe (read in pieces that may split a "\r\n"): the line an error
        // names is still right.
        let long = ([header] + Array(repeating: rows[0], count: 5000) + ["4,oops,50,50,50,50"]).joined(separator: "\r\n")
        let counted = try VigilRunner.run(["score", "--model", Self.model, "-"], input: long)
        #expect(counted.error.contains("line 5002"), "\(counted.error)")
        // A spreadsheet's byte order mark before the header.
        let marked = try VigilRunner.run(["score", "--model", Self.model, "-"], input: "\u{FEFF}" + windows)
        #expect(marked.output == piped.output, "\(marked.error)")
    }

    @Test func scoreReadsNDJSON() throws {
        let ndjson = """
            {"cpu_usage": 50, "memory_usage": 50, "disk_io": 50, "network_io": 50, "response_time": 50, "service": "api"}
            {"cpu_usage": 5, "memory_usage": 120, "disk_io": 50, "network_io": 50, "response_time": 100}
            """
        let file = VigilRunner.temporaryDirectory() + "/metrics.ndjson"
        try ndjson.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try VigilRunner.run(["score", "--model", Self.model, file])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.split(separator: "\n").count == 2)
    }

    @Test func badRowsAreNamedAndTheRowsBeforeThemAreStillWritten() throws {
        let csv = "cpu_usage,memory_usage,disk_io,network_io,response_time\n50,50,50,50,50\n50,abc,50,50,50\n50,50,50,50,50\n"
        let result = try VigilRunner.run(["score", "--model", Self.model], input: csv)
        #expect(result.status != 0)
        #expect(result.error.contains("standard input, line 3, column 'memory_usage': 'abc' is not a number within ±1e12"))
        #expect(!result.error.contains("Fatal"))
        #expect(result.output.split(separator: "\n").count == 1)

        let skipped = try VigilRunner.run(["score", "--model", Self.model, "--skip-invalid"], input: csv)
        #expect(skipped.status == 0)
        #expect(skipped.output.split(separator: "\n").count == 2)
        #expect(skipped.error.contains("skipped 1 invalid rows"))

        // Nothing to score fails, so a script checking the exit status hears of it.
        let header = "cpu_usage,memory_usage,disk_io,network_io,response_time\n"
        let headerOnly = try VigilRunner.run(["score", "--model", Self.model], input: header)
        #expect(headerOnly.status == 1)
        #expect(headerOnly.error.contains("standard input: no data rows"), "\(headerOnly.error)")
        let allInvalid = try VigilRunner.run(["score", "--model", Self.model, "--skip-invalid"], input: header + "1,x,1,1,1\n\n2,2,y,2,2\n")
        #expect(allInvalid.status == 1)
        #expect(allInvalid.error.contains("standard input: every one of its 2 rows was invalid, so none was scored"), "\(allInvalid.error)")
    }

    @Test func badNDJSONNamesLineAndField() throws {
        let ndjson = "{\"cpu_usage\": 1, \"memory_usage\": 2, \"disk_io\": 3, \"network_io\": 4}\n"
        let result = try VigilRunner.run(["score", "--model", Self.model], input: ndjson)
        #expect(result.status != 0)
        #expect(result.error.contains("line 1: field 'response_time' is missing"))
        let wrongType = try VigilRunner.run(
            ["score", "--model", Self.model],
            input: "{\"cpu_usage\": true, \"memory_usage\": 2, \"disk_io\": 3, \"network_io\": 4, \"response_time\": 5}\n")
        #expect(wrongType.error.contains("column 'cpu_usage': 'true' is not a number within ±1e12"))
        // A model that reads series reads each row's time, as the service does: an impossible
        // date is named, a padded one and `null` (no time) are read. A model without a window
        // does not read times, so they cannot refuse a row.
        let windowed = VigilRunner.temporaryDirectory() + "/windowed"
        let trained = try VigilRunner.run(["train", "--synthetic", "2000", "--window", "2", "--epochs", "1", "--out", windowed])
        #expect(trained.status == 0, "\(trained.error)")
        func row(_ time: String) -> String {
            "{\"timestamp\": \(time), \"cpu_usage\": 1, \"memory_usage\": 2, \"disk_io\": 3, \"network_io\": 4, \"response_time\": 5}\n"
        }
        let impossible = try VigilRunner.run(["score", "--model", windowed], input: row("\"2026-02-31T00:00:00Z\""))
        #expect(impossible.status == 1)
        #expect(impossible.error.contains("line 1, column 'timestamp': '2026-02-31T00:00:00Z' is not a time"), "\(impossible.error)")
        let readable = try VigilRunner.run(["score", "--model", windowed], input: row("\" 2026-02-28T00:00:00Z\"") + row("null"))
        #expect(readable.status == 0, "\(readable.error)")
        let unread = try VigilRunner.run(["score", "--model", Self.model], input: row("\"2026-02-31T00:00:00Z\""))
        #expect(unread.status == 0, "\(unread.error)")
        // CSV alike: a bad first time is named (the column is judged by its first 100 values), and
        // a column of weekdays is not read as times.
        let header = "timestamp,cpu_usage,memory_usage,disk_io,network_io,response_time\n"
        let badFirst = try VigilRunner.run(
            ["score", "--model", windowed], input: header + "2026-02-31T00:00:00Z,1,2,3,4,5\n2026-02-28T00:01:00Z,1,2,3,4,5\n")
        #expect(badFirst.status == 1)
        #expect(badFirst.error.contains("line 2, column 'timestamp': '2026-02-31T00:00:00Z' is not a time"), "\(badFirst.error)")
        let weekdays = try VigilRunner.run(
            ["score", "--model", windowed],
            input: header.replacingOccurrences(of: "timestamp", with: "time") + "monday,1,2,3,4,5\ntuesday,1,2,3,4,5\n")
        #expect(weekdays.status == 0, "\(weekdays.error)")
        #expect(weekdays.error.contains("column 'time' is not read as times"), "\(weekdays.error)")
        #expect(weekdays.output.split(separator: "\n").count == 2)
        let notJSON = try VigilRunner.run(["score", "--model", Self.model, "--format", "ndjson"], input: "{oops\n")
        #expect(notJSON.error.contains("line 1: invalid JSON: "), "\(notJSON.error)")
        // The service's parser: what it refuses, `vigil score` refuses too.
        let twice = try VigilRunner.run(["score", "--model", Self.model, "--format", "ndjson"], input: "{\"cpu_usage\": 1, \"cpu_usage\": 2}\n")
        #expect(twice.error.contains("line 1: invalid JSON: duplicate key \"cpu_usage\" at byte"), "\(twice.error)")
        let array = try VigilRunner.run(["score", "--model", Self.model, "--format", "ndjson"], input: "[1, 2]\n")
        #expect(array.error.contains("line 1: a JSON object is expected, found an array"), "\(array.error)")
    }

    @Test func missingCSVColumnsAndMissingModelsAreExplained() throws {
        let result = try VigilRunner.run(["score", "--model", Self.model], input: "cpu_usage,memory_usage\n1,2\n")
        #expect(result.status != 0)
        #expect(result.error.contains("no column named 'disk_io', 'network_io', 'response_time'"))
        let noModel = try VigilRunner.run(["score", "--model", "/nonexistent/model"], input: "")
        #expect(noModel.status != 0)
        #expect(noModel.error.contains("no model bundle at /nonexistent/model"))
    }

    /// A data directory that cannot hold the alert store, and a port another process holds, are
    /// named in one line (exit status 1), not dumped as Foundation or NIO errors.
    @Test func serveExplainsADataDirectoryOrAPortItCannotUse() throws {
        let file = VigilRunner.temporaryDirectory() + "/not-a-directory"
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        let directory = try VigilRunner.run(["serve", "--model", Self.model, "--host", "127.0.0.1", "--port", "0", "--data-dir", file], timeout: 60)
        #expect(directory.status == 1)
        #expect(directory.error.contains("cannot open the alert store \(file)/alerts.sqlite: cannot create its directory"), "\(directory.error)")
        #expect(!directory.error.contains("NSCocoaErrorDomain"))
        // With JSON logs, the reason is a JSON line too, for the log shipper that reads them.
        let json = try VigilRunner.run(
            ["serve", "--model", Self.model, "--host", "127.0.0.1", "--port", "0", "--data-dir", file, "--log-format", "json"], timeout: 60)
        #expect(json.status == 1)
        let lines = json.error.split(separator: "\n")
        #expect(!lines.isEmpty)
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object != nil, "not a JSON line: \(line)")
        }
        let last = try #require(try lines.last.flatMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] })
        #expect(last["level"] as? String == "critical")
        #expect((last["message"] as? String)?.contains("cannot open the alert store \(file)/alerts.sqlite") == true, "\(last)")

        // Holds a port on 127.0.0.1 for the length of the run.
        let holder = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(holder) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(holder, $0, length) == 0 && getsockname(holder, $0, &length) == 0 }
        }
        try #require(bound && listen(holder, 1) == 0)
        let port = Int(UInt16(bigEndian: address.sin_port))
        let taken = try VigilRunner.run(
            ["serve", "--model", Self.model, "--host", "127.0.0.1", "--port", "\(port)", "--data-dir", VigilRunner.temporaryDirectory()], timeout: 60)
        #expect(taken.status == 1)
        #expect(taken.error.contains("cannot listen on 127.0.0.1:\(port): the port is in use by another process"), "\(taken.error)")
    }

    @Test func serveExplainsBadKafkaOptions() throws {
        let property = try VigilRunner.run(["serve", "--kafka-brokers", "127.0.0.1:9", "--kafka-property", "security.protocol"])
        #expect(property.status != 0)
        #expect(property.error.contains("--kafka-property must be name=value, got 'security.protocol'"))
        let topic = try VigilRunner.run(["serve", "--metrics-topic", "metrics"])
        #expect(topic.status == 64)
        #expect(topic.error.contains("--metrics-topic (or VIGIL_METRICS_TOPIC) needs --kafka-brokers"))
        #expect(topic.error.contains("Usage: vigil serve"), "the usage is serve's, not the root command's")
        // The environment's topic, too, is refused without brokers, not ignored.
        let directory = VigilRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let variable = try VigilRunner.run(
            ["serve", "--data-dir", directory, "--port", "0"], timeout: 30, environment: ["VIGIL_METRICS_TOPIC": "metrics", "KAFKA_BROKER": ""])
        #expect(variable.status == 64, "\(variable.error)")
        #expect(variable.error.contains("needs --kafka-brokers"))
    }

    /// An empty token would turn authentication off without a word: refused. An empty data
    /// directory would put the store at the file system's root: refused as a flag, unset as a
    /// variable (a template left blank).
    @Test func serveRefusesEmptySettingsThatWouldMisleadIt() throws {
        let directory = VigilRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let token = try VigilRunner.run(
            ["serve", "--data-dir", directory, "--port", "0"], timeout: 30, environment: ["VIGIL_API_TOKEN": " \n"])
        #expect(token.status == 64, "\(token.error)")
        #expect(token.error.contains("VIGIL_API_TOKEN is set but empty"))
        let flag = try VigilRunner.run(["serve", "--data-dir", "", "--port", "0"], timeout: 30)
        #expect(flag.status == 64)
        #expect(flag.error.contains("--data-dir must not be empty"))
        // An origin with a final slash never matches what a browser sends.
        let origin = try VigilRunner.run(["serve", "--data-dir", directory, "--port", "0", "--cors-origin", "https://ui.example/"], timeout: 30)
        #expect(origin.status == 64)
        #expect(origin.error.contains("'https://ui.example/' is no origin"))
    }

    @Test func evaluatePrintsTheFiguresAsTextOrJSON() throws {
        let text = try VigilRunner.run(["evaluate", "--model", Self.model, "--synthetic", "2000", "--data-seed", "7"])
        #expect(text.status == 0, "\(text.error)")
        for label in ["Precision:", "Recall:", "F1:", "FAR / MAR:", "Point-adjusted F1:", "ROC-AUC:", "PR-AUC:", "actual anomaly"] {
            #expect(text.output.contains(label))
        }
        let json = try VigilRunner.run(["evaluate", "--model", Self.model, "--synthetic", "2000", "--data-seed", "7", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as! [String: Any]
        #expect((object["f1"] as! Double) > 0.8)
        let counts = object["confusion_matrix"] as! [String: Int]
        #expect(counts["true_positives"]! > 0)
        let falseAlarms = Double(counts["false_positives"]!) / Double(counts["false_positives"]! + counts["true_negatives"]!)
        #expect(abs((object["false_alarm_rate"] as! Double) - falseAlarms) < 1e-9)
        // Adjustment can only add hits.
        #expect((object["point_adjusted_f1"] as! Double) >= (object["f1"] as! Double) - 1e-9)
    }

    /// The suite on a tiny family: the same options give the same report, and a missing family
    /// is reported as not run.
    @Test func qualitySuiteIsDeterministicAndSaysWhatItDidNotRun() throws {
        let directory = VigilRunner.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory + "/asd", withIntermediateDirectories: true)
        var train = "t,m0,m1,m2\n"
        // Five days of five-minute rows: the servers recipe compares each row with the days before.
        for i in 0..<1500 { train += "\(i),\(0.5 + Double(i % 7) / 100),\(0.4 + Double(i % 5) / 100),\(0.6 - Double(i % 3) / 100)\n" }
        var test = "t,m0,m1,m2,label\n"
        for i in 0..<100 {
            let anomalous = (40..<50).contains(i)
            test += "\(i),\(anomalous ? 0.95 : 0.5 + Double(i % 7) / 100),\(0.4 + Double(i % 5) / 100),0.58,\(anomalous ? 1 : 0)\n"
        }
        try train.write(toFile: directory + "/asd/m-1_train.csv", atomically: true, encoding: .utf8)
        try test.write(toFile: directory + "/asd/m-1_test.csv", atomically: true, encoding: .utf8)
        // SKAB's layout: ';'-separated, a datetime column, `anomaly` and `changepoint` labels;
        // anomaly-free/ is not scored.
        for folder in ["valve1", "anomaly-free"] {
            try FileManager.default.createDirectory(atPath: "\(directory)/skab/\(folder)", withIntermediateDirectories: true)
        }
        var experiment = "datetime;Pressure;Current;anomaly;changepoint\n"
        for i in 0..<500 {
            let anomalous = i >= 450
            experiment +=
                "2020-03-09 10:\(i / 60):\(i % 60);\(anomalous ? 2.5 : 1 + Double(i % 9) / 50);\(1.3 + Double(i % 4) / 40);\(anomalous ? "1.0" : "0.0");0.0\n"
        }
        try experiment.write(toFile: directory + "/skab/valve1/0.csv", atomically: true, encoding: .utf8)
        try experiment.write(toFile: directory + "/skab/anomaly-free/anomaly-free.csv", atomically: true, encoding: .utf8)

        // NAB's layout: `timestamp,value` series and their windows by timestamp (with microseconds).
        try FileManager.default.createDirectory(atPath: directory + "/nab/realAWSCloudwatch", withIntermediateDirectories: true)
        var series = "timestamp,value\n"
        for i in 0..<400 {
            let (day, hour, minute) = (14 + i * 5 / 1440, i * 5 % 1440 / 60, i * 5 % 60)
            series +=
                "2014-02-\(day) \(hour < 10 ? "0" : "")\(hour):\(minute < 10 ? "0" : "")\(minute):00,\((300..<306).contains(i) ? 40 : 1 + Double(i % 6) / 10)\n"
        }
        try series.write(toFile: directory + "/nab/realAWSCloudwatch/s.csv", atomically: true, encoding: .utf8)
        try #"{"realAWSCloudwatch/s.csv": [["2014-02-15 00:50:00.000000", "2014-02-15 01:35:00.000000"]]}"#.write(
            toFile: directory + "/nab/realAWSCloudwatch_windows.json", atomically: true, encoding: .utf8)

        var reports: [String] = []
        for run in 0..<2 {
            let out = directory + "/QUALITY-\(run).md"
            let result = try VigilRunner.run(["quality", directory, "--out", out, "--epochs", "2", "--synthetic-samples", "500"])
            #expect(result.status == 0, "\(result.error)")
            reports.append(try String(contentsOfFile: out, encoding: .utf8))
        }
        #expect(reports[0] == reports[1])
        #expect(reports[0].contains("| m-1 |"))
        #expect(reports[0].contains("| **all, counts summed** |"))
        #expect(reports[0].contains("Not run: no `smd/`"))
        #expect(reports[0].contains("each of the 1 labelled files"))
        #expect(reports[0].contains("| realAWSCloudwatch/s.csv | 340 | 1 / 1 |"), "\(reports[0])")
    }

    @Test func trainOnACSVReportsBadLinesOrSkipsThem() throws {
        let directory = VigilRunner.temporaryDirectory()
        var csv = "timestamp,host,cpu,mem,label\n"
        for i in 0..<200 { csv += "\(i),web-\(i % 3),\(40 + i % 20),\(60 - i % 15),\(i % 10 == 0 ? 1 : 0)\n" }
        csv += "200,web-1,,61,0\n"
        let file = directory + "/history.csv"
        try csv.write(toFile: file, atomically: true, encoding: .utf8)
        let failed = try VigilRunner.run(["train", "--data", file, "--epochs", "2", "--out", directory + "/m"])
        #expect(failed.status != 0)
        #expect(failed.error.contains("history.csv, line 202, column 'cpu': '' is not a number within ±1e12 (use --skip-invalid to skip such rows)"))
        let trained = try VigilRunner.run(["train", "--data", file, "--epochs", "2", "--skip-invalid", "--out", directory + "/m"])
        #expect(trained.status == 0, "\(trained.error)")
        #expect(trained.error.contains("skipped 1 invalid rows; the first: \(file), line 202, column 'cpu': '' is not a number within ±1e12\n"))
        #expect(trained.error.contains("ignoring non-numeric columns host"))
        #expect(trained.error.contains("F1-optimal"))  // the label column chose the threshold
        #expect(trained.error.contains("of them)"))  // the share of rows the threshold flags

        // Labels on rows like every other row mark nothing the model can see: training says so.
        // Labels on rows that differ raise no such warning.
        func train(_ name: String, anomaly: String?) throws -> String {
            var state: UInt64 = 7
            func noise(_ range: Int) -> Int {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return Int(state >> 33) % range
            }
            var rows = "cpu,mem,label\n"
            for i in 0..<2000 {
                let normal = "\(40 + noise(20)),\(60 - noise(15))"
                rows += i % 10 == 0 ? (anomaly ?? normal) + ",1\n" : normal + ",0\n"
            }
            try rows.write(toFile: directory + "/\(name).csv", atomically: true, encoding: .utf8)
            let result = try VigilRunner.run([
                "train", "--data", directory + "/\(name).csv", "--window", "1", "--no-baseline", "--epochs", "10", "--out", directory + "/\(name)",
            ])
            #expect(result.status == 0, "\(result.error)")
            return result.error
        }
        let blind = try train("blind", anomaly: nil)
        #expect(blind.contains("warning: the model hardly tells the labeled anomalies from the other rows"), "\(blind)")
        let clear = try train("clear", anomaly: "400,95")
        #expect(clear.contains("F1-optimal") && !clear.contains("hardly tells"), "\(clear)")
    }

    @Test func calibrateGivesAnImportedModelItsThreshold() throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/seed-keras/bundle").path
        let copy = VigilRunner.temporaryDirectory() + "/seed"
        try FileManager.default.copyItem(atPath: fixture, toPath: copy)
        let before = try VigilRunner.run(["score", "--model", copy], input: "cpu_usage,memory_usage,disk_io,network_io,response_time\n1,2,3,4,5\n")
        #expect(before.error.contains("has no calibration yet"))
        let calibrated = try VigilRunner.run(["calibrate", "--model", copy, "--synthetic", "5000"])
        #expect(calibrated.status == 0, "\(calibrated.error)")
        let after = try VigilRunner.run(["evaluate", "--model", copy, "--synthetic", "5000", "--data-seed", "7", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(after.output.utf8)) as! [String: Any]
        #expect((object["f1"] as! Double) > 0.85)
    }
}
