import Foundation
import Testing
import VigilDetect
import VigilML

@Suite struct DetectionTests {
    /// The bar: trained without labels on the seed's generator, calibrated from the
    /// contamination the profile knows (20 %), F1 ≥ 0.90 on a fresh labeled draw. The seed's
    /// own rule scores 0.05–0.10 there.
    @Test func calibratedDetectorBeatsTheSeedRuleOnAFreshDraw() throws {
        var generator = SeededGenerator(seed: 42)
        let training = SeedProfile.generate(samples: SeedProfile.defaultSamples, generator: &generator)
        var trainer = DetectorTrainer()  // the seed's whole schedule: up to 100 epochs, early stopping
        trainer.contamination = SeedProfile.contamination
        let bundle = try trainer.train(Dataset(features: training.features, values: training.values, source: training.source)).bundle

        var testGenerator = SeededGenerator(seed: 7)
        let test = SeedProfile.generate(samples: 20_000, generator: &testGenerator)
        let detector = try AnomalyDetector(bundle: bundle)
        let errors = detector.reconstructionErrors(series: test.values).map(Double.init)
        let report = EvaluationReport(errors: errors, labels: test.labels!, threshold: detector.threshold)
        #expect(report.confusion.f1 >= 0.90, "F1 \(report.confusion.f1)")

        // The seed's rule on the same errors: score = min(error / 10, 1), anomaly when > 0.05.
        let seedRule = ConfusionMatrix(predictions: errors.map { min($0 / 10, 1) > 0.05 }, labels: test.labels!)
        #expect(seedRule.f1 < report.confusion.f1)
    }

    /// Issue 5's regression bar: with each feature's robust z-score added to the reconstruction
    /// error, the same unlabeled recipe reaches F1 ≥ 0.97 (0.979 with the full schedule in a
    /// release build), and the feature shares point at the feature that moved.
    @Test func perFeatureEvidenceReachesTheSeedGeneratorsSeparability() throws {
        var generator = SeededGenerator(seed: 42)
        let training = SeedProfile.generate(samples: SeedProfile.defaultSamples, generator: &generator)
        var trainer = DetectorTrainer()
        trainer.configuration.epochs = 20
        trainer.contamination = SeedProfile.contamination
        trainer.perFeatureEvidence = true
        let bundle = try trainer.train(Dataset(features: training.features, values: training.values, source: training.source)).bundle

        var testGenerator = SeededGenerator(seed: 7)
        let test = SeedProfile.generate(samples: 20_000, generator: &testGenerator)
        let detector = try AnomalyDetector(bundle: bundle)
        let report = detector.evaluate(series: test.values, labels: test.labels!)
        #expect(report.confusion.f1 >= 0.97, "F1 \(report.confusion.f1)")

        for feature in 0..<5 {
            var vector = [Double](repeating: 50, count: 5)
            vector[feature] = 400
            let score = detector.score(vector)
            #expect(score.isAnomaly)
            #expect(score.featureScores.firstIndex(of: score.featureScores.max()!) == feature, "\(score.featureScores)")
        }
    }

