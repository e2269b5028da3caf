import Foundation
import Testing

@testable import VigilDetect

@Suite struct CSVDatasetReaderTests {
    /// Every reader of whole files splits lines alike: LF, CRLF and a lone CR, a byte order mark dropped.
    @Test func linesSplitOnEveryLineEnd() {
        #expect(LineEnding.lines(of: "\u{FEFF}a\r\nb\rc\n\nd") == ["a", "b", "c", "", "d"])
        #expect(LineEnding.lines(of: "x\r\n") == ["x"])
    }

    @Test func defaultFeaturesAreTheNumericColumnsButReservedOnes() throws {
        let text = """
            timestamp,service,cpu,mem,host,label
            1,api,1.5,2,alpha,0
            2,api,2.5,3,beta,1
            """
        let (dataset, report) = try CSVDatasetReader().read(text: text, source: "m.csv")
        #expect(dataset.features == ["cpu", "mem"])
        #expect(dataset.values.values == [1.5, 2, 2.5, 3])
        #expect(dataset.labels == [0, 1])
        #expect(report.ignoredColumns == ["host"])
        // `Label` is the label column too (reserved columns are matched whatever their case).
        let capitalised = try CSVDatasetReader().read(text: text.replacingOccurrences(of: "label", with: "Label"), source: "m.csv").dataset
        #expect(capitalised.labels == [0, 1])
    }

