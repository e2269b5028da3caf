import Foundation
import Testing
import VigilML

@testable import VigilDetect

@Suite struct NeighborProfileTests {
    @Test func aWindowIsDescribedByItsLatestRowsAndTheirMeans() {
        // One feature, newest first: 4, 2, 0, 6. Two steps with means over three rows.
        let window: [Float] = [4, 2, 0, 6]
        var described = [Float](repeating: 0, count: 4)
        window.withUnsafeBufferPointer { input in
            described.withUnsafeMutableBufferPointer { output in
                NeighborProfile.describe(input.baseAddress!, features: 1, steps: 2, meanLength: 3, into: output.baseAddress!)
            }
        }
        #expect(described == [4, 2, 2, Float(8) / 3])
        #expect(NeighborProfile.windowLength(steps: 2, meanLength: 3) == 4)
    }

    /// One feature, one step, means over one row: each window is its value twice. References at
    /// 0, 1, 2, 3, 10 (robust units: median 2, MAD 1, so a spread of 1.4826).
    private func lineProfile(neighbors: Int) -> NeighborProfile {
        NeighborProfile(
            fitting: Matrix([[0], [1], [2], [3], [10]]), features: 1, settings: .init(steps: 1, meanLength: 1, neighbors: neighbors))
    }

    private func evidence(_ profile: NeighborProfile, _ value: Float, excluding: Int? = nil, perFeature: inout [Double]) -> Double {
        [value].withUnsafeBufferPointer { input in
            perFeature.withUnsafeMutableBufferPointer {
                profile.evidence(input.baseAddress!, features: 1, perFeature: $0.baseAddress, excluding: excluding)
            }
        }
    }

    @Test func theEvidenceIsTheMeanSquaredDistanceToTheNearestWindows() {
        let profile = lineProfile(neighbors: 2)
        #expect(profile.center == [2, 2])
        #expect(abs(profile.scale[0] - 1.4826) < 1e-12)
        #expect(profile.references.rows == 5)
        let s = 1.4826
        // 2.5 lies 0.5 from 2 and from 3: a squared distance of 2 × (0.5 / s)² to each (value and
        // mean), per described value (2), averaged over the two nearest.
        var parts = [0.0]
        let near = evidence(profile, 2.5, perFeature: &parts)
        #expect(abs(near - 0.25 / (s * s)) < 1e-6)
        #expect(abs(parts[0] - near) < 1e-6 * near)
        // 6 is nearest 3 (3 away), then 2 and 10 (4 away): (9 + 16) / 2 / s².
        var farParts = [0.0]
        let far = evidence(profile, 6, perFeature: &farParts)
        #expect(abs(far - 12.5 / (s * s)) < 1e-5)
        #expect(far > near)
    }

    /// A held-out window is among the references when a model calibrates: it is measured from
    /// the others, not from itself (a distance of 0 would set every threshold at nothing), but
    /// from a twin of it, when there is one (a rig idling at the same readings), as the service
    /// would measure it.
    @Test func aReferenceIsMeasuredFromTheOthersWhenAsked() {
        let profile = lineProfile(neighbors: 1)
        var parts = [0.0]
        #expect(evidence(profile, 2, perFeature: &parts) == 0)
        let s = 1.4826
        let fromOthers = evidence(profile, 2, excluding: 2, perFeature: &parts)
        #expect(abs(fromOthers - 1 / (s * s)) < 1e-6)
        let twins = NeighborProfile(fitting: Matrix([[2], [2], [5], [9]]), features: 1, settings: .init(steps: 1, meanLength: 1, neighbors: 1))
        #expect(evidence(twins, 2, excluding: 0, perFeature: &parts) == 0)
        // With a single reference and itself left out, there is nothing to measure from: 0, not NaN.
        let single = NeighborProfile(fitting: Matrix([[5]]), features: 1, settings: .init(steps: 1, meanLength: 1, neighbors: 1))
        #expect(evidence(single, 5, excluding: 0, perFeature: &parts) == 0)
        // A feature that never moved in training is judged against a tenth of a scaled unit, not nothing.
        #expect(single.scale == [NeighborProfile.minimumScale, NeighborProfile.minimumScale])
    }