    /// Two metrics, a window of 5, no dropout (the servers recipe's network): a 16-unit code
    /// would hold the 10 inputs whole, learn to copy them and reconstruct a jump as well as a
    /// normal row. The code is narrowed to half the input, so the jump is flagged.
    @Test func withoutDropoutTheCodeIsNarrowerThanTheInput() throws {
        #expect(DetectorTrainer.codeWidth(inputs: 10, dropout: 0) == 5)
        #expect(DetectorTrainer.codeWidth(inputs: 95, dropout: 0) == 16)
        #expect(DetectorTrainer.codeWidth(inputs: 5, dropout: 0.2) == 16)

        var generator = SeededGenerator(seed: 21)
        func rows(_ count: Int, shift: Double = 0) -> [[Float]] {
            (0..<count).map { _ in
                [Float(30 + shift + generator.nextNormal(standardDeviation: 2)), Float(40 + generator.nextNormal(standardDeviation: 1))]
            }
        }
        let history = Dataset(features: ["cpu", "mem"], values: Matrix(rows(3000)), source: "history")
        let test = Matrix(rows(200) + rows(10, shift: 12) + rows(100))
        func flags(_ architecture: Architecture?) throws -> (jump: Int, normal: Int) {
            var trainer = DetectorTrainer()  // the whole schedule: the copy takes time to learn
            trainer.dropout = 0
            trainer.window = TemporalWindow(length: 5, baselineHalfLife: 12)
            trainer.holdOut = .latest
            trainer.architecture = architecture
            let flagged = try AnomalyDetector(bundle: trainer.train(history).bundle).score(series: test).map(\.isAnomaly)
            return (flagged[200..<210].count { $0 }, flagged[..<200].count { $0 })
        }
        let narrow = try flags(nil)
        let wide = try flags(.seedAutoencoder(inputDimension: 10, dropout: 0))
        #expect(narrow.jump >= 8 && narrow.normal <= 10, "narrow code: \(narrow)")
        #expect(wide.jump < narrow.jump, "16-unit code: \(wide), narrow: \(narrow)")
    }

    @Test func trimmingRefitsWithoutTheWorstTrainingRows() throws {
        var generator = SeededGenerator(seed: 4)
        let data = SeedProfile.generate(samples: 400, generator: &generator)
        var trainer = DetectorTrainer()
        trainer.configuration.epochs = 2
        trainer.contamination = 0.2
        trainer.trimFraction = 0.25
        var refits: [(rows: Int, of: Int)] = []
        let (bundle, history) = try trainer.train(Dataset(features: data.features, values: data.values, source: data.source)) { event in
            if case .refitting(let rows, let total) = event { refits.append((rows, total)) }
        }
        // 320 training rows after the 20 % validation split; the worst quarter is set aside.
        #expect(refits.count == 1)
        #expect(refits.first?.of == 320)
        #expect((238...242).contains(refits.first?.rows ?? 0))
        #expect(history.epochs.count == 2)
        #expect(bundle.calibration != nil)
        #expect(bundle.training.samples == 400)
    }

    @Test func scoresCarryTheSeedFieldsAndFeatureShares() throws {
        var generator = SeededGenerator(seed: 1)
        let data = SeedProfile.generate(samples: 3000, generator: &generator)
        var trainer = DetectorTrainer()
        trainer.configuration.epochs = 10
        trainer.contamination = 0.2
        let bundle = try trainer.train(Dataset(features: data.features, values: data.values, source: data.source)).bundle
        let detector = try AnomalyDetector(bundle: bundle)

        let spike = detector.score([50, 50, 50, 50, 900])
        #expect(spike.isAnomaly)
        #expect(spike.confidence > 0.9)
        #expect(abs(spike.featureScores.reduce(0, +) - 1) < 1e-9)
        #expect(spike.featureScores.firstIndex(of: spike.featureScores.max()!) == 4, "response_time should dominate: \(spike.featureScores)")

        let normal = detector.score([50, 50, 50, 50, 50])
        #expect(!normal.isAnomaly)
        #expect(normal.anomalyScore < spike.anomalyScore)
        #expect(normal.threshold == spike.threshold)

        // Batch and single scoring agree (BLAS and the single-row loop round differently).
        let batch = detector.score(inputs: Matrix([[50, 50, 50, 50, 900], [50, 50, 50, 50, 50]]))
        #expect(abs(batch[0].reconstructionError - spike.reconstructionError) < 1e-5 * max(1, spike.reconstructionError))
        #expect(batch[1].isAnomaly == normal.isAnomaly)

        let json = spike.json(features: detector.features)
        let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        for key in ["anomaly_score", "is_anomaly", "confidence", "reconstruction_error", "threshold", "feature_scores"] {
            #expect(object[key] != nil, "missing \(key)")
        }
        #expect((object["feature_scores"] as! [String: Any]).count == 5)
    }

