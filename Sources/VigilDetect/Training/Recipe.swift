/// The trainer settings chosen once for a family of data, on that family's benchmarks, and
/// never per file: what `vigil train --recipe` selects. QUALITY.md shows what each scores.
public enum Recipe: String, Sendable, CaseIterable {
    /// Server and service metrics (ASD, SMD), the default of `vigil train --data`: each row is
    /// seen with the four before it (a window of 5) by the seed's autoencoder without dropout
    /// (dropout blurs the reconstruction of the wider input); the threshold flags 1 % of the
    /// held-out rows.
    case servers
    /// Sensor runs learnt from a short stretch of clean history, whose features move on their
    /// own (SKAB): the server recipe plus each feature's robust z-score (``RobustProfile``).
    case sensors
    /// The seed's synthetic generator (`vigil train --synthetic`, the served default model): 20 %
    /// of it is anomalous (so the threshold flags 20 %, and a refit sets the worst 20 % aside),
    /// and its features move independently (so per-feature evidence carries most of the signal).
    case synthetic

    public var trainer: DetectorTrainer {
        var trainer = DetectorTrainer()
        switch self {
        case .servers:
            trainer.window = TemporalWindow(length: 5)
            trainer.dropout = 0
        case .sensors:
            trainer = Recipe.servers.trainer
            trainer.perFeatureEvidence = true
        case .synthetic:
            trainer.contamination = SeedProfile.contamination
            trainer.trimFraction = SeedProfile.contamination
            trainer.perFeatureEvidence = true
        }
        return trainer
    }
}