    @Test func badValuesNameFileLineAndColumn() throws {
        let text = "cpu,mem\n1,2\n\n3,oops\n"
        #expect(throws: DatasetError.invalidValue(source: "m.csv", line: 4, column: "mem", value: "oops")) {
            try CSVDatasetReader().read(text: text, source: "m.csv")
        }
        #expect(throws: DatasetError.invalidValue(source: "m.csv", line: 3, column: "cpu", value: "")) {
            try CSVDatasetReader().read(text: "cpu,mem\n1,2\n,3\n", source: "m.csv")
        }
        #expect(throws: DatasetError.invalidValue(source: "m.csv", line: 2, column: "cpu", value: "nan")) {
            try CSVDatasetReader().read(text: "cpu,mem\nnan,2\n", source: "m.csv")
        }
        // The server's limit holds in files too: one value of 1e50 would stretch its feature's
        // scale until nothing else registers.
        #expect(try CSVDatasetReader().read(text: "cpu,mem\n1,-1e12\n", source: "m.csv").dataset.rowCount == 1)
        for huge in ["1.000001e12", "-1e13", "1e50"] {
            #expect(throws: DatasetError.invalidValue(source: "m.csv", line: 2, column: "mem", value: huge)) {
                try CSVDatasetReader().read(text: "cpu,mem\n1,\(huge)\n", source: "m.csv")
            }
        }
        // Hexadecimal is no way to write a metric: named, not read as 16.
        #expect(throws: DatasetError.invalidValue(source: "m.csv", line: 3, column: "mem", value: "0x10")) {
            try CSVDatasetReader().read(text: "cpu,mem\n1,2\n3,0x10\n", source: "m.csv")
        }
        #expect(throws: DatasetError.wrongFieldCount(source: "m.csv", line: 2, expected: 2, found: 3)) {
            try CSVDatasetReader().read(text: "cpu,mem\n1,2,3\n", source: "m.csv")
        }
        #expect(throws: DatasetError.missingColumns(["disk"], source: "m.csv")) {
            try CSVDatasetReader(features: ["cpu", "disk"]).read(text: "cpu,mem\n1,2\n", source: "m.csv")
        }
        for separator in ["\t", "|"] {
            #expect(throws: DatasetError.unknownSeparator(separator, source: "m.csv")) {
                try CSVDatasetReader().read(text: "cpu\(separator)mem\n1\(separator)2\n", source: "m.csv")
            }
        }
        #expect(
            DatasetError.unknownSeparator("\t", source: "m.csv").description
                == "m.csv: the header reads as a single column: its names look separated by tabs, but only ',' and ';' separate columns")
        #expect(throws: DatasetError.invalidLabel(source: "m.csv", line: 2, column: "label", value: "yes")) {
            try CSVDatasetReader().read(text: "cpu,label\n1,yes\n", source: "m.csv")
        }
    }

    @Test func skipInvalidKeepsTheGoodRowsAndCountsTheRest() throws {
        let text = "cpu,mem\n1,2\nx,3\n4,5\n6,\n"
        let (dataset, report) = try CSVDatasetReader(skipInvalid: true).read(text: text, source: "m.csv")
        #expect(dataset.values.values == [1, 2, 4, 5])
        #expect(report.skippedRows == 2)
        #expect(report.firstProblem == .invalidValue(source: "m.csv", line: 3, column: "cpu", value: "x"))
    }

    /// Unix, Windows and old Mac line endings read alike, and a line's number counts blank lines.
    @Test func everyLineEndingReadsAlike() throws {
        for ending in ["\n", "\r\n", "\r"] {
            let text = ["cpu,mem", "1,2", "", "3,4"].joined(separator: ending) + ending
            let (dataset, _) = try CSVDatasetReader().read(text: text, source: "m.csv")
            #expect(dataset.values.values == [1, 2, 3, 4])
            #expect(throws: DatasetError.invalidValue(source: "m.csv", line: 4, column: "mem", value: "x")) {
                try CSVDatasetReader().read(text: ["cpu,mem", "1,2", "", "3,x"].joined(separator: ending), source: "m.csv")
            }
        }
    }

    /// A lone carriage return ends a line wherever it is, as `\r\n` and `\n` do.
    @Test func lineEndsMayBeMixed() throws {
        for text in ["cpu,mem\r1,2\r3,4\n", "cpu,mem\n1,2\r3,4\r\n", "cpu,mem\r\n1,2\n3,4"] {
            #expect(try CSVDatasetReader().read(text: text, source: "m.csv").dataset.values.values == [1, 2, 3, 4])
        }
        let bytes = Array("a\r\nb\rc\nd\r".utf8)
        #expect(LineEnding.first(in: bytes, more: false).map { [$0.text, $0.next] } == [1, 3])
        #expect(LineEnding.first(in: bytes[3...], more: false).map { [$0.text, $0.next] } == [4, 5])
        #expect(LineEnding.first(in: bytes[5...], more: false).map { [$0.text, $0.next] } == [6, 7])
        // A "\r" at the end may be half of a "\r\n" still to come.
        #expect(LineEnding.first(in: bytes[7...], more: true) == nil)
        #expect(LineEnding.first(in: bytes[7...], more: false).map { [$0.text, $0.next] } == [8, 9])
        #expect(LineEnding.first(in: Array("abc".utf8), more: false) == nil)
    }

    @Test func theRowsKeepTheirServices() throws {
        let text = "service,cpu\napi,1\ndb,2\napi,3\n,4\n"
        let dataset = try CSVDatasetReader().read(text: text, source: "m.csv").dataset
        #expect(dataset.services == ["api", "db", "api", ""])
        #expect(dataset.longestSeries == 2)
        #expect(dataset.subset([1, 2]).services == ["db", "api"])
        #expect(try CSVDatasetReader().read(text: "cpu\n1\n2\n", source: "m.csv").dataset.longestSeries == 2)
    }

    @Test func aByteOrderMarkIsNotPartOfTheHeader() throws {
        let (dataset, _) = try CSVDatasetReader().read(text: "\u{FEFF}cpu,mem\n1,2\n", source: "m.csv")
        #expect(dataset.features == ["cpu", "mem"])
    }

    @Test func semicolonsAndQuotesAreUnderstood() throws {
        let (dataset, _) = try CSVDatasetReader().read(text: "datetime;A;B\n\"2020-01-01 10:00\";1;2\n", source: "s.csv")
        #expect(dataset.features == ["A", "B"])
        let (quoted, _) = try CSVDatasetReader().read(text: "name,cpu\n\"a, b\",3\n", source: "q.csv")
        #expect(quoted.features == ["cpu"])
        #expect(quoted.values.values == [3])
        // A combining accent right after a delimiter is the next field's (as Characters the
        // delimiter and the accent are one, and the line came apart into too few fields).
        #expect(CSVLayout.split("\"a\",\u{301}b,3", delimiter: ",") == ["a", "\u{301}b", "3"])
    }

    @Test func aQuoteLeftOpenIsNamedNotCountedAsFields() throws {
        let text = "name,cpu\n\"a \"\"b\"\"\",3\n\"web,4\nc,5\n"
        #expect(throws: DatasetError.unclosedQuote(source: "q.csv", line: 3)) {
            try CSVDatasetReader().read(text: text, source: "q.csv")
        }
        #expect(DatasetError.unclosedQuote(source: "q.csv", line: 3).description.contains("line 3: a quoted field is not closed"))
        let (dataset, report) = try CSVDatasetReader(skipInvalid: true).read(text: text, source: "q.csv")
        #expect(dataset.values.values == [3, 5])
        #expect(report.skippedRows == 1)
        #expect(throws: DatasetError.unclosedQuote(source: "q.csv", line: nil)) {
            try CSVDatasetReader().read(text: "\"name,cpu\nweb,3\n", source: "q.csv")
        }
    }
}