    @Test func trainingTwiceWithOneSeedGivesTheSameBundle() throws {
        func train() throws -> ModelBundle {
            var generator = SeededGenerator(seed: 9)
            let data = SeedProfile.generate(samples: 500, generator: &generator)
            var trainer = DetectorTrainer()
            trainer.configuration.epochs = 3
            var bundle = try trainer.train(Dataset(features: data.features, values: data.values, source: data.source)).bundle
            bundle.training.createdAt = ""
            return bundle
        }
        #expect(try train() == train())
    }

    /// Training that could only end badly is refused with what to change, not saved as a model
    /// (or stopped by a precondition).
    @Test func trainingThatCannotWorkIsRefusedWithTheReason() throws {
        var generator = SeededGenerator(seed: 3)
        let data = SeedProfile.generate(samples: 24, generator: &generator)
        let dataset = Dataset(features: data.features, values: data.values, source: "small.csv")
        var trainer = DetectorTrainer()
        trainer.validationFraction = 0.99
        #expect(throws: DatasetError.noTrainingRows(source: "small.csv", heldOut: 24)) { try trainer.train(dataset) }
        trainer = DetectorTrainer()
        trainer.configuration.learningRate = 1e6
        trainer.configuration.epochs = 2
        #expect(throws: DatasetError.trainingDiverged(source: "small.csv")) { try trainer.train(dataset) }
    }
}

@Suite struct CalibrationTests {
    @Test func contaminationThresholdFlagsThatShare() throws {
        let errors = (1...100).map(Float.init)
        let calibration = try #require(Calibration(errors: errors, contamination: 0.1))
        #expect(abs(calibration.threshold - 90.1) < 1e-9)  // numpy.quantile(1…100, 0.9)
        #expect(errors.filter { Double($0) > calibration.threshold }.count == 10)
        #expect(calibration.percentileRank(0) == 0)
        #expect(calibration.percentileRank(1000) == 1)
        #expect(abs(calibration.percentileRank(50.5) - 0.5) < 1e-9)
        let ranks = stride(from: 0.0, through: 120, by: 0.5).map(calibration.percentileRank)
        #expect(zip(ranks, ranks.dropFirst()).allSatisfy { $0 <= $1 }, "percentile rank must be monotone")
    }

