import Testing
import VigilDetect

@testable import VigilServer

/// Kept scores serve one resend, of the same model, for a while; then nothing is looked up.
@Suite struct RefusedScoresTests {
    let event = MetricEvent(timestamp: 1_764_072_000_000, service: "db", metric: "cpu_usage", value: 90)
    let other = MetricEvent(timestamp: 1_764_072_060_000, service: "db", metric: "cpu_usage", value: 91)
    let result = DetectionResult(
        score: Score(anomalyScore: 1, isAnomaly: true, confidence: 1, reconstructionError: 4, threshold: 1, featureScores: [1]),
        features: ["cpu_usage"], modelType: "autoencoder")

    @Test func aKeptScoreServesOneResendOfTheSameModel() {
        let scores = RefusedScores()
        scores.keep([event], [result], generation: 2)
        #expect(scores.take([other], generation: 2) == nil)
        #expect(scores.take([other, event], generation: 2)?.map { $0?.score.reconstructionError } == [nil, 4])
        #expect(scores.take([event], generation: 2) == nil, "taken once")
        scores.keep([event], [result], generation: 2)
        #expect(scores.take([event], generation: 3) == nil, "another model scores afresh")
        #expect(scores.take([event], generation: 2) == nil, "and the old model's scores are gone")
    }

    @Test func keptScoresExpire() async throws {
        let scores = RefusedScores(lifetime: .milliseconds(50))
        scores.keep([event], [result], generation: 1)
        try await Task.sleep(for: .milliseconds(120))
        #expect(scores.take([event], generation: 1) == nil)
    }
}