/// The sampling interval read from a time column: what a season of one day is made of.
@Suite struct SamplingIntervalTests {
    private func interval(_ times: [String], column: String = "timestamp") throws -> Double? {
        let text = "\(column),cpu\n" + times.map { "\($0),1" }.joined(separator: "\n")
        return try CSVDatasetReader().read(text: text, source: "m.csv").report.samplingInterval
    }

    @Test func isoTimesEpochSecondsAndMillisecondsGiveTheirInterval() throws {
        #expect(try interval(["2014-02-14 14:30:00", "2014-02-14 14:35:00", "2014-02-14 14:40:00"]) == 300)
        #expect(try interval(["2026-11-25T23:59:00Z", "2026-11-26T00:00:00Z", "2026-11-26T00:01:00Z"]) == 60)
        #expect(try interval(["2026-11-25T10:00:00.500+01:00", "2026-11-25T10:00:01.500+01:00"]) == 1)
        #expect(try interval(["1764072000", "1764072300", "1764072600"], column: "time") == 300)
        #expect(try interval(["1764072000000", "1764072060000", "1764072120000"]) == 60)
        // Across a month and a leap day.
        #expect(try interval(["2024-02-28 23:00", "2024-02-29 23:00", "2024-03-01 23:00"]) == 86_400)
    }

    @Test func aRareGapKeepsTheIntervalButIrregularOrUnreadableTimesHaveNone() throws {
        // One gap in 20 rows; then one in 5.
        let times: [String] = (0..<20).map { (row: Int) -> String in "\(row < 10 ? row * 60 : row * 60 + 120)" }
        #expect(try interval(times) == 60)
        #expect(try interval(["0", "60", "120", "200", "260", "320"]) == nil)
        // Missed scrapes (whole numbers of steps) are gaps a season places by time, and a
        // scrape's jitter is not a different interval.
        #expect(try interval(["0", "60", "120", "300", "360", "420"]) == 60)
        #expect(try interval(["1764072000000", "1764072060012", "1764072119990", "1764072180003", "1764072300001"]) == 60)
        #expect(try interval(["0", "0.5", "1.0", "1.5"]) == 0.5)
        // An interval off whole seconds is kept as it is (a day is then no whole number of rows).
        #expect(try interval(["0", "60.4", "120.8", "181.2"])! == 60.4)
        #expect(try interval(["0", "1.2", "2.4", "6"])! == 1.2)
        #expect(try interval(["0", "60", "100", "300", "310", "420"]) == nil)
        #expect(try interval(["monday", "tuesday", "wednesday"]) == nil)
        // `t` is a row number, not a time.
        #expect(try interval(["0", "1", "2"], column: "t") == nil)
    }