    /// Many windows at once take their candidates from one matrix product; the evidence they
    /// then get is the one a scan of every reference gives, itself left out or not.
    @Test func candidatesFromAMatrixProductGiveTheScansEvidence() {
        var generator = SeededGenerator(seed: 11)
        let features = 3
        let windowLength = 4  // 2 steps, means over 3 rows
        let training = Matrix(
            rows: 300, columns: windowLength * features, values: (0..<300 * windowLength * features).map { _ in Float(generator.nextNormal()) })
        let profile = NeighborProfile(fitting: training, features: features, settings: .init(steps: 2, meanLength: 3, neighbors: 5))
        let queries = Matrix(
            rows: 60, columns: windowLength * features,
            values: (0..<60 * windowLength * features).map { _ in Float(generator.nextNormal(standardDeviation: 1.5)) })
        // The first 20 queries are references 0..<20 themselves, each to be left out.
        let all = training.gatheringRows(0..<20).appendingRows(queries.gatheringRows(20..<60))
        all.values.withUnsafeBufferPointer { values in
            let excluding: (Int) -> Int? = { $0 < 20 ? $0 : nil }
            let candidates = profile.candidates(values.baseAddress!, count: all.rows, stride: all.columns, features: features, excluding: excluding)
            #expect(candidates.count == all.rows * profile.candidateCount)
            candidates.withUnsafeBufferPointer { candidates in
                for row in 0..<all.rows {
                    let input = values.baseAddress! + row * all.columns
                    var scanned = [Double](repeating: 0, count: features)
                    var batched = [Double](repeating: 0, count: features)
                    let scan = scanned.withUnsafeMutableBufferPointer {
                        profile.evidence(input, features: features, perFeature: $0.baseAddress, excluding: excluding(row))
                    }
                    let perRow = profile.candidateCount
                    let batch = batched.withUnsafeMutableBufferPointer {
                        profile.evidence(
                            input, features: features, perFeature: $0.baseAddress, excluding: excluding(row),
                            candidates: UnsafeBufferPointer(rebasing: candidates[row * perRow..<(row + 1) * perRow]))
                    }
                    #expect(scan == batch, "row \(row)")
                    #expect(scanned == batched, "row \(row)")
                    #expect(row >= 20 || scan > 0, "row \(row) found itself")
                }
            }
        }
    }

    @Test func manyTrainingWindowsAreThinnedEvenly() {
        #expect(NeighborProfile.thinned(rows: 3, to: 5) == [0, 1, 2])
        #expect(NeighborProfile.thinned(rows: 10, to: 4) == [0, 2, 5, 7])
        let rows = Matrix(
            rows: NeighborProfile.maximumReferences * 2, columns: 1, values: (0..<NeighborProfile.maximumReferences * 2).map(Float.init))
        let profile = NeighborProfile(fitting: rows, features: 1, settings: .init(steps: 1, meanLength: 1, neighbors: 5))
        #expect(profile.references.rows == NeighborProfile.maximumReferences)
    }

    /// The sensors recipe end to end on a pump-like run: a noisy flow and a drifting
    /// temperature. A lasting drop of the flow by 0.6, within its noise (σ 0.5) but 4 times the
    /// spread of its 10-row mean, is flagged, far more often than by single rows; the drifting
    /// temperature, which stays within what training saw, is not; and the flow carries the
    /// feature scores.
    @Test func theSensorsRecipeFindsASmallLastingStep() throws {
        var generator = SeededGenerator(seed: 9)
        var rows: [[Float]] = []
        for t in 0..<1000 {
            let fault = (700..<850).contains(t)
            let flow = generator.nextNormal(mean: 32, standardDeviation: 0.5) - (fault ? 0.6 : 0)
            let temperature = 70 + 2 * sin(Double(t) / 60) + generator.nextNormal(standardDeviation: 0.1)
            rows.append([Float(flow), Float(temperature)])
        }
        let all = Matrix(rows)
        let training = Dataset(features: ["flow", "temperature"], values: all.gatheringRows(0..<400), source: "pump")
        func flags(meanLength: Int) throws -> (inFault: Int, outside: Int, flowShare: Double) {
            var trainer = Recipe.sensors.trainer
            trainer.configuration.epochs = 3  // the autoencoder weighs nothing in this recipe
            trainer.neighborEvidence?.meanLength = meanLength
            let bundle = try trainer.train(training).bundle
            #expect(bundle.reconstructionWeight == 0)
            let scores = Array(try AnomalyDetector(bundle: bundle).score(series: all).dropFirst(400))
            let fault = 300..<450
            let found = scores[fault].filter(\.isAnomaly)
            let outside = scores.indices.count { !fault.contains($0) && scores[$0].isAnomaly }
            return (found.count, outside, found.map { $0.featureScores[0] }.reduce(0, +) / Double(max(found.count, 1)))
        }
        let recipe = try flags(meanLength: 10)
        let singleRows = try flags(meanLength: 1)
        #expect(recipe.inFault > 90, "flagged \(recipe.inFault) of 150 fault rows")
        #expect(recipe.outside < 20, "flagged \(recipe.outside) of 450 normal rows")
        #expect(recipe.flowShare > 0.5)
        #expect(singleRows.inFault < recipe.inFault / 2, "single rows flagged \(singleRows.inFault) of 150")
    }
}