    /// Errors that are not numbers sort nowhere: left out, the threshold is the numbers' own;
    /// with none left there is no threshold to give.
    @Test func errorsThatAreNotNumbersAreLeftOut() throws {
        let errors = (1...100).map(Float.init) + [Float.nan, .nan]
        let calibration = try #require(Calibration(errors: errors.shuffled(), contamination: 0.1))
        #expect(abs(calibration.threshold - 90.1) < 1e-9)
        #expect(calibration.samples == 100)
        #expect(Calibration(errors: [.nan, .nan], contamination: 0.1) == nil)
        // Infinite errors where the threshold falls set none (it would be NaN, or infinite).
        #expect(Calibration(errors: [1, 2] + [Float](repeating: .infinity, count: 8), contamination: 0.1) == nil)
        #expect(Calibration(errors: [Float](repeating: .infinity, count: 10), labels: [0, 0, 0, 0, 0, 0, 0, 0, 1, 1]) == nil)
        #expect(throws: DatasetError.nonFiniteErrors(source: "huge.csv")) {
            try DetectorTrainer().calibrate(errors: [.nan], labels: nil, source: "huge.csv")
        }
        // One infinite error among many: the threshold stands, and the quantile table stays
        // numbers (model.json cannot hold an infinity or a NaN).
        let one = try #require(Calibration(errors: (1...999).map(Float.init) + [.infinity], contamination: 0.01))
        #expect(one.threshold.isFinite)
        let tableIsFinite = one.errorQuantiles.allSatisfy { $0.isFinite }
        #expect(tableIsFinite)
        #expect(one.judge(.infinity).isAnomaly)
        // Labels whose best cut lies among infinite errors say so, rather than fall back to a
        // contamination threshold as if they held no anomaly.
        #expect(throws: DatasetError.nonFiniteErrors(source: "huge.csv")) {
            try DetectorTrainer().calibrate(errors: [1, 2, 3, .infinity, .infinity], labels: [0, 0, 0, 1, 1], source: "huge.csv")
        }
    }

    @Test func labelsGiveTheF1OptimalThreshold() {
        // Errors 1…10; anomalies are 8, 9, 10 and also 5. Best cut: above 7.5 (P 1, R 0.75, F1 0.857).
        let errors: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
        let labels: [UInt8] = [0, 0, 0, 0, 1, 0, 0, 1, 1, 1]
        let calibration = Calibration(errors: errors, labels: labels)!
        #expect(calibration.threshold == 7.5)
        #expect(abs(calibration.validation!.f1 - 6.0 / 7.0) < 1e-12)
        #expect(Calibration(errors: errors, labels: [UInt8](repeating: 0, count: 10)) == nil)
    }

    /// Rows labeled anomalous stay out of the fit: a model that learned a frequent kind of
    /// anomaly as normal could not flag it. Ignoring the labels, it does learn it.
    @Test func labeledAnomaliesAreLeftOutOfTheFit() throws {
        var generator = SeededGenerator(seed: 3)
        var rows: [[Float]] = []
        var labels: [UInt8] = []
        for index in 0..<2000 {
            let anomalous = index % 10 == 0
            let level: Float = anomalous ? 400 : 50
            rows.append([level + Float(generator.nextNormal(standardDeviation: 5)), level / 2 + Float(generator.nextNormal(standardDeviation: 3))])
            labels.append(anomalous ? 1 : 0)
        }
        let data = Dataset(features: ["cpu", "mem"], values: Matrix(rows), labels: labels, source: "labeled")
        var trainer = DetectorTrainer()
        trainer.dropout = 0
        trainer.configuration.epochs = 20
        var events: [(Int, Int)] = []
        let labeled = try trainer.train(data) { if case .leftOutLabeled(let rows, let total) = $0 { events.append((rows, total)) } }.bundle
        #expect(events.count == 1 && events[0].1 == 1600 && (140...180).contains(events[0].0), "\(events)")
        let anomaly = try AnomalyDetector(bundle: labeled).score([400, 200])
        #expect(anomaly.isAnomaly)
        #expect(try #require(labeled.calibration?.validation).f1 > 0.95)
        trainer.useLabels = false
        trainer.contamination = 0.01
        let unlabeled = try trainer.train(data).bundle
        #expect(!(try AnomalyDetector(bundle: unlabeled).score([400, 200]).isAnomaly), "learned as normal")
    }

    @Test func confidenceIsOneHalfAtTheThresholdAndGrowsAway() throws {
        let calibration = try #require(Calibration(errors: (1...100).map(Float.init), contamination: 0.1))
        #expect(abs(calibration.judge(calibration.threshold).confidence - 0.5) < 1e-9)
        #expect(calibration.judge(1000).confidence == 1)
        #expect(calibration.judge(0).confidence == 1)
        #expect(calibration.judge(95).isAnomaly)
        #expect(!calibration.judge(85).isAnomaly)
    }

    /// Holding out the latest rows calibrates on the end of the series: when it is noisier than
    /// the rest, the threshold is higher than a random hold-out's.
    @Test func holdingOutTheLatestRowsCalibratesOnTheEndOfTheSeries() throws {
        var generator = SeededGenerator(seed: 9)
        let rows = (0..<1000).map { row in
            let spread = row < 800 ? 1.0 : 3.0
            return [Float(generator.nextNormal(standardDeviation: spread)), Float(generator.nextNormal(standardDeviation: spread))]
        }
        let dataset = Dataset(features: ["a", "b"], values: Matrix(rows), source: "series")
        var trainer = DetectorTrainer()
        trainer.configuration.epochs = 2
        let random = try trainer.train(dataset).bundle.calibration!
        trainer.holdOut = .latest
        let latest = try trainer.train(dataset).bundle.calibration!
        #expect(latest.samples == random.samples)
        #expect(latest.threshold > 2 * random.threshold, "latest \(latest.threshold), random \(random.threshold)")
    }
}