    /// In a column of times, one that cannot be read is named with its line, and skipped with
    /// the rest of its row under --skip-invalid (the line after it is not blamed for going back).
    @Test func aTimeThatCannotBeReadIsNamed() throws {
        let text = "timestamp,cpu\n2026-02-28T04:00:00Z,1\n2026-02-31T04:00:00Z,2\n2026-02-28T04:10:00Z,3\n"
        #expect(throws: DatasetError.invalidTime(source: "m.csv", line: 3, column: "timestamp", value: "2026-02-31T04:00:00Z")) {
            try CSVDatasetReader().read(text: text, source: "m.csv")
        }
        #expect(throws: DatasetError.invalidTime(source: "m.csv", line: 3, column: "timestamp", value: "garbage")) {
            try CSVDatasetReader().read(text: "timestamp,cpu\n60,1\ngarbage,2\n", source: "m.csv")
        }
        let (dataset, report) = try CSVDatasetReader(skipInvalid: true).read(text: text, source: "m.csv")
        #expect(dataset.times?.count == 2)
        #expect(report.skippedRows == 1)
        #expect(report.firstOutOfOrderLine == nil)
        #expect(DatasetError.invalidTime(source: "m.csv", line: 3, column: "timestamp", value: "x").description.contains("ISO 8601"))
        // A bad first time is named too (the column is judged by its first values, not the first
        // one), an empty cell is an unknown time, and rows whose times are not wanted are not
        // refused for them.
        let badFirst = "timestamp,cpu\n2026-02-31T04:00:00Z,1\n2026-02-28T04:05:00Z,2\n,3\n2026-02-28T04:15:00Z,4\n"
        #expect(throws: DatasetError.invalidTime(source: "m.csv", line: 2, column: "timestamp", value: "2026-02-31T04:00:00Z")) {
            try CSVDatasetReader().read(text: badFirst, source: "m.csv")
        }
        let skipped = try CSVDatasetReader(skipInvalid: true).read(text: badFirst, source: "m.csv").dataset.times
        #expect(skipped?.map { $0.isNaN ? -1 : $0 } == [1_772_251_500, -1, 1_772_252_100])
        #expect(try CSVDatasetReader(readTimes: false).read(text: badFirst, source: "m.csv").dataset.times == nil)
    }

    /// A row refused or skipped does not count in the order check: a truncated last line is not
    /// "the time going backwards".
    @Test func aSkippedRowIsNotPartOfTheOrder() throws {
        let text = "timestamp,cpu\n1764072000,1\n1764072060,2\n17640\n"
        let report = try CSVDatasetReader(skipInvalid: true).read(text: text, source: "m.csv").report
        #expect(report.skippedRows == 1)
        #expect(report.firstOutOfOrderLine == nil)
    }

    /// Times are compared as instants: local times across a daylight-saving change, and ISO 8601
    /// text mixed with epoch numbers, are in order when their instants are.
    @Test func timesAreInOrderWhenTheirInstantsAre() throws {
        func outOfOrder(_ times: [String]) throws -> Int? {
            let text = "timestamp,cpu\n" + times.map { "\($0),1" }.joined(separator: "\n")
            return try CSVDatasetReader().read(text: text, source: "m.csv").report.firstOutOfOrderLine
        }
        // 02:55 CEST is 00:55Z; 02:00 CET is 01:00Z.
        #expect(try outOfOrder(["2025-10-26T02:50:00+02:00", "2025-10-26T02:55:00+02:00", "2025-10-26T02:00:00+01:00"]) == nil)
        #expect(try outOfOrder(["2025-11-01T04:00:00Z", "2025-11-01 04:05:00Z", "1761970200"]) == nil)
        #expect(try outOfOrder(["2025-11-01T04:05:00Z", "2025-11-01T04:00:00Z"]) == 3)
    }

    /// Each row's time, which places it in a season (NaN when it cannot be read).
    @Test func theRowsKeepTheirTimes() throws {
        func times(_ text: String, skipInvalid: Bool = false) throws -> [Double]? {
            try CSVDatasetReader(skipInvalid: skipInvalid).read(text: text, source: "m.csv").dataset.times
        }
        #expect(try times("timestamp,cpu\n1970-01-01T00:01:00Z,1\n1970-01-01 00:03:00,2\n") == [60, 180])
        #expect(try times("time,cpu\n1764072000000,1\n1764072060,2\n") == [1_764_072_000, 1_764_072_060])
        // A bad row skipped takes its time with it.
        #expect(try times("timestamp,cpu\n60,1\n120,oops\n180,3\n", skipInvalid: true) == [60, 180])
        // A column whose first value is no time is not read as times.
        #expect(try times("time,cpu\nmonday,1\ntuesday,2\n") == nil)
        #expect(try CSVDatasetReader().read(text: "time,cpu\nmonday,1\n", source: "m.csv").report.unreadTimeColumn == "time")
        #expect(try times("t,cpu\n0,1\n1,2\n") == nil)
        // Selecting features and rows keeps them.
        let dataset = try CSVDatasetReader().read(text: "timestamp,cpu,mem\n60,1,2\n120,3,4\n", source: "m.csv").dataset
        #expect(try dataset.selecting(["mem"]).times == [60, 120])
        #expect(dataset.subset([1]).times == [120])
    }
}

