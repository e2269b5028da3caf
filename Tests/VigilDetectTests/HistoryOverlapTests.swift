import Testing

@testable import VigilDetect

/// A history must come before its input; each series is judged by its own history's end.
@Suite struct HistoryOverlapTests {
    @Test func eachServiceIsJudgedByItsOwnHistory() {
        // History: a ends at 100, b at 50. Input: b from 60 (after its history), a from 90.
        var overlap = HistoryOverlap(times: [10, 50, 100], services: ["a", "b", "a"])
        overlap.observe(time: 60, service: "b", row: "line 2")
        overlap.observe(time: 90, service: "a", row: "line 3")
        overlap.observe(time: 20, service: "a", row: "line 4")  // only a series' first row counts
        #expect(overlap.first?.row == "line 3" && overlap.first?.end == 100)
        #expect(
            overlap.problem(history: "h.csv", input: "i.csv")?.hasPrefix("--history h.csv ends at 1970-01-01T00:01:40Z, after i.csv's line 3") == true
        )
    }

    @Test func aServiceWithoutHistoryIsNotComparedWithAnother() {
        // Both sides name services: c has no history, so a's end says nothing of it.
        var overlap = HistoryOverlap(times: [100], services: ["a"])
        overlap.observe(time: 50, service: "c", row: "line 2")
        overlap.observe(time: 150, service: "a", row: "line 3")
        #expect(overlap.first == nil)
    }

    @Test func aHistoryOfOneSeriesIsThePastOfTheInputsFirstWhenOnlyOneSideNamesThem() {
        var unnamedHistory = HistoryOverlap(times: [10, 100], services: nil)
        unnamedHistory.observe(time: 50, service: "web", row: "line 2")
        #expect(unnamedHistory.first?.row == "line 2")
        var namedHistory = HistoryOverlap(times: [100], services: ["web"])
        namedHistory.observe(time: 150, service: nil, row: "line 2")
        #expect(namedHistory.first == nil)
        // Rows without times, or a history without them, are not judged.
        var untimed = HistoryOverlap(times: nil, services: nil)
        untimed.observe(time: 1, service: nil, row: "line 2")
        #expect(untimed.warning(history: "h", input: "i") == nil)
    }
}
