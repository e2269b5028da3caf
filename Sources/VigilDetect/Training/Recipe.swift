/// The trainer settings chosen once for a family of data, on that family's benchmarks, and
/// never per file: what `vigil train --recipe` selects. QUALITY.md shows what each scores.
public enum Recipe: String, Sendable, CaseIterable {
    /// Server and service metrics (ASD, SMD), the default of `vigil train --data`: each row is
    /// seen as its deviation from the series' own slow baseline (half-life 12 rows), so a server
    /// whose level drifts is judged by what it does at its new level; with the four rows before it
    /// (a window of 5), by the seed's autoencoder without dropout (dropout blurs the
    /// reconstruction of the wider input); when the rows per day are known, each row is also
    /// compared with the same time on the days before (a season of one day, see
    /// ``SeasonalProfile``); the threshold flags 1 % of the held-out rows, the latest fifth of
    /// the history (the nearest thing to the days that follow).
    case servers
    /// Sensor runs learnt from a short stretch of clean history, whose anomalies last (SKAB):
    /// judged by the distance to the 5 nearest training windows (``NeighborProfile``), each
    /// described by its last 5 rows' raw values (a baseline would absorb a lasting fault) and
    /// 10-row means (a small lasting step hides in the noise of single rows), in robust units;
    /// the threshold flags 0.1 % of the training windows, each measured from the others (nearly
    /// the farthest any of them lies). The autoencoder is trained, on a window of 14 rows, but
    /// weighs nothing: on SKAB it only added noise.
    case sensors
    /// The seed's synthetic generator (`vigil train --synthetic`, the served default model): 20 %
    /// of it is anomalous (so the threshold flags 20 %, and a refit sets the worst 20 % aside),
    /// and its features move independently (so per-feature evidence carries most of the signal).
    case synthetic

    public var trainer: DetectorTrainer { trainer(rowsPerDay: nil) }

    /// The recipe's trainer for rows sampled `rowsPerDay` times a day (`nil`: unknown). Only
    /// ``servers`` uses it: a season of one day.
    public func trainer(rowsPerDay: Int?) -> DetectorTrainer {
        var trainer = DetectorTrainer()
        switch self {
        case .servers:
            trainer.window = TemporalWindow(length: 5, baselineHalfLife: 12, seasonLength: rowsPerDay)
            trainer.dropout = 0
            trainer.holdOut = .latest
        case .sensors:
            let neighbors = NeighborProfile.Settings(steps: 5, meanLength: 10, neighbors: 5)
            trainer.window = TemporalWindow(length: neighbors.windowLength)
            trainer.dropout = 0
            trainer.neighborEvidence = neighbors
            trainer.reconstructionWeight = 0
            trainer.contamination = 0.001
        case .synthetic:
            trainer.contamination = SeedProfile.contamination
            trainer.trimFraction = SeedProfile.contamination
            trainer.perFeatureEvidence = true
        }
        return trainer
    }
}