/// `vigil score`'s streaming reader: the same lines as the whole-file reader, however the bytes
/// arrive.
@Suite struct LineReaderTests {
    private func lines(_ text: String, chunkSize: Int) throws -> [String] {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lines-\(UUID().uuidString).txt").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        var reader = LineReader(handle: try #require(FileHandle(forReadingAtPath: path)), source: path, chunkSize: chunkSize)
        var lines: [String] = []
        while let line = try reader.next() { lines.append(line) }
        #expect(reader.lineNumber == lines.count)
        return lines
    }

    @Test(arguments: [1, 2, 3, 5, 1 << 20])
    func everyLineEndAndChunkBoundaryGivesTheSameLines(chunkSize: Int) throws {
        let text = "\u{FEFF}a,b\r\n\r\nc\rd\ne\u{E9}\r\n\rf"
        #expect(try lines(text, chunkSize: chunkSize) == ["a,b", "", "c", "d", "e\u{E9}", "", "f"])
        #expect(try lines("x\r", chunkSize: chunkSize) == ["x"])
        #expect(try lines("", chunkSize: chunkSize) == [])
        let long = String(repeating: "y", count: 50)
        #expect(try lines(long + "\n" + long, chunkSize: chunkSize) == [long, long])
    }

    /// A file without line ends (binary, `/dev/zero`) is refused once a line passes the cap,
    /// not read into memory whole.
    @Test func aLineLongerThanTheCapIsRefused() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("long-\(UUID().uuidString).txt").path
        try Data(repeating: UInt8(ascii: "z"), count: LineReader.maximumLineLength + 2).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        var reader = LineReader(handle: try #require(FileHandle(forReadingAtPath: path)), source: "long.txt")
        #expect(throws: DatasetError.unreadable(path: "long.txt", reason: "line 1 is longer than 16 MiB (is it a text file?)")) {
            while try reader.next() != nil {}
        }
    }
}

