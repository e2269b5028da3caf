import Foundation
import Testing
import VigilDetect

/// The service's per-service state written out and read back (what a restart keeps).
@Suite struct AssemblerSnapshotTests {
    let window = TemporalWindow(length: 2, baselineHalfLife: 4, seasonLength: 2, stepSeconds: 60)

    private func assembler(_ window: TemporalWindow? = nil, features: [String] = ["cpu", "mem"]) -> FeatureAssembler {
        FeatureAssembler(features: features, defaults: features.map { _ in 50 }, window: window ?? self.window)
    }

    private func feed(_ assembler: FeatureAssembler, minutes: Range<Int>) {
        for minute in minutes {
            for service in ["api", "db", "cache"] {
                _ = assembler.update(
                    with: MetricEvent(
                        timestamp: Double(minute) * 60_000, service: service, metric: "cpu", value: Double((minute * 7 + service.count) % 11),
                        tags: ["mem": Double(minute % 3)]))
            }
        }
    }

    /// NaN as a number that equals itself.
    private func comparable(_ values: [Double]) -> [Double] { values.map { $0.isNaN ? -999 : $0 } }

    @Test func aRestoredAssemblerGoesOnAsTheOriginalWould() throws {
        let original = assembler()
        feed(original, minutes: 0..<9)
        let restored = assembler()
        #expect(try restored.restore(from: original.snapshot()) == 3)
        #expect(restored.snapshot() == original.snapshot())
        // The next step (after a missed minute) assembles the same in both.
        let next = MetricEvent(timestamp: 10 * 60_000, service: "db", metric: "cpu", value: 4, tags: ["mem": 1])
        let expected = original.update(with: next)
        let found = restored.update(with: next)
        #expect(comparable(found.window) == comparable(expected.window))
        #expect(found.window.count == 2 * 2 + 2)
    }

    @Test func anotherModelsStateIsRefusedAndNothingIsRestored() throws {
        let original = assembler()
        feed(original, minutes: 0..<4)
        let snapshot = original.snapshot()
        let otherWindow = assembler(TemporalWindow(length: 3, baselineHalfLife: 4, seasonLength: 2, stepSeconds: 60))
        #expect(throws: AssemblerSnapshotError.self) { try otherWindow.restore(from: snapshot) }
        let otherFeatures = assembler(features: ["cpu", "disk"])
        #expect {
            try otherFeatures.restore(from: snapshot)
        } throws: { error in
            "\(error)" == "the saved service state belongs to another model: features cpu, mem, not cpu, disk"
        }
        #expect(otherWindow.serviceCount == 0 && otherFeatures.serviceCount == 0)
    }

    /// A state saved before baselines kept their history's weights (a level alone, flagged 1)
    /// still restores: its baselines go on as settled ones.
    @Test func aBaselineSavedWithoutItsWeightsGoesOnSettled() throws {
        let window = TemporalWindow(length: 1, baselineHalfLife: 4)
        let original = assembler(window)
        for minute in 0..<2 {
            _ = original.update(with: MetricEvent(timestamp: Double(minute) * 60_000, service: "api", metric: "cpu", value: 7, tags: ["mem": 7]))
        }
        // One value seen: level 7, and (1 − w) of a full history missing, for both features.
        let weight = 1 - pow(2, -1 / 4.0)
        func bytes(_ values: [Double]) -> [UInt8] { values.flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } } }
        let saved = [2] + bytes([7, 7, 1 - weight, 1 - weight])
        let current = [UInt8](original.snapshot())
        let at = try #require((0...current.count - saved.count).first { current[$0..<$0 + saved.count].elementsEqual(saved) })
        let older = Data(current[..<at] + [1] + bytes([7, 7]) + current[(at + saved.count)...])

        let restored = assembler(window)
        #expect(try restored.restore(from: older) == 1)
        for minute in 2..<4 {
            _ = restored.update(with: MetricEvent(timestamp: Double(minute) * 60_000, service: "api", metric: "cpu", value: 11, tags: ["mem": 11]))
        }
        // Minute 2 joined a settled baseline at 7: its level moved by w · 4.
        let next = restored.update(with: MetricEvent(timestamp: 4 * 60_000, service: "api", metric: "cpu", value: 11, tags: ["mem": 11]))
        let level = 7 + weight * 4
        #expect(next.window.allSatisfy { abs($0 - (11 - (level + weight * (11 - level)))) < 1e-9 }, "\(next.window)")
    }

    /// A damaged file is an error with a reason, never a crash, at every length it could be cut to.
    @Test func aDamagedSnapshotIsAnErrorNotACrash() throws {
        let original = assembler()
        feed(original, minutes: 0..<8)
        let snapshot = original.snapshot()
        for length in stride(from: 0, to: snapshot.count, by: 7) {
            let restored = assembler()
            #expect(throws: AssemblerSnapshotError.self) { try restored.restore(from: snapshot.prefix(length)) }
            #expect(restored.serviceCount == 0)
        }
        #expect(throws: AssemblerSnapshotError.unreadable(reason: "it does not start with the snapshot's magic line")) {
            try assembler().restore(from: Data("hello".utf8))
        }
        #expect(throws: AssemblerSnapshotError.self) { try assembler().restore(from: snapshot + Data([0])) }
    }
}