/// Files as `vigil train` meets them: empty ones, pipes, bytes that are not text.
@Suite struct DataFileTests {
    @Test func anEmptyFileAndOneThatIsNotUTF8AreNamedForWhatTheyAre() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("files-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(throws: DatasetError.empty(source: "/dev/null")) { try CSVDatasetReader().read(path: "/dev/null") }
        #expect(throws: DatasetError.unreadable(path: "/dev/zero", reason: "a line is longer than 16 MiB (is it a text file?)")) {
            try CSVDatasetReader().read(path: "/dev/zero")
        }
        let latin1 = directory + "/latin1.csv"
        try Data("cpu,mem\n1,2\n3,".utf8 + [0xE9] + Data("\n".utf8)).write(to: URL(fileURLWithPath: latin1))
        #expect(throws: DatasetError.unreadable(path: latin1, reason: "line 3 is not UTF-8 text")) { try CSVDatasetReader().read(path: latin1) }
        #expect(throws: DatasetError.unreadable(path: directory, reason: "it is a directory, not a file")) {
            try CSVDatasetReader().read(path: directory)
        }
    }

    /// A pipe is read to its end like a file (`--data <(zcat history.csv.gz)`).
    @Test func aPipeIsReadLikeAFile() throws {
        let pipe = Pipe()
        let writer = Thread {
            pipe.fileHandleForWriting.write(Data("cpu,mem\n1,2\n3,4\n".utf8))
            try? pipe.fileHandleForWriting.close()
        }
        writer.start()
        let dataset = try CSVDatasetReader().read(path: "/dev/fd/\(pipe.fileHandleForReading.fileDescriptor)").dataset
        #expect(dataset.rowCount == 2)
        #expect(dataset.features == ["cpu", "mem"])
    }

    /// A bad cell of megabytes or binary bytes names itself in one readable line.
    @Test func aBadCellIsShownCutAndEscaped() {
        let huge = String(repeating: "x", count: 5_000_000)
        let message = DatasetError.invalidValue(source: "m.csv", line: 2, column: "cpu", value: huge).description
        #expect(message.count < 200)
        #expect(message.contains(String(repeating: "x", count: 64) + "…' is not a number within ±1e12"))
        #expect(DatasetError.invalidValue(source: "m.csv", line: 2, column: "cpu", value: "1\u{0}2").description.contains("'1\\02'"))
    }
}

/// Times as files and events give them.
@Suite struct TimeValueTests {
    @Test func iso8601TimesAndEpochNumbersAreRead() {
        #expect(TimeValue.seconds("2025-11-25T12:00:00Z") == 1_764_072_000)
        #expect(TimeValue.seconds("2025-11-25 13:00:00.25+01:00") == 1_764_072_000.25)
        #expect(TimeValue.seconds("2025-11-25T07:00:00-0500") == 1_764_072_000)
        #expect(TimeValue.seconds("2025-11-25T13:00:00+01") == 1_764_072_000)
        #expect(TimeValue.seconds("2024-02-29T00:00:00") != nil)
        #expect(TimeValue.seconds("1764072000000") == 1_764_072_000)
        #expect(TimeValue.seconds("1764072000") == 1_764_072_000)
        // A date alone (daily data, an alerts query) is its midnight, UTC.
        #expect(TimeValue.seconds("2025-11-25") == 1_764_028_800)
        #expect(TimeValue.seconds("2025-02-29") == nil)
    }

    /// Dates that do not exist and malformed offsets are not times, rather than some other time.
    @Test func impossibleDatesAndOffsetsAreRefused() {
        for text in [
            "2025-02-29T00:00:00Z", "2025-02-31T00:00:00Z", "2025-04-31T00:00:00Z", "2025-11-25T12:00:00+99:99",
            "2025-11-25T12:00:00+01:", "2025-11-25T12:00:00+01:75", "2025-11-25T12:00:00.Z", "2025-13-01T00:00:00Z", "noon", "",
        ] {
            #expect(TimeValue.seconds(Substring(text)) == nil, "\(text)")
        }
    }
}
